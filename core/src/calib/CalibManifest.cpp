#include "calib/CalibManifest.h"

#include "common/FileIo.h"
#include "common/JsonFields.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace lathe::calib {

namespace {

// Names a manifest field in an error: "<file>: <where>"<field>" <what>".
auto describeField(const std::string& manifestPath, const std::string& where)
{
    return [manifestPath, where](const std::string& field, const std::string& what) {
        return manifestPath + ": " + where + "\"" + field + "\" " + what;
    };
}

}  // namespace

std::string manifestJson(const ManifestData& d)
{
    using json = nlohmann::ordered_json;
    const CalibrationOptions& o = *d.options;
    json m;
    m["format"] = "lathe-calibration";
    m["version"] = 1;
    m["model_tag"] = o.modelTag;
    m["folder"] = d.tagFolderName;
    m["settings"] = {{"min_seqlen", o.minSeqLen},
                     {"max_seqlen", o.maxSeqLen},
                     {"max_calib", o.maxCalib},
                     {"languages", o.languages},
                     {"merge", o.merge},
                     {"add_special_tokens", !o.chatTemplate},
                     {"chat_template", o.chatTemplate},
                     {"layout", calibrationLayoutName(o.layout)}};
    json source;
    source["kind"] = d.sourceKind;
    if (d.sourceKind == "hub") {
        source["dataset"] = o.dataset;
        source["revision"] = o.datasetRevision;
        source["commit"] = d.datasetCommit;
        source["dump_date"] = o.dumpDate;
        source["split"] = "train";
        source["column"] = "text";
    } else {
        source["path"] = o.textFile;
    }
    m["source"] = source;
    json tokenizer = {{"path", o.tokenizerPath}, {"engine", d.tokenizerEngine}, {"vocab_size", d.tokenizerVocab}};
    tokenizer["bos_id"] = d.bosId ? json(*d.bosId) : json(nullptr);
    m["tokenizer"] = tokenizer;
    m["embedding"] = {{"path", o.embeddingPath},
                      {"vocab", d.embeddingVocab},
                      {"hidden", d.embeddingHidden},
                      {"stored_dtype", d.embeddingDtype},
                      {"sample_dtype", "float32"}};
    m["model_max_position_embeddings"] = d.modelMaxPositions ? json(*d.modelMaxPositions) : json(nullptr);

    json languages = json::array();
    for (std::size_t i = 0; i < d.languages.size(); ++i) {
        const LanguageSummary& l = d.languages[i];
        const std::string folder = o.layout == CalibrationLayout::Multilingual ? kMultilingualFolder : l.language;
        json entry = {{"language", l.language},
                      {"folder", folder},
                      {"samples", l.samples},
                      {"wanted", l.wanted},
                      {"articles_read", l.articlesRead},
                      {"empty", l.emptyArticles},
                      {"too_short", l.tooShort},
                      {"truncated", l.truncated},
                      {"exhausted", l.exhausted}};
        if (d.sourceKind == "hub") {
            entry["config"] = i < d.configs.size() ? d.configs[i] : std::string();
            entry["shards_read"] = i < d.shardsRead.size() ? d.shardsRead[i] : std::vector<std::string>();
        }
        languages.push_back(entry);
    }
    m["languages"] = languages;
    if (o.merge) m["merged_folder"] = "merged";
    if (o.layout == CalibrationLayout::Multilingual) m["multilingual_folder"] = kMultilingualFolder;

    json samples = json::array();
    for (const SampleRecord& s : d.samples) {
        json e;
        e["language"] = s.language;
        e["file"] = s.file;
        if (s.merged) e["merged_file"] = "merged/inputs_embeds_" + std::to_string(*s.merged) + ".npy";
        e["tokens"] = s.tokens;
        e["article_tokens"] = s.articleTokens;
        e["id"] = s.id;
        e["title"] = s.title;
        if (d.sourceKind == "hub") {
            e["shard"] = s.shard;
            e["row"] = s.row;
        }
        samples.push_back(e);
    }
    m["samples"] = samples;
    return m.dump(2) + "\n";
}

namespace {

// The parsed manifest, checked to be a calibration manifest. Errors: NotFound, Corrupt, naming the file.
Result<nlohmann::json> readManifest(const std::string& manifestPath)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(manifestPath, ec))
        return makeError(ErrorCode::NotFound, "cannot read the calibration manifest " + manifestPath +
                                                  ": it does not exist; generate the calibration samples again");
    auto text = readWholeFile(manifestPath);
    if (!text) return text.error();
    nlohmann::json m;
    try {
        m = nlohmann::json::parse(*text);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, manifestPath + " is not valid JSON: " + e.what());
    }
    const JsonFields top(m, describeField(manifestPath, ""));
    std::string format;
    LATHE_READ_FIELD(format, top.string("format"));
    if (format != "lathe-calibration")
        return makeError(ErrorCode::Corrupt,
                         manifestPath + " is not a Lathe calibration manifest (format \"" + format + "\")");
    return m;
}

// The layout a parsed manifest records. Manifests written before the layout could be chosen have none: they are
// per-language.
Result<CalibrationLayout> layoutOf(const nlohmann::json& m, const std::string& manifestPath)
{
    const auto settings = m.find("settings");
    if (settings == m.end() || !settings->is_object() || !settings->contains("layout"))
        return CalibrationLayout::PerLanguage;
    const JsonFields in(*settings, describeField(manifestPath, "settings "));
    std::string name;
    LATHE_READ_FIELD(name, in.string("layout"));
    const auto layout = parseCalibrationLayout(name);
    if (!layout)
        return makeError(ErrorCode::Corrupt, manifestPath + ": unknown calibration layout \"" + name +
                                                 "\" (this build knows per-language and multilingual)");
    return *layout;
}

}  // namespace

Result<CalibrationLayout> readCalibrationLayout(const std::string& manifestPath)
{
    auto m = readManifest(manifestPath);
    if (!m) return m.error();
    return layoutOf(*m, manifestPath);
}

Result<std::vector<CalibrationSample>> readCalibrationSamples(const std::string& manifestPath)
{
    auto parsed = readManifest(manifestPath);
    if (!parsed) return parsed.error();
    // A manifest of a layout this build does not know is refused rather than read as a known one.
    auto layout = layoutOf(*parsed, manifestPath);
    if (!layout) return layout.error();
    const nlohmann::json& m = *parsed;
    const JsonFields top(m, describeField(manifestPath, ""));
    const nlohmann::json* list = nullptr;
    LATHE_READ_FIELD(list, top.member("samples"));
    if (!list->is_array()) return top.bad("samples", "must be an array");
    std::vector<CalibrationSample> samples;
    samples.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        const JsonFields in((*list)[i], describeField(manifestPath, "samples[" + std::to_string(i) + "] "));
        CalibrationSample s;
        LATHE_READ_FIELD(s.language, in.string("language"));
        LATHE_READ_FIELD(s.file, in.string("file"));
        LATHE_READ_FIELD(s.title, in.string("title"));
        LATHE_READ_FIELD(s.tokens, in.integer("tokens"));
        samples.push_back(std::move(s));
    }
    return samples;
}

}  // namespace lathe::calib
