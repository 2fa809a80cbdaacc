#include "deploy/SpmTokenizerJson.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace lathe::deploy {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kSpmBpe = 2;  // trainer_spec.model_type
constexpr int kUnknown = 2, kControl = 3, kUserDefined = 4;

// Byte offsets where each UTF-8 code point of `s` after the first starts: the split points of a piece.
std::vector<size_t> splitPoints(const std::string& s)
{
    std::vector<size_t> points;
    for (size_t i = 1; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) points.push_back(i);
    return points;
}

// LlamaTokenizerFast's post-processor: "<s> $A </s>" for one sequence, and the same again with type id 1 for the
// second of a pair, with BOS / EOS present as the tokenizer adds them.
Json postProcessor(const model::EmbeddedVocabulary& v, bool addBos, bool addEos)
{
    Json specials = Json::object();
    for (const auto& [add, id] : {std::pair{addBos, v.bosId}, std::pair{addEos, v.eosId}}) {
        if (!add) continue;
        const std::string& token = v.tokens.at(size_t(id));
        specials[token] = {{"id", token}, {"ids", {id}}, {"tokens", {token}}};
    }
    auto part = [&](const std::string& sequenceId, int typeId) {
        Json items = Json::array();
        auto special = [&](int id) {
            items.push_back({{"SpecialToken", {{"id", v.tokens.at(size_t(id))}, {"type_id", typeId}}}});
        };
        if (addBos) special(v.bosId);
        items.push_back({{"Sequence", {{"id", sequenceId}, {"type_id", typeId}}}});
        if (addEos) special(v.eosId);
        return items;
    };
    Json pair = part("A", 0);
    for (auto& item : part("B", 1)) pair.push_back(item);
    return {{"type", "TemplateProcessing"}, {"single", part("A", 0)}, {"pair", pair}, {"special_tokens", specials}};
}

}  // namespace

namespace {

Result<std::string> buildTokenizerJson(const model::EmbeddedVocabulary& v, int spmModelType, bool addBos, bool addEos,
                                       const std::string& source)
{
    if (spmModelType != kSpmBpe)
        return makeError(ErrorCode::Unsupported,
                         source + " is a sentencepiece " + (spmModelType == 1 ? "unigram" : "non-BPE") +
                             " model; a tokenizer.json can only be derived here from a BPE one. Add the model's own "
                             "tokenizer.json to the model folder and compile again");
    std::unordered_map<std::string, int> ids;
    for (size_t i = 0; i < v.tokens.size(); ++i) ids.emplace(v.tokens[i], int(i));
    // LlamaConverter gives <unk>, <s>, </s> the score 0; the other pieces keep theirs.
    auto score = [&](size_t id) {
        const int type = v.types.at(id);
        return type == kUnknown || type == kControl ? 0.0f : v.scores.at(id);
    };
    struct Merge {
        int left, right;
        float score;
    };
    std::vector<Merge> merges;
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        const std::string& piece = v.tokens[id];
        std::vector<Merge> local;
        for (size_t at : splitPoints(piece)) {
            const auto l = ids.find(piece.substr(0, at)), r = ids.find(piece.substr(at));
            if (l != ids.end() && r != ids.end()) local.push_back({l->second, r->second, score(id)});
        }
        std::sort(local.begin(), local.end(),
                  [](const Merge& a, const Merge& b) { return std::tie(a.left, a.right) < std::tie(b.left, b.right); });
        merges.insert(merges.end(), local.begin(), local.end());
    }
    std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) { return a.score > b.score; });

    Json vocab = Json::object(), mergeList = Json::array(), added = Json::array();
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        vocab[v.tokens[id]] = id;
        const int type = v.types.at(id);
        if (type == kUnknown || type == kControl || type == kUserDefined)
            added.push_back({{"id", id},
                             {"content", v.tokens[id]},
                             {"single_word", false},
                             {"lstrip", false},
                             {"rstrip", false},
                             {"normalized", false},
                             {"special", type != kUserDefined}});
    }
    for (const Merge& m : merges) mergeList.push_back({v.tokens[size_t(m.left)], v.tokens[size_t(m.right)]});

    Json normalizers = Json::array();
    if (v.addSpacePrefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", "\u2581"}});
    normalizers.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}});
    Json decoders = Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                                 {{"type", "ByteFallback"}},
                                 {{"type", "Fuse"}}});
    if (v.addSpacePrefix) decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});

    Json j;
    j["version"] = "1.0";
    j["truncation"] = nullptr;
    j["padding"] = nullptr;
    j["added_tokens"] = added;
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", normalizers}};
    j["pre_tokenizer"] = nullptr;
    j["post_processor"] = postProcessor(v, addBos, addEos);
    j["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
    j["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", v.unkId >= 0 ? Json(v.tokens.at(size_t(v.unkId))) : Json(nullptr)},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", true},
                  {"byte_fallback", true},
                  {"ignore_merges", false},
                  {"vocab", vocab},
                  {"merges", mergeList}};
    return j.dump(1) + "\n";
}

}  // namespace

Result<std::string> sentencepieceTokenizerJson(const model::EmbeddedVocabulary& v, int spmModelType, bool addBos,
                                               bool addEos, const std::string& source)
{
    // A piece that is not UTF-8 (JSON strings must be) or a special id outside the vocabulary comes from a damaged
    // tokenizer.model: an error naming it, never an exception out of the export.
    try {
        return buildTokenizerJson(v, spmModelType, addBos, addEos, source);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, source + " cannot be written as tokenizer.json: " + e.what());
    }
}

}  // namespace lathe::deploy
