#include "calib/CalibManifest.h"

#include <nlohmann/json.hpp>

namespace lathe::calib {

std::string manifestJson(const ManifestData& d)
{
    using json = nlohmann::ordered_json;
    const CalibrationOptions& o = *d.options;
    json m;
    m["format"] = "lathe-calibration";
    m["version"] = 1;
    m["model_tag"] = o.modelTag;
    m["folder"] = d.tagFolderName;
    m["settings"] = {{"min_seqlen", o.minSeqLen}, {"max_seqlen", o.maxSeqLen}, {"max_calib", o.maxCalib},
                     {"languages", o.languages}, {"merge", o.merge}, {"add_special_tokens", true}};
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
    m["embedding"] = {{"path", o.embeddingPath}, {"vocab", d.embeddingVocab}, {"hidden", d.embeddingHidden},
                      {"stored_dtype", d.embeddingDtype}, {"sample_dtype", "float32"}};
    m["model_max_position_embeddings"] = d.modelMaxPositions ? json(*d.modelMaxPositions) : json(nullptr);

    json languages = json::array();
    for (std::size_t i = 0; i < d.languages.size(); ++i) {
        const LanguageSummary& l = d.languages[i];
        json entry = {{"language", l.language}, {"folder", l.language}, {"samples", l.samples}, {"wanted", l.wanted},
                      {"articles_read", l.articlesRead}, {"empty", l.emptyArticles}, {"too_short", l.tooShort},
                      {"truncated", l.truncated}, {"exhausted", l.exhausted}};
        if (d.sourceKind == "hub") {
            entry["config"] = i < d.configs.size() ? d.configs[i] : std::string();
            entry["shards_read"] = i < d.shardsRead.size() ? d.shardsRead[i] : std::vector<std::string>();
        }
        languages.push_back(entry);
    }
    m["languages"] = languages;
    if (o.merge) m["merged_folder"] = "merged";

    json samples = json::array();
    for (const SampleRecord& s : d.samples) {
        json e;
        e["language"] = s.language;
        e["file"] = s.language + "/inputs_embeds_" + std::to_string(s.index) + ".npy";
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

}  // namespace lathe::calib
