#include "lathe/export/Rotation.h"

#include "common/AtomicFileWriter.h"
#include "export/TorchSaveReader.h"

#include <torch/csrc/jit/api/module.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <sstream>

namespace lathe::exports {

namespace {

// SpinQuant names its learned-rotation module this way; Python sees it as the module's original_name.
constexpr const char* kModuleName = "RotateModule";

std::string dtypeName(at::ScalarType type)
{
    switch (type) {
    case at::kDouble: return "float64";
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return c10::toString(type);
    }
}

}  // namespace

Result<void> writeRotationFile(const std::string& path, const std::vector<double>& matrix, int n)
{
    if (n < 1) return makeError(ErrorCode::InvalidArgument, "rotation size must be at least 1, got " + std::to_string(n));
    if (matrix.size() != size_t(n) * size_t(n))
        return makeError(ErrorCode::InvalidArgument, "a " + std::to_string(n) + "x" + std::to_string(n) +
                                                         " rotation needs " + std::to_string(size_t(n) * size_t(n)) +
                                                         " values, got " + std::to_string(matrix.size()));
    for (double v : matrix)
        if (!std::isfinite(v))
            return makeError(ErrorCode::InvalidArgument, "the rotation written to " + path + " has non-finite values");
    try {
        at::Tensor weight = at::empty({n, n}, at::kDouble);
        std::copy(matrix.begin(), matrix.end(), weight.data_ptr<double>());
        torch::jit::Module module(kModuleName);
        module.register_parameter("weight", weight, /*is_buffer=*/false);
        std::ostringstream out;
        module.save(out);
        const std::string bytes = out.str();
        const auto parent = std::filesystem::path(path).parent_path();
        std::error_code ec;
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);
        return writeFileAtomically(path, bytes);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Io, "writing the rotation file " + path + " failed: " + e.what());
    }
}

Result<RotationMatrix> readRotationFile(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return makeError(ErrorCode::NotFound, "rotation file " + path + " does not exist");
    // Lathe's own reader for both forms (torch.jit.save's module archive and torch.save's tensor), never
    // torch::jit::load or pickle_load: libtorch 1.13 crashes on damaged archives of either kind (found by fuzzing,
    // docs/reliability.md).
    auto saved = readSavedTensor(path);
    if (!saved)
        return makeError(ErrorCode::Corrupt,
                         path + " is neither a TorchScript archive with a parameter nor a torch.save'd tensor (" +
                             saved.error().message +
                             "): pass the global_rotation.pth that Lathe or torch.jit.save wrote");
    std::optional<at::Tensor> tensor = std::move(*saved);
    try {
        const at::Tensor& t = *tensor;
        if (t.dim() != 2 || t.size(0) != t.size(1) || t.size(0) < 1) {
            std::string shape;
            for (int64_t d : t.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
            return makeError(ErrorCode::Unsupported,
                             "the rotation in " + path + " has shape [" + shape + "]; a square [n, n] matrix is needed");
        }
        if (!at::isFloatingType(t.scalar_type()))
            return makeError(ErrorCode::Unsupported, "the rotation in " + path + " holds " +
                                                         dtypeName(t.scalar_type()) +
                                                         " values; a floating-point matrix is needed");
        RotationMatrix result;
        result.size = int(t.size(0));
        result.storedDtype = dtypeName(t.scalar_type());
        const at::Tensor values = t.to(at::kDouble).contiguous();
        result.values.assign(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
        return result;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "reading the rotation in " + path + " failed: " + e.what());
    }
}

}  // namespace lathe::exports
