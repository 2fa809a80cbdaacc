// GGUF: header, metadata key/values and tensor table (model/GgufFile), then every tensor's bytes.
#include "FuzzSupport.h"
#include "model/GgufFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    auto file = model::GgufFile::open(fuzz::inputFile(data, size, "model.gguf"));
    if (!fuzz::accepted(file, "GGUF")) return 0;
    volatile std::uint64_t sink = 0;
    for (const model::GgufTensor& tensor : (*file)->tensors())
        sink = sink + fuzz::touch((*file)->data(tensor), tensor.bytes);
    return 0;
}
