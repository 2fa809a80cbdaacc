#include "calib/OptionsCheck.h"

#include "lathe/hub/ModelLocator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace lathe::calib {

namespace {

Error invalid(const std::string& message)
{
    return makeError(ErrorCode::InvalidArgument, message);
}

// Wikipedia language codes: "en", "zh-yue", "be-x-old", "simple".
bool isLanguageCode(const std::string& code)
{
    if (code.empty() || code.size() > 32 || code.front() == '-') return false;
    return std::all_of(code.begin(), code.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

bool isSafeName(const std::string& text)
{
    if (text.empty() || text == "." || text == "..") return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    });
}

std::optional<std::int64_t> positiveInt(const nlohmann::json& j, const char* key)
{
    if (!j.contains(key) || !j[key].is_number_integer()) return std::nullopt;
    const auto v = j[key].get<std::int64_t>();
    if (v <= 0) return std::nullopt;
    return v;
}

}  // namespace

std::string modelTagFolder(const std::string& modelTag)
{
    std::string out = modelTag;
    std::replace(out.begin(), out.end(), '/', '-');
    return out;
}

CalibrationOptions resolvedOptions(const CalibrationOptions& options)
{
    CalibrationOptions o = options;
    if (o.languages.empty())
        o.languages = o.textFile.empty() ? defaultCalibrationLanguages(o.layout) : std::vector<std::string>{"en"};
    return o;
}

Result<void> checkOptions(const CalibrationOptions& o)
{
    if (o.modelTag.empty())
        return invalid("--model_tag is empty: give the model's repo id, e.g. meta-llama/Llama-3.2-1B");
    const std::string folder = modelTagFolder(o.modelTag);
    if (folder == "." || folder == ".." || std::any_of(folder.begin(), folder.end(), [](char c) {
            return c == '\\' || static_cast<unsigned char>(c) < 0x20;
        }))
        return invalid("--model_tag '" + o.modelTag + "' cannot be used as a folder name");
    if (o.embeddingPath.empty()) return invalid("--embedding_path is empty");
    if (o.tokenizerPath.empty()) return invalid("--tokenizer_path is empty");
    if (o.outputDir.empty()) return invalid("--output_dir is empty");
    if (o.minSeqLen < 1) return invalid("--min_seqlen must be at least 1 (got " + std::to_string(o.minSeqLen) + ")");
    if (o.maxSeqLen < o.minSeqLen)
        return invalid("--min_seqlen (" + std::to_string(o.minSeqLen) + ") is larger than --max_seqlen (" +
                       std::to_string(o.maxSeqLen) + ")");
    if (o.maxSeqLen > (1 << 20))
        return invalid("--max_seqlen " + std::to_string(o.maxSeqLen) + " is unreasonably large");
    if (o.maxCalib < 1) return invalid("--max_calib must be at least 1 (got " + std::to_string(o.maxCalib) + ")");
    if (o.languages.empty()) return invalid("--languages is empty: name at least one, e.g. en");
    std::set<std::string> seen;
    for (const std::string& lang : o.languages) {
        // "merged" and "multilingual" name the folders of all languages together.
        if (!isLanguageCode(lang) || lang == "merged" || lang == "multilingual")
            return invalid("'" + lang + "' in --languages is not a Wikipedia language code (e.g. en, de, ja, zh)");
        if (!seen.insert(lang).second) return invalid("language '" + lang + "' is listed twice in --languages");
    }
    if (o.layout == CalibrationLayout::Multilingual) {
        if (o.merge)
            return invalid(
                "--merge goes with --layout per-language: the multilingual folder already holds every "
                "language (leave out --merge)");
        // As the tutorial's script: every language gets at least one sample.
        if (static_cast<std::size_t>(o.maxCalib) < o.languages.size())
            return invalid("--max_calib " + std::to_string(o.maxCalib) + " is fewer than the " +
                           std::to_string(o.languages.size()) +
                           " languages: with --layout multilingual it is the total, split over the languages, so "
                           "each needs at least one sample");
    }
    if (!o.textFile.empty()) {
        if (o.languages.size() != 1)
            return invalid("with --text-file, --languages names the one folder the samples go to (got " +
                           std::to_string(o.languages.size()) + " languages)");
        const std::string ext = fs::path(o.textFile).extension().string();
        if (ext != ".txt" && ext != ".jsonl" && ext != ".parquet")
            return makeError(ErrorCode::Unsupported,
                             "--text-file " + o.textFile +
                                 ": use a .txt (documents separated by blank lines), .jsonl "
                                 "(a \"text\" field per line) or .parquet (a text column) file");
        std::error_code ec;
        if (!fs::is_regular_file(o.textFile, ec))
            return makeError(ErrorCode::NotFound, "--text-file " + o.textFile + " does not exist");
    } else {
        if (!hub::looksLikeRepoId(o.dataset))
            return invalid("--dataset '" + o.dataset + "' is not a Hugging Face dataset id (Org/Name)");
        if (!isSafeName(o.dumpDate)) return invalid("--dump_date '" + o.dumpDate + "' is not a valid config prefix");
        if (o.datasetRevision.empty()) return invalid("--dataset_revision is empty");
    }
    return {};
}

Result<ModelLimits> readModelLimits(const std::string& tokenizerDir)
{
    ModelLimits limits;
    const fs::path config = fs::path(tokenizerDir) / "config.json";
    std::error_code ec;
    if (!fs::is_regular_file(config, ec)) return limits;
    limits.configPath = config.string();
    std::ifstream in(config, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot read " + limits.configPath);
    try {
        const auto j = nlohmann::json::parse(in);
        if (!j.is_object()) return makeError(ErrorCode::Corrupt, limits.configPath + " is not a JSON object");
        // Multimodal configs keep the language model's settings under text_config.
        const auto& cfg = j.contains("text_config") && j["text_config"].is_object() ? j["text_config"] : j;
        limits.maxPositions = positiveInt(cfg, "max_position_embeddings");
        limits.hiddenSize = positiveInt(cfg, "hidden_size");
        limits.vocabSize = positiveInt(cfg, "vocab_size");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, limits.configPath + " is not valid JSON: " + e.what());
    }
    return limits;
}

}  // namespace lathe::calib
