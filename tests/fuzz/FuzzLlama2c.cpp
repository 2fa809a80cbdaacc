// llama2.c checkpoints: the seven-field header and the float arrays it promises (model/Llama2cReader).
#include "FuzzSupport.h"
#include "model/Llama2cReader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    fuzz::accepted(model::readLlama2cCheckpoint(fuzz::inputFile(data, size, "model.bin"), StopToken()), "llama2.c");
    return 0;
}
