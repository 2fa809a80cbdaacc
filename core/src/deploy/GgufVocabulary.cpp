#include "deploy/GgufVocabulary.h"

#include "common/FileIo.h"
#include "lathe/tokenize/Tokenizer.h"
#include "model/SpmModelReader.h"

#include <nlohmann/json.hpp>

#include <array>

namespace lathe::deploy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Token types as llama.cpp (and sentencepiece) number them.
constexpr int32_t kNormal = 1;
constexpr int32_t kControl = 3;
constexpr int32_t kUserDefined = 4;
constexpr int32_t kUnused = 5;

// llama.cpp's pre-tokenizer names for the split patterns of the byte-level BPE tokenizers it knows
// (llama-vocab.cpp). A model of these families uses one of them whatever its size.
struct KnownPattern {
    const char* name;
    const char* pattern;
};
constexpr std::array<KnownPattern, 2> kPreTokenizers{{
    {"llama-bpe",  // Llama 3.x
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
    {"qwen2",  // Qwen2, Qwen2.5, Qwen3
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
}};

Error corrupt(const fs::path& file, const std::string& what)
{
    return makeError(ErrorCode::Corrupt, file.string() + ": " + what);
}

Result<json> readJson(const fs::path& file)
{
    auto text = readWholeFile(file.string());
    if (!text) return text.error();
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return corrupt(file, "is not a JSON object");
    return j;
}

// Every pre-tokenizer object of a tokenizer.json "pre_tokenizer" (a Sequence's members, or the one).
void collectPreTokenizers(const json& node, std::vector<json>& out)
{
    if (!node.is_object()) return;
    if (node.value("type", "") == "Sequence" && node.contains("pretokenizers")) {
        for (const json& member : node["pretokenizers"]) collectPreTokenizers(member, out);
        return;
    }
    out.push_back(node);
}

// llama.cpp's name for the pre-tokenization of a byte-level tokenizer.json.
Result<std::string> preTokenizerName(const json& tokenizer, const fs::path& file)
{
    std::vector<json> steps;
    collectPreTokenizers(tokenizer.value("pre_tokenizer", json()), steps);
    std::string pattern;
    for (const json& step : steps) {
        if (step.value("type", "") == "Split" && step.contains("pattern") && step["pattern"].contains("Regex"))
            pattern = step["pattern"]["Regex"].get<std::string>();
        if (step.value("type", "") == "ByteLevel" && step.value("use_regex", true) && pattern.empty())
            return std::string("gpt-2");
    }
    for (const KnownPattern& known : kPreTokenizers)
        if (pattern == known.pattern) return std::string(known.name);
    return makeError(ErrorCode::Unsupported,
                     file.string() + ": llama.cpp has no pre-tokenizer name for the split pattern \"" + pattern +
                         "\"; GGUF export knows the Llama-3 (llama-bpe), Qwen2 (qwen2) and GPT-2 patterns");
}

bool isByteLevel(const json& tokenizer)
{
    std::vector<json> steps;
    collectPreTokenizers(tokenizer.value("pre_tokenizer", json()), steps);
    for (const json& step : steps)
        if (step.value("type", "") == "ByteLevel") return true;
    return false;
}

void padTo(model::EmbeddedVocabulary& v, int vocabSize)
{
    while (int(v.tokens.size()) < vocabSize) {
        v.tokens.push_back("[PAD" + std::to_string(v.tokens.size()) + "]");
        v.scores.push_back(-1000.0f);
        v.types.push_back(kUnused);
    }
}

Result<model::EmbeddedVocabulary> byteLevelVocabulary(const json& tokenizer, const fs::path& file, int vocabSize)
{
    const json& m = tokenizer.value("model", json());
    if (m.value("type", "") != "BPE" || !m.contains("vocab") || !m["vocab"].is_object())
        return makeError(
            ErrorCode::Unsupported,
            file.string() + ": GGUF export takes BPE tokenizers; this model is \"" + m.value("type", "") + "\"");
    model::EmbeddedVocabulary v;
    v.model = "gpt2";
    auto pre = preTokenizerName(tokenizer, file);
    if (!pre) return pre.error();
    v.pre = *pre;
    std::vector<std::string> byId(static_cast<size_t>(vocabSize));
    std::vector<int32_t> types(static_cast<size_t>(vocabSize), kUnused);
    auto place = [&](int64_t id, const std::string& text, int32_t type) -> Result<void> {
        if (id < 0 || id >= vocabSize)
            return corrupt(file, "token \"" + text + "\" has id " + std::to_string(id) + " but the model has " +
                                     std::to_string(vocabSize) + " embedding rows");
        byId[size_t(id)] = text;
        types[size_t(id)] = type;
        return {};
    };
    for (const auto& [text, id] : m["vocab"].items()) {
        if (!id.is_number_integer()) return corrupt(file, "model.vocab[\"" + text + "\"] is not an id");
        LATHE_TRY(place(id.get<int64_t>(), text, kNormal));
    }
    for (const json& added : tokenizer.value("added_tokens", json::array())) {
        if (!added.contains("id") || !added.contains("content"))
            return corrupt(file, "an added token lacks id/content");
        LATHE_TRY(place(added["id"].get<int64_t>(), added["content"].get<std::string>(),
                        added.value("special", false) ? kControl : kUserDefined));
    }
    for (int i = 0; i < vocabSize; ++i) {
        v.tokens.push_back(types[size_t(i)] == kUnused ? "[PAD" + std::to_string(i) + "]" : byId[size_t(i)]);
        v.types.push_back(types[size_t(i)]);
    }
    for (const json& merge : m.value("merges", json::array())) {
        if (merge.is_string())
            v.merges.push_back(merge.get<std::string>());
        else if (merge.is_array() && merge.size() == 2)
            v.merges.push_back(merge[0].get<std::string>() + " " + merge[1].get<std::string>());
        else
            return corrupt(file, "model.merges holds an entry that is neither \"a b\" nor [a, b]");
    }
    v.unkId = v.bosId = v.eosId = -1;  // set from the tokenizer's own specials
    return v;
}

// tokenizer_config.json's chat_template: one string, or a list of {name, template}.
Result<void> readChatTemplates(const fs::path& dir, std::map<std::string, std::string>& out)
{
    const fs::path config = dir / "tokenizer_config.json";
    std::error_code ec;
    if (fs::exists(config, ec)) {
        auto j = readJson(config);
        if (!j) return j.error();
        const json& t = j->value("chat_template", json());
        if (t.is_string()) out[""] = t.get<std::string>();
        if (t.is_array())
            for (const json& named : t) {
                const std::string name = named.value("name", "");
                out[name == "default" ? "" : name] = named.value("template", "");
            }
    }
    const fs::path jinja = dir / "chat_template.jinja";
    if (fs::exists(jinja, ec)) {
        auto text = readWholeFile(jinja.string());
        if (!text) return text.error();
        out[""] = *text;
    }
    return {};
}

}  // namespace

Result<AddedSpecials> addedSpecials(const tokenize::Tokenizer& tok)
{
    auto with = tok.encode("a", true);
    auto without = tok.encode("a", false);
    if (!with) return with.error();
    if (!without) return without.error();
    const size_t extra = with->size() - std::min(with->size(), without->size());
    AddedSpecials out;
    out.bos = extra > 0 && tok.bosId() && with->front() == *tok.bosId() && without->front() != *tok.bosId();
    out.eos = extra > (out.bos ? 1u : 0u) && tok.eosId() && with->back() == *tok.eosId();
    return out;
}

namespace {

Result<GgufTokenizer> readTokenizer(const fs::path& dir, int vocabSize)
{
    auto lathe = tokenize::Tokenizer::load(dir.string());
    if (!lathe) return lathe.error();
    const tokenize::Tokenizer& tok = **lathe;
    GgufTokenizer out;
    std::error_code ec;
    const fs::path spm = dir / "tokenizer.model", hf = dir / "tokenizer.json";
    if (tok.engineName() == "tokenizer.json" && fs::exists(hf, ec)) {
        auto j = readJson(hf);
        if (!j) return j.error();
        if (isByteLevel(*j)) {
            auto v = byteLevelVocabulary(*j, hf, vocabSize);
            if (!v) return v.error();
            out.vocabulary = std::move(v).value();
        } else if (!fs::exists(spm, ec)) {
            return makeError(ErrorCode::Unsupported,
                             hf.string() +
                                 " is a sentencepiece-style BPE tokenizer without its tokenizer.model; "
                                 "GGUF stores such vocabularies from tokenizer.model, so add it to the model");
        }
    }
    if (out.vocabulary.model.empty()) {
        auto bytes = readWholeFile(spm.string());
        if (!bytes) return bytes.error();
        auto v = model::readSentencepieceModel(*bytes, spm.string());
        if (!v) return v.error();
        out.vocabulary = std::move(v).value();
        if (int(out.vocabulary.tokens.size()) > vocabSize)
            return corrupt(spm, "has " + std::to_string(out.vocabulary.tokens.size()) +
                                    " pieces but the model has only " + std::to_string(vocabSize) + " embedding rows");
        padTo(out.vocabulary, vocabSize);
    }
    // The specials Lathe adds, so that llama.cpp's tokenize(text, add_special) gives Lathe's ids.
    auto specials = addedSpecials(tok);
    if (!specials) return specials.error();
    out.addBos = specials->bos;
    out.addEos = specials->eos;
    if (tok.bosId()) out.vocabulary.bosId = *tok.bosId();
    if (tok.eosId()) out.vocabulary.eosId = *tok.eosId();
    LATHE_TRY(readChatTemplates(dir, out.chatTemplates));
    return out;
}

}  // namespace

Result<GgufTokenizer> readGgufTokenizer(const fs::path& dir, int vocabSize)
{
    try {
        return readTokenizer(dir, vocabSize);
    } catch (const nlohmann::json::exception& e) {
        // A field of the wrong JSON type (an id that is a string, a merge that is a number).
        return makeError(ErrorCode::Corrupt,
                         dir.string() + ": a tokenizer file has a field of the wrong type (" + e.what() + ")");
    }
}

void writeTokenizerMetadata(model::GgufWriter& w, const GgufTokenizer& t)
{
    const model::EmbeddedVocabulary& v = t.vocabulary;
    w.setString("tokenizer.ggml.model", v.model);
    if (!v.pre.empty()) w.setString("tokenizer.ggml.pre", v.pre);
    w.setStrings("tokenizer.ggml.tokens", v.tokens);
    if (!v.scores.empty()) w.setFloats("tokenizer.ggml.scores", v.scores);
    w.setInt32s("tokenizer.ggml.token_type", v.types);
    if (!v.merges.empty()) w.setStrings("tokenizer.ggml.merges", v.merges);
    auto id = [&](const char* key, int value) {
        if (value >= 0 && value < int(v.tokens.size())) w.setUInt32(key, uint32_t(value));
    };
    id("tokenizer.ggml.bos_token_id", v.bosId);
    id("tokenizer.ggml.eos_token_id", v.eosId);
    id("tokenizer.ggml.unknown_token_id", v.unkId);
    id("tokenizer.ggml.padding_token_id", v.padId);
    w.setBool("tokenizer.ggml.add_bos_token", t.addBos);
    w.setBool("tokenizer.ggml.add_eos_token", t.addEos);
    if (v.model == "llama") w.setBool("tokenizer.ggml.add_space_prefix", v.addSpacePrefix);
    for (const auto& [name, text] : t.chatTemplates)
        w.setString(name.empty() ? "tokenizer.chat_template" : "tokenizer.chat_template." + name, text);
}

}  // namespace lathe::deploy
