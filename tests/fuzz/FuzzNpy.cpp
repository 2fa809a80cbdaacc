// .npy: magic, version, header dictionary, shape and the data it promises (data/Npy).
#include "FuzzSupport.h"
#include "lathe/data/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    fuzz::accepted(data::readNpy(fuzz::inputFile(data, size, "sample.npy")), ".npy");
    return 0;
}
