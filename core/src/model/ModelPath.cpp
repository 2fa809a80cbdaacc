#include "lathe/model/ModelPath.h"

#include "lathe/hub/ModelLocator.h"

#include <filesystem>

namespace lathe::model {

Result<std::string> resolveModelPath(const std::string& modelPath)
{
    namespace fs = std::filesystem;
    if (modelPath.empty())
        return makeError(ErrorCode::InvalidArgument, "no model path given; pass a model directory or a Hub repo id");
    std::error_code ec;
    const fs::path path(modelPath);
    if (!fs::is_directory(path, ec)) {
        // Not a folder: a repo id already in the Hugging Face cache (no network here; `lathe download-model` fetches).
        if (hub::looksLikeRepoId(modelPath) && !fs::exists(path, ec)) return hub::resolveModelDirectory(modelPath);
        return makeError(ErrorCode::NotFound,
                         "model directory " + modelPath +
                             " does not exist; pass a local Hugging Face model directory "
                             "(config.json + *.safetensors + tokenizer), e.g. one written by "
                             "`lathe import`, or a repo id downloaded with `lathe download-model`");
    }
    if (!fs::is_regular_file(path / "config.json", ec))
        return makeError(ErrorCode::NotFound,
                         "no config.json in " + modelPath + "; is this a Hugging Face model directory?");
    return path.lexically_normal().string();
}

}  // namespace lathe::model
