// safetensors: the JSON header and the tensor table (model/SafetensorsFile), then every tensor's bytes.
#include "FuzzSupport.h"
#include "model/SafetensorsFile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    auto file = model::SafetensorsFile::open(fuzz::inputFile(data, size, "model.safetensors"));
    if (!fuzz::accepted(file, "safetensors")) return 0;
    volatile std::uint64_t sink = 0;
    for (const model::SafetensorsEntry& entry : (*file)->entries())
        sink = sink + fuzz::touch((*file)->data(entry), entry.end - entry.begin);
    return 0;
}
