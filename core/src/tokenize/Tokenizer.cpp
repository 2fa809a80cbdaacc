#include "lathe/tokenize/Tokenizer.h"

#include "HfTokenizer.h"
#include "SentencePieceTokenizer.h"

#include <filesystem>
#include <system_error>

namespace lathe::tokenize {

namespace fs = std::filesystem;

namespace {

using EngineLoader = Result<std::unique_ptr<Tokenizer>> (*)(const fs::path& file);

// The engines, in the order a model directory is searched: the first file present wins. tokenizer.json
// comes first because it is what AutoTokenizer loads (the fast tokenizer) when a model ships both.
struct Engine {
    const char* fileName;
    EngineLoader load;
};
constexpr Engine kEngines[] = {
    {"tokenizer.json", &tokenize::HfTokenizer::load},
    {"tokenizer.model", &tokenize::SentencePieceTokenizer::load},
};

// A file given directly picks its engine by name; anything not JSON is tried as sentencepiece, whose
// own check then reports a file that is neither.
EngineLoader engineForFile(const fs::path& file)
{
    return file.extension() == ".json" ? &tokenize::HfTokenizer::load : &tokenize::SentencePieceTokenizer::load;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::load(const std::string& path)
{
    try {
        const fs::path given(path);
        std::error_code ec;
        const auto status = fs::status(given, ec);
        if (path.empty() || !fs::exists(status))
            return makeError(ErrorCode::NotFound,
                             "tokenizer not found: " + (path.empty() ? std::string("(empty path)") : path) +
                                 "; pass a tokenizer.json or tokenizer.model file or a model directory");
        if (!fs::is_directory(status)) return engineForFile(given)(given);

        for (const Engine& engine : kEngines) {
            const fs::path file = given / engine.fileName;
            if (fs::is_regular_file(file, ec)) return engine.load(file);
        }
        std::string expected;
        for (const Engine& engine : kEngines) expected += std::string(expected.empty() ? "" : " or ") + engine.fileName;
        return makeError(ErrorCode::NotFound, "no tokenizer in " + path + " (expected " + expected +
                                                  "); download the model's tokenizer files too");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "loading tokenizer " + path + " failed: " + e.what());
    }
}

}  // namespace lathe::tokenize
