#include "lathe/runtime/ModelPath.h"

#include <filesystem>

namespace lathe {

Result<std::string> resolveModelPath(const std::string& modelPath)
{
    namespace fs = std::filesystem;
    if (modelPath.empty()) return makeError(ErrorCode::InvalidArgument, "no model path given; pass a model directory");
    std::error_code ec;
    const fs::path path(modelPath);
    if (!fs::is_directory(path, ec))
        return makeError(ErrorCode::NotFound, "model directory " + modelPath +
                                                  " does not exist; pass a local Hugging Face model directory "
                                                  "(config.json + *.safetensors + tokenizer), e.g. one written by "
                                                  "`lathe import`");
    if (!fs::is_regular_file(path / "config.json", ec))
        return makeError(ErrorCode::NotFound, "no config.json in " + modelPath +
                                                  "; is this a Hugging Face model directory?");
    return path.lexically_normal().string();
}

}  // namespace lathe
