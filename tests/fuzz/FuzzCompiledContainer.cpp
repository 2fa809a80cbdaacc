// Compiled containers (compiled/CompiledModelFile): the safetensors layer, Lathe's metadata, the tensor checks,
// then every linear as the runtime decodes it and the final norm.
#include "FuzzSupport.h"
#include "compiled/CompiledModelFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    auto file = compiled::CompiledModelFile::open(fuzz::inputFile(data, size, "model.mxq"));
    if (!fuzz::accepted(file, "compiled container")) return 0;
    for (const auto& [module, spec] : (*file)->info().linears)
        fuzz::accepted((*file)->linear(module), "compiled linear");
    fuzz::accepted((*file)->floatTensor("model.norm.weight"), "compiled norm");
    return 0;
}
