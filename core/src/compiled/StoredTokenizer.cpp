#include "compiled/StoredTokenizer.h"

#include <filesystem>
#include <fstream>

namespace lathe::compiled {

Result<TemporaryFolder> extractTokenizerFiles(const CompiledModelFile& file)
{
    if (file.info().tokenizerFiles.empty())
        return makeError(ErrorCode::NotFound, file.path() +
                                                  " stores no tokenizer files; compile it again from a model "
                                                  "folder that has tokenizer.json or tokenizer.model");
    auto folder = TemporaryFolder::create("lathe-tokenizer");
    if (!folder) return folder.error();
    for (const auto& [name, sha] : file.info().tokenizerFiles) {
        auto bytes = file.tokenizerFile(name);
        if (!bytes) return bytes.error();
        const std::string target = (std::filesystem::path(folder->path()) / name).string();
        std::ofstream out(target, std::ios::binary);
        out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
        out.close();
        if (!out) return makeError(ErrorCode::Io, "cannot write the tokenizer file " + target + "; check TMPDIR");
    }
    return folder;
}

}  // namespace lathe::compiled
