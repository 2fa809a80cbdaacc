#include "lathe/model/ModelConfig.h"

#include "common/JsonFields.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lathe::model {

const std::map<std::string, int>& configLimits()
{
    static const std::map<std::string, int> limits{{"hidden_size", 1 << 17},
                                                   {"intermediate_size", 1 << 20},
                                                   {"num_hidden_layers", 1024},
                                                   {"num_attention_heads", 4096},
                                                   {"num_key_value_heads", 4096},
                                                   {"vocab_size", 1 << 22},
                                                   {"max_position_embeddings", 1 << 24},
                                                   {"head_dim", 4096}};
    return limits;
}
namespace {

using Json = nlohmann::json;

// How one family spells its config.json: field names and the defaults of its transformers config class.
struct ArchitectureDefaults {
    const char* architecture;
    const char* modelType;
    int maxPositionEmbeddings;
    bool attentionBias;  // q/k/v biases always present
    bool qkNorm;         // per-head RMSNorm of q and k before RoPE
    bool tiedByDefault;
    bool postNorm = false;
    const char* layersField = "num_hidden_layers";
    const char* epsField = "rms_norm_eps";
    const char* activationField = "hidden_act";
    double epsDefault = 1e-6;
};

const ArchitectureDefaults kArchitectures[] = {
    {"LlamaForCausalLM", "llama", 2048, false, false, false},
    {"MistralForCausalLM", "mistral", 4096 * 32, false, false, false},
    {"Qwen2ForCausalLM", "qwen2", 32768, true, false, false},
    {"Qwen3ForCausalLM", "qwen3", 32768, false, true, false},
    // EXAONE 3.0 / 3.5 (remote code): GPT-2-style field and tensor names around a Llama decoder.
    {"ExaoneForCausalLM", "exaone", 2048, false, false, true, false, "num_layers", "layer_norm_epsilon",
     "activation_function"},
    // EXAONE 4.0: Llama names again, with post-norms, q/k norms and hybrid attention.
    {"Exaone4ForCausalLM", "exaone4", 2048, false, true, false, true, "num_hidden_layers", "rms_norm_eps", "hidden_act",
     1e-5},
};

std::string supportedList()
{
    std::string list;
    for (const auto& a : kArchitectures) list += (list.empty() ? "" : ", ") + std::string(a.architecture);
    return list;
}

// config.json fields: a present field of the wrong type is an error naming the field; absent falls back.
JsonFields configFields(const Json& json, const std::string& file)
{
    return JsonFields(json, [file](const std::string& key, const std::string& what) {
        return file + ": field \"" + key + "\" " + what;
    });
}

Result<std::optional<RopeScaling>> readRopeScaling(const Json& json, const std::string& file)
{
    if (!json.contains("rope_scaling") || json.at("rope_scaling").is_null()) return std::optional<RopeScaling>{};
    const Json& rs = json.at("rope_scaling");
    if (!rs.is_object())
        return makeError(ErrorCode::Corrupt, file + ": field \"rope_scaling\" must be an object or null");
    const JsonFields f = configFields(rs, file);
    std::string type;
    LATHE_READ_FIELD(type, f.string("rope_type", ""));
    if (type.empty()) LATHE_READ_FIELD(type, f.string("type", ""));
    if (type == "default") return std::optional<RopeScaling>{};
    if (type != "llama3")
        return makeError(ErrorCode::Unsupported, file + ": rope_scaling type \"" + type +
                                                     "\" is not supported (Lathe runs \"llama3\" scaling or none)");
    RopeScaling s;
    s.type = type;
    LATHE_READ_FIELD(s.factor, f.number("factor", 0.0));
    LATHE_READ_FIELD(s.lowFreqFactor, f.number("low_freq_factor", 0.0));
    LATHE_READ_FIELD(s.highFreqFactor, f.number("high_freq_factor", 0.0));
    LATHE_READ_FIELD(s.originalMaxPositionEmbeddings, f.int32("original_max_position_embeddings", std::nullopt));
    if (!(s.factor > 0) || !(s.lowFreqFactor > 0) || !(s.highFreqFactor > s.lowFreqFactor) ||
        s.originalMaxPositionEmbeddings <= 0)
        return makeError(ErrorCode::Corrupt,
                         file + ": rope_scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor and "
                                "original_max_position_embeddings > 0, got " + rs.dump());
    return std::optional<RopeScaling>{s};
}

// EXAONE 4's hybrid attention, as Exaone4Config derives it: "layer_types" when given; else, with a sliding window
// (4096 when the field is absent, none when null), "sliding_window_pattern": every n-th layer global for a number
// (default 4), or a string of L (local) / G (global) repeated from layer 0 with the last layer always global.
Result<void> readLayerTypes(const Json& json, const JsonFields& f, ModelConfig& c)
{
    const bool windowNull = json.contains("sliding_window") && json.at("sliding_window").is_null();
    int window = 0;
    if (!windowNull) {
        LATHE_READ_FIELD(window, f.int32("sliding_window", 4096));
        if (window <= 0) return f.bad("sliding_window", "must be positive or null, got " + std::to_string(window));
    }
    std::vector<bool> sliding(size_t(c.numLayers), false);
    if (json.contains("layer_types") && !json.at("layer_types").is_null()) {
        const Json& types = json.at("layer_types");
        if (!types.is_array() || types.size() < size_t(c.numLayers))
            return f.bad("layer_types", "must list \"sliding_attention\" or \"full_attention\" for each of the " +
                                            std::to_string(c.numLayers) + " layers");
        for (int i = 0; i < c.numLayers; ++i) {
            const Json& t = types.at(size_t(i));
            if (!t.is_string() || (t != "sliding_attention" && t != "full_attention"))
                return f.bad("layer_types", "entry " + std::to_string(i) +
                                                " must be \"sliding_attention\" or "
                                                "\"full_attention\", got " +
                                                t.dump());
            sliding[size_t(i)] = t == "sliding_attention";
        }
    } else if (!windowNull) {
        const Json pattern = json.contains("sliding_window_pattern") ? json.at("sliding_window_pattern") : Json(4);
        if (pattern.is_number_integer() && pattern.get<int64_t>() > 0) {
            const int64_t every = pattern.get<int64_t>();
            for (int i = 0; i < c.numLayers; ++i) sliding[size_t(i)] = (i + 1) % every != 0;
        } else if (pattern.is_string() && !pattern.get<std::string>().empty() &&
                   pattern.get<std::string>().find_first_not_of("LG") == std::string::npos) {
            const std::string p = pattern.get<std::string>();
            for (int i = 0; i < c.numLayers; ++i) sliding[size_t(i)] = p[size_t(i) % p.size()] == 'L';
            sliding.back() = false;
        } else if (!pattern.is_null()) {
            return f.bad("sliding_window_pattern",
                         "must be a positive number or a string of L and G, got " + pattern.dump());
        }
    }
    if (windowNull && std::find(sliding.begin(), sliding.end(), true) != sliding.end())
        return f.bad("layer_types", "lists sliding_attention layers but sliding_window is null");
    // A window is kept even when no layer slides: modeling_exaone4 then applies RoPE in no layer at all.
    c.slidingWindow = window;
    c.slidingLayers = std::move(sliding);
    return {};
}

Result<ModelConfig> parseConfig(const Json& json, const std::string& file)
{
    if (!json.is_object()) return makeError(ErrorCode::Corrupt, file + ": expected a JSON object");
    const JsonFields f = configFields(json, file);
    ModelConfig c;

    std::string architecture;
    if (json.contains("architectures") && !json.at("architectures").is_null()) {
        const Json& a = json.at("architectures");
        if (!a.is_array() || a.empty() || !a.at(0).is_string())
            return f.bad("architectures", "must be a non-empty list of names");
        architecture = a.at(0).get<std::string>();
    }
    std::string modelType;
    LATHE_READ_FIELD(modelType, f.string("model_type", ""));
    const ArchitectureDefaults* arch = nullptr;
    for (const auto& candidate : kArchitectures) {
        if (architecture.empty() ? modelType == candidate.modelType : architecture == candidate.architecture)
            arch = &candidate;
    }
    if (!arch) {
        const std::string name = architecture.empty() ? "model_type \"" + modelType + "\"" : architecture;
        return makeError(ErrorCode::Unsupported,
                         file + ": architecture " + name + " is not supported; Lathe supports " + supportedList());
    }
    c.architecture = arch->architecture;
    c.modelType = arch->modelType;

    std::string act;
    LATHE_READ_FIELD(act, f.string(arch->activationField, "silu"));
    if (act != "silu")
        return makeError(ErrorCode::Unsupported,
                         file + ": " + arch->activationField + " \"" + act + "\" is not supported (only silu)");
    c.qkNorm = arch->qkNorm;
    c.postNorm = arch->postNorm;

    LATHE_READ_FIELD(c.hiddenSize, f.int32("hidden_size", std::nullopt));
    // EXAONE's config class makes an absent intermediate_size four times the hidden size.
    std::optional<int> ffnDefault;
    if (c.modelType == "exaone" && c.hiddenSize > 0 && c.hiddenSize <= (1 << 20)) ffnDefault = 4 * c.hiddenSize;
    LATHE_READ_FIELD(c.intermediateSize, f.int32("intermediate_size", ffnDefault));
    LATHE_READ_FIELD(c.numLayers, f.int32(arch->layersField, std::nullopt));
    LATHE_READ_FIELD(c.numHeads, f.int32("num_attention_heads", std::nullopt));
    LATHE_READ_FIELD(c.numKvHeads, f.int32("num_key_value_heads", c.numHeads));
    LATHE_READ_FIELD(c.vocabSize, f.int32("vocab_size", std::nullopt));
    LATHE_READ_FIELD(c.maxPositionEmbeddings, f.int32("max_position_embeddings", arch->maxPositionEmbeddings));
    LATHE_READ_FIELD(c.rmsNormEps, f.number(arch->epsField, arch->epsDefault));
    LATHE_READ_FIELD(c.ropeTheta, f.number("rope_theta", 10000.0));
    LATHE_READ_FIELD(c.tieWordEmbeddings, f.boolean("tie_word_embeddings", arch->tiedByDefault));
    LATHE_READ_FIELD(c.torchDtype, f.string("torch_dtype", ""));
    LATHE_READ_FIELD(c.ropeScaling, readRopeScaling(json, file));

    if (arch->attentionBias) {
        c.attentionBias = true;
    } else if (c.modelType == "llama" || c.modelType == "qwen3") {
        bool bias = false;
        LATHE_READ_FIELD(bias, f.boolean("attention_bias", false));
        // Llama's attention_bias also adds an o_proj bias, which the decoder does not apply.
        if (bias)
            return makeError(ErrorCode::Unsupported,
                             file + ": " + c.architecture +
                                 " with \"attention_bias\": true (biases on q/k/v/o projections) is not supported");
    }

    // Upper limits far beyond any released model (Llama 3.1 405B: 126 layers, hidden 16384, ffn 53248, 128
    // heads; Gemma: a 256k vocabulary), so that a damaged or hostile config cannot make Lathe allocate without
    // bound before the tensors are looked at (docs/model-import.md, "Limits").
    const auto& limits = configLimits();
    for (const auto& [key, value] : {std::pair{"hidden_size", c.hiddenSize},
                                     {"intermediate_size", c.intermediateSize},
                                     {"num_hidden_layers", c.numLayers},
                                     {"num_attention_heads", c.numHeads},
                                     {"num_key_value_heads", c.numKvHeads},
                                     {"vocab_size", c.vocabSize},
                                     {"max_position_embeddings", c.maxPositionEmbeddings}}) {
        const std::string field = std::string(key) == "num_hidden_layers" ? arch->layersField : key;
        if (value <= 0) return f.bad(field, "must be positive, got " + std::to_string(value));
        if (value > limits.at(key))
            return f.bad(field, std::to_string(value) + " is beyond what Lathe accepts (at most " +
                                    std::to_string(limits.at(key)) + "); the file is damaged");
    }
    if (f.present("head_dim")) {
        LATHE_READ_FIELD(c.headDim, f.int32("head_dim", std::nullopt));
        if (c.headDim <= 0) return f.bad("head_dim", "must be positive, got " + std::to_string(c.headDim));
        if (c.headDim > limits.at("head_dim"))
            return f.bad("head_dim", std::to_string(c.headDim) + " is beyond what Lathe accepts (at most " +
                                         std::to_string(limits.at("head_dim")) + "); the file is damaged");
    } else {
        if (c.hiddenSize % c.numHeads != 0)
            return makeError(ErrorCode::Corrupt, file + ": hidden_size " + std::to_string(c.hiddenSize) +
                                                     " is not a multiple of num_attention_heads " +
                                                     std::to_string(c.numHeads) + " and no head_dim is given");
        c.headDim = c.hiddenSize / c.numHeads;
    }
    if (c.headDim % 2 != 0)
        return makeError(ErrorCode::Corrupt, file + ": head_dim " + std::to_string(c.headDim) +
                                                 " is odd; rotary embeddings need an even head size");
    if (c.numHeads % c.numKvHeads != 0)
        return makeError(ErrorCode::Corrupt, file + ": num_attention_heads " + std::to_string(c.numHeads) +
                                                 " is not a multiple of num_key_value_heads " +
                                                 std::to_string(c.numKvHeads));
    if (!(c.rmsNormEps > 0)) return f.bad(arch->epsField, "must be positive");
    if (!(c.ropeTheta > 0)) return f.bad("rope_theta", "must be positive");

    if (f.present("bos_token_id")) {
        int bos = 0;
        LATHE_READ_FIELD(bos, f.int32("bos_token_id", std::nullopt));
        c.bosTokenId = bos;
    }
    if (f.present("eos_token_id")) {
        const Json& e = json.at("eos_token_id");
        if (e.is_number_integer()) {
            c.eosTokenIds.push_back(e.get<int>());
        } else if (e.is_array()) {
            for (const Json& id : e) {
                if (!id.is_number_integer()) return f.bad("eos_token_id", "must be an integer or a list of them");
                c.eosTokenIds.push_back(id.get<int>());
            }
        } else {
            return f.bad("eos_token_id", "must be an integer or a list of them");
        }
    }
    if (c.modelType == "exaone4") LATHE_TRY(readLayerTypes(json, f, c));
    return c;
}

}  // namespace

bool isSlidingLayer(const ModelConfig& c, int layer)
{
    return c.slidingWindow > 0 && layer >= 0 && size_t(layer) < c.slidingLayers.size() &&
           c.slidingLayers[size_t(layer)];
}

bool layerUsesRope(const ModelConfig& c, int layer)
{
    return c.slidingWindow <= 0 || isSlidingLayer(c, layer);
}

Result<ModelConfig> loadModelConfig(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const std::string file = fs::is_directory(path, ec) ? (fs::path(path) / "config.json").string() : path;
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::NotFound,
                         "cannot open " + file + ": a model folder needs a Hugging Face config.json");
    std::stringstream text;
    text << in.rdbuf();
    Json json;
    try {
        json = Json::parse(text.str());
    } catch (const Json::exception& e) {
        return makeError(ErrorCode::Corrupt, file + " is not valid JSON: " + e.what());
    }
    try {
        return parseConfig(json, file);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, file + ": " + e.what());
    }
}

Result<ModelConfig> parseModelConfig(const std::string& jsonText, const std::string& source)
{
    Json json;
    try {
        json = Json::parse(jsonText);
    } catch (const Json::exception& e) {
        return makeError(ErrorCode::Corrupt, source + " is not valid JSON: " + e.what());
    }
    try {
        return parseConfig(json, source);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, source + ": " + e.what());
    }
}

std::string modelConfigToJson(const ModelConfig& c)
{
    const ArchitectureDefaults* arch = &kArchitectures[0];
    for (const auto& candidate : kArchitectures)
        if (c.architecture == candidate.architecture) arch = &candidate;
    nlohmann::ordered_json j;
    j["architectures"] = {c.architecture};
    j["model_type"] = c.modelType;
    j[arch->activationField] = "silu";
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.intermediateSize;
    j[arch->layersField] = c.numLayers;
    j["num_attention_heads"] = c.numHeads;
    j["num_key_value_heads"] = c.numKvHeads;
    j["head_dim"] = c.headDim;
    j["vocab_size"] = c.vocabSize;
    j["max_position_embeddings"] = c.maxPositionEmbeddings;
    j[arch->epsField] = c.rmsNormEps;
    j["rope_theta"] = c.ropeTheta;
    if (c.ropeScaling) {
        j["rope_scaling"] = {{"rope_type", c.ropeScaling->type},
                             {"factor", c.ropeScaling->factor},
                             {"low_freq_factor", c.ropeScaling->lowFreqFactor},
                             {"high_freq_factor", c.ropeScaling->highFreqFactor},
                             {"original_max_position_embeddings", c.ropeScaling->originalMaxPositionEmbeddings}};
    } else {
        j["rope_scaling"] = nullptr;
    }
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
    if (c.modelType == "llama" || c.modelType == "qwen3") j["attention_bias"] = false;
    if (c.modelType == "exaone4") {
        if (c.slidingWindow > 0) {
            j["sliding_window"] = c.slidingWindow;
            nlohmann::ordered_json types = nlohmann::ordered_json::array();
            for (bool s : c.slidingLayers) types.push_back(s ? "sliding_attention" : "full_attention");
            j["layer_types"] = types;
        } else {
            j["sliding_window"] = nullptr;
        }
    }
    if (c.bosTokenId) j["bos_token_id"] = *c.bosTokenId;
    if (c.eosTokenIds.size() == 1)
        j["eos_token_id"] = c.eosTokenIds.front();
    else if (!c.eosTokenIds.empty())
        j["eos_token_id"] = c.eosTokenIds;
    if (!c.torchDtype.empty()) j["torch_dtype"] = c.torchDtype;
    return j.dump(2) + "\n";
}

std::vector<std::string> supportedArchitectures()
{
    std::vector<std::string> names;
    for (const auto& a : kArchitectures) names.emplace_back(a.architecture);
    return names;
}

}  // namespace lathe::model
