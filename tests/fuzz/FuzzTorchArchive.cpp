// torch zip archives and their pickles: an embedding.pt (torch.save of one tensor, export/TorchSaveReader) and
// a rotation file (a TorchScript archive whose one parameter is the matrix, export/Rotation).
#include "FuzzSupport.h"
#include "export/TorchSaveReader.h"
#include "lathe/export/Rotation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    const std::string path = fuzz::inputFile(data, size, "archive.pt");
    auto tensor = exports::readSavedTensor(path);
    if (fuzz::accepted(tensor, "torch.save archive") && tensor->defined() && tensor->numel() > 0) {
        volatile double sink = tensor->to(at::kDouble).sum().item<double>();
        (void)sink;
    }
    fuzz::accepted(exports::readRotationFile(path), "TorchScript rotation archive");
    return 0;
}
