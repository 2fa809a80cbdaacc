#include "compiled/CompiledModelFormat.h"

#include "common/JsonFields.h"
#include "model/TensorLayout.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <limits>

namespace lathe::compiled {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

std::string layerPrefix(int layer)
{
    return "model.layers." + std::to_string(layer) + ".";
}

// Reads typed fields of one metadata JSON object; errors name the metadata key and the field path.
class Fields : public JsonFields {
public:
    Fields(const Json& json, const std::string& where, const std::string& path)
        : JsonFields(json, [where, path](const std::string& field, const std::string& what) {
              return path + ": metadata field " + where + "." + field + " " + what +
                     "; the compiled model is damaged, compile it again";
          })
    {
    }
};

Result<Json> parseJsonField(const std::map<std::string, std::string>& metadata, const std::string& key,
                            const std::string& path)
{
    auto it = metadata.find(key);
    if (it == metadata.end())
        return makeError(ErrorCode::Corrupt, path + ": metadata field \"" + key +
                                                 "\" is missing; the compiled model is damaged, compile it again");
    try {
        return Json::parse(it->second);
    } catch (const Json::exception& e) {
        return makeError(ErrorCode::Corrupt, path + ": metadata field \"" + key + "\" is not valid JSON (" + e.what() +
                                                 "); the compiled model is damaged, compile it again");
    }
}

Result<LinearSpec> parseLinearSpec(const Json& json, const std::string& module, const std::string& path)
{
    const Fields f(json, "quantization.linears[\"" + module + "\"]", path);
    LinearSpec spec;
    LATHE_READ_FIELD(spec.weightBits, f.integer("weight_bits", 2, 8));
    LATHE_READ_FIELD(spec.groupSize, f.integer("group_size", 0, std::numeric_limits<int32_t>::max()));
    LATHE_READ_FIELD(spec.activationBits, f.integer("activation_bits", 2, 16));
    LATHE_READ_FIELD(spec.hasBias, f.boolean("bias"));
    return spec;
}

Result<void> parseQuantization(const Json& q, const std::string& path, CompiledModelInfo& info)
{
    const Fields f(q, "quantization", path);
    if (!q.is_object()) return f.bad("(root)", "must be a JSON object");
    LATHE_READ_FIELD(info.bitMode, f.enumeration("bit_mode", quant::parseBitMode, quant::bitModeNames()));
    LATHE_READ_FIELD(info.weightMethod,
                     f.enumeration("weight_method", quant::parseWeightMethod, quant::weightMethodNames()));
    LATHE_READ_FIELD(info.embeddingRotated, f.boolean("embedding_rotated"));

    const Json* activation = nullptr;
    LATHE_READ_FIELD(activation, f.member("activation"));
    const Fields a(*activation, "quantization.activation", path);
    LATHE_READ_FIELD(info.activationMethod,
                     a.enumeration("method", quant::parseActivationMethod, quant::activationMethodNames()));
    LATHE_READ_FIELD(info.percentile, a.number("percentile"));

    const Json* rotation = nullptr;
    LATHE_READ_FIELD(rotation, f.member("rotation"));
    const Fields r(*rotation, "quantization.rotation", path);
    LATHE_READ_FIELD(info.rotation.fusedNorms, r.boolean("fused_norms"));
    LATHE_READ_FIELD(info.rotation.r1, r.boolean("r1"));
    LATHE_READ_FIELD(info.rotation.r2, r.boolean("r2"));
    LATHE_READ_FIELD(info.rotation.kind, r.string("kind"));
    LATHE_READ_FIELD(info.rotation.seed, r.unsignedInteger("seed"));

    const Json* linears = nullptr;
    LATHE_READ_FIELD(linears, f.member("linears"));
    if (!linears->is_object()) return f.bad("linears", "must be an object of module name → spec");
    for (const auto& [module, spec] : linears->items()) {
        auto parsed = parseLinearSpec(spec, module, path);
        if (!parsed) return parsed.error();
        info.linears[module] = *parsed;
    }
    return {};
}

}  // namespace

std::string weightCodesName(const std::string& module) { return module + ".weight_q"; }
std::string weightScaleName(const std::string& module) { return module + ".weight_scale"; }
std::string inputScaleName(const std::string& module) { return module + ".input_scale"; }
std::string biasName(const std::string& module) { return module + ".bias"; }
std::string tokenizerTensorName(const std::string& fileName) { return "tokenizer/" + fileName; }

std::vector<std::string> layerModules(int layer)
{
    std::vector<std::string> names;
    for (model::Projection p : quant::layerProjections()) names.push_back(quant::moduleName(layer, p));
    return names;
}

std::vector<std::string> allModules(const model::ModelConfig& config)
{
    return quant::allModuleNames(config);
}

std::vector<int64_t> linearShape(const model::ModelConfig& c, const std::string& module)
{
    const auto ref = quant::parseModuleName(module);
    if (!ref || ref->layer >= c.numLayers) return {};
    const quant::LinearShape shape = quant::linearShape(c, ref->projection);
    return {shape.out, shape.in};
}

std::vector<std::pair<std::string, int64_t>> normTensors(const model::ModelConfig& config)
{
    std::vector<std::pair<std::string, int64_t>> norms;
    const auto layerNorms = model::layerNormTensors(config);
    for (int i = 0; i < config.numLayers; ++i)
        for (const auto& norm : layerNorms) norms.emplace_back(layerPrefix(i) + norm.name, norm.shape.at(0));
    norms.emplace_back("model.norm.weight", config.hiddenSize);
    return norms;
}

const std::vector<std::string>& tokenizerFileNames()
{
    // chat_template.jinja too: newer Instruct models keep their chat template there instead of tokenizer_config.json;
    // and generation_config.json, whose eos_token_id lists the end-of-turn ids a chat reply stops at.
    static const std::vector<std::string> names{"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                                                "chat_template.jinja", "generation_config.json"};
    return names;
}

std::string weightCodesDtype(int weightBits) { return weightBits <= 4 ? "U8" : "I8"; }

std::vector<int64_t> weightCodesShape(int64_t out, int64_t in, int weightBits)
{
    return {out, weightBits <= 4 ? in / 2 : in};
}

bool hasRaggedGroups(int64_t in, int64_t groupSize)
{
    return groupSize > 0 && in % groupSize != 0;
}

int requiredFormatVersion(const CompiledModelInfo& info)
{
    for (const auto& [module, spec] : info.linears) {
        const auto shape = linearShape(info.config, module);
        if (shape.size() == 2 && hasRaggedGroups(shape[1], spec.groupSize)) return kRaggedGroupsVersion;
    }
    return 1;
}

std::map<std::string, std::string> toMetadata(const CompiledModelInfo& info)
{
    OrderedJson linears = OrderedJson::object();
    for (const auto& [module, spec] : info.linears)
        linears[module] = {{"weight_bits", spec.weightBits},
                           {"group_size", spec.groupSize},
                           {"activation_bits", spec.activationBits},
                           {"bias", spec.hasBias}};
    OrderedJson q;
    q["bit_mode"] = quant::toString(info.bitMode);
    q["weight_method"] = quant::toString(info.weightMethod);
    q["activation"] = {{"method", quant::toString(info.activationMethod)}, {"percentile", info.percentile}};
    q["rotation"] = {{"fused_norms", info.rotation.fusedNorms},
                     {"r1", info.rotation.r1},
                     {"r2", info.rotation.r2},
                     {"kind", info.rotation.kind},
                     {"seed", info.rotation.seed}};
    q["embedding_rotated"] = info.embeddingRotated;
    q["linears"] = std::move(linears);

    OrderedJson tokenizer = OrderedJson::object();
    for (const auto& [file, sha] : info.tokenizerFiles) tokenizer[file] = sha;

    return {{"format", kFormatName},
            {"format_version", std::to_string(requiredFormatVersion(info))},
            {"config", modelConfigToJson(info.config)},
            {"quantization", q.dump()},
            {"tokenizer", tokenizer.dump()},
            {"provenance", info.provenanceJson.empty() ? "{}" : info.provenanceJson}};
}

Result<CompiledModelInfo> fromMetadata(const std::map<std::string, std::string>& metadata, const std::string& path)
{
    auto format = metadata.find("format");
    if (format == metadata.end() || format->second != kFormatName)
        return makeError(ErrorCode::Unsupported,
                         path + " is not a Lathe compiled model (its safetensors metadata has " +
                             (format == metadata.end() ? std::string("no \"format\" field")
                                                       : "format \"" + format->second + "\"") +
                             ", expected \"" + kFormatName + "\"); pass the file `lathe compile` wrote");
    auto version = metadata.find("format_version");
    int parsedVersion = 0;
    bool versionOk = version != metadata.end() && !version->second.empty() && version->second.size() <= 9 &&
                     std::all_of(version->second.begin(), version->second.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (versionOk) parsedVersion = std::stoi(version->second);
    if (!versionOk || parsedVersion < 1)
        return makeError(ErrorCode::Corrupt, path + ": metadata field \"format_version\" is " +
                                                 (version == metadata.end() ? std::string("missing")
                                                                            : "\"" + version->second + "\"") +
                                                 ", not a positive integer; the compiled model is damaged");
    if (parsedVersion > kFormatVersion)
        return makeError(ErrorCode::Unsupported,
                         path + " was written by a newer Lathe (format " + std::to_string(parsedVersion) +
                             ", this build reads " + std::to_string(kFormatVersion) + "); update Lathe to run it");

    CompiledModelInfo info;
    info.formatVersion = parsedVersion;
    auto configText = metadata.find("config");
    if (configText == metadata.end())
        return makeError(ErrorCode::Corrupt, path + ": metadata field \"config\" is missing; the compiled model is damaged");
    auto config = model::parseModelConfig(configText->second, path + " (metadata field \"config\")");
    if (!config) return config.error();
    info.config = std::move(config).value();

    auto quantization = parseJsonField(metadata, "quantization", path);
    if (!quantization) return quantization.error();
    LATHE_TRY(parseQuantization(*quantization, path, info));

    auto tokenizer = parseJsonField(metadata, "tokenizer", path);
    if (!tokenizer) return tokenizer.error();
    if (!tokenizer->is_object())
        return makeError(ErrorCode::Corrupt, path + ": metadata field \"tokenizer\" must be an object of file → sha256");
    for (const auto& [file, sha] : tokenizer->items()) {
        if (!sha.is_string())
            return makeError(ErrorCode::Corrupt, path + ": metadata field tokenizer[\"" + file + "\"] is not a sha256 string");
        info.tokenizerFiles[file] = sha.get<std::string>();
    }

    auto provenance = parseJsonField(metadata, "provenance", path);
    if (!provenance) return provenance.error();
    info.provenanceJson = metadata.at("provenance");
    return info;
}

}  // namespace lathe::compiled
