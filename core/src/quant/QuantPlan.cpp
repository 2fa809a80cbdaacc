#include "lathe/quant/QuantPlan.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

namespace lathe::quant {

using model::Projection;
namespace {

// One table per enum: the value and its spelling, in the order the *Names() functions list them.
template <typename E>
using Spellings = std::array<std::pair<E, const char*>, 3>;

constexpr Spellings<BitMode> kBitModes{{{BitMode::W8, "w8"}, {BitMode::W4, "w4"}, {BitMode::W4V8, "w4v8"}}};
constexpr std::array<std::pair<WeightMethod, const char*>, 2> kWeightMethods{
    {{WeightMethod::Gptq, "gptq"}, {WeightMethod::Rtn, "rtn"}}};
constexpr Spellings<ActivationMethod> kActivationMethods{
    {{ActivationMethod::Max, "max"}, {ActivationMethod::Percentile, "percentile"}, {ActivationMethod::Mse, "mse"}}};
constexpr Spellings<RotationMode> kRotationModes{
    {{RotationMode::Auto, "auto"}, {RotationMode::On, "on"}, {RotationMode::Off, "off"}}};
constexpr std::array<std::pair<ScaleType, const char*>, 2> kScaleTypes{
    {{ScaleType::F32, "f32"}, {ScaleType::F16, "f16"}}};
constexpr std::array<std::pair<CompileTarget, const char*>, 2> kCompileTargets{
    {{CompileTarget::Lathe, "lathe"}, {CompileTarget::Gguf, "gguf"}}};

template <typename Table, typename E>
const char* spell(const Table& table, E value)
{
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "?";
}

template <typename Table>
auto parse(const Table& table, std::string_view text) -> std::optional<typename Table::value_type::first_type>
{
    for (const auto& [v, name] : table)
        if (text == name) return v;
    return std::nullopt;
}

template <typename Table>
std::vector<std::string> names(const Table& table)
{
    std::vector<std::string> out;
    for (const auto& entry : table) out.emplace_back(entry.second);
    return out;
}

Error invalid(const std::string& message)
{
    return makeError(ErrorCode::InvalidArgument, message);
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

bool isGroup(const std::string& name)
{
    const auto& groups = projectionGroups();
    return std::find(groups.begin(), groups.end(), name) != groups.end();
}

bool isAttention(model::Projection p)
{
    return p == model::Projection::Query || p == model::Projection::Key || p == model::Projection::Value ||
           p == model::Projection::Output;
}

// "3.ffn" → (3, "ffn").
Result<std::pair<int, std::string>> parseLayerGroup(const std::string& key, int layers)
{
    const auto dot = key.find('.');
    const std::string usage = "layer override \"" + key + "\" must be <layer>.<group>, e.g. 0.ffn, with layer 0.." +
                              std::to_string(layers - 1) + " and group one of " + joined(projectionGroups());
    if (dot == std::string::npos || dot == 0) return invalid(usage);
    const std::string number = key.substr(0, dot), group = key.substr(dot + 1);
    if (!std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }) || number.size() > 6)
        return invalid(usage);
    const int layer = std::stoi(number);
    if (layer >= layers) return invalid(usage);
    if (!isGroup(group) || group == "head") return invalid(usage);
    return std::make_pair(layer, group);
}

// The bits of one linear of `in` inputs: preset, then the group override, then the layer override, then the
// target's rule.
int resolvedBits(const QuantChoices& choices, const std::map<std::pair<int, std::string>, int>& layerBits, int layer,
                 const std::string& group, int64_t in)
{
    int bits = presetBits(choices.bitMode, group);
    if (auto it = choices.groupBits.find(group); it != choices.groupBits.end()) bits = it->second;
    if (auto it = layerBits.find({layer, group}); it != layerBits.end()) bits = it->second;
    if (choices.target == CompileTarget::Gguf && in % kGgufBlockSize != 0) bits = kMaxWeightBits;
    return bits;
}

}  // namespace

const char* toString(BitMode mode)
{
    return spell(kBitModes, mode);
}
const char* toString(WeightMethod method)
{
    return spell(kWeightMethods, method);
}
const char* toString(ActivationMethod method)
{
    return spell(kActivationMethods, method);
}
const char* toString(RotationMode rotation)
{
    return spell(kRotationModes, rotation);
}

const char* toString(ScaleType type)
{
    return spell(kScaleTypes, type);
}
const char* toString(CompileTarget target)
{
    return spell(kCompileTargets, target);
}

std::optional<BitMode> parseBitMode(std::string_view text)
{
    return parse(kBitModes, text);
}
std::optional<WeightMethod> parseWeightMethod(std::string_view text)
{
    return parse(kWeightMethods, text);
}
std::optional<ActivationMethod> parseActivationMethod(std::string_view text)
{
    return parse(kActivationMethods, text);
}
std::optional<RotationMode> parseRotationMode(std::string_view text)
{
    return parse(kRotationModes, text);
}

std::optional<ScaleType> parseScaleType(std::string_view text)
{
    return parse(kScaleTypes, text);
}
std::optional<CompileTarget> parseCompileTarget(std::string_view text)
{
    return parse(kCompileTargets, text);
}
std::vector<std::string> scaleTypeNames()
{
    return names(kScaleTypes);
}
std::vector<std::string> compileTargetNames()
{
    return names(kCompileTargets);
}

std::vector<std::string> bitModeNames()
{
    return names(kBitModes);
}
std::vector<std::string> weightMethodNames()
{
    return names(kWeightMethods);
}
std::vector<std::string> activationMethodNames()
{
    return names(kActivationMethods);
}
std::vector<std::string> rotationModeNames()
{
    return names(kRotationModes);
}

bool rotates(BitMode mode, RotationMode rotation)
{
    return rotation == RotationMode::On || (rotation == RotationMode::Auto && mode != BitMode::W8);
}

const std::vector<std::string>& projectionGroups()
{
    static const std::vector<std::string> groups{"query", "key", "value", "output", "ffn", "head"};
    return groups;
}

const char* projectionGroup(model::Projection p)
{
    switch (p) {
        case model::Projection::Query:
            return "query";
        case model::Projection::Key:
            return "key";
        case model::Projection::Value:
            return "value";
        case model::Projection::Output:
            return "output";
        case model::Projection::Gate:
        case model::Projection::Up:
        case model::Projection::Down:
            return "ffn";
        case model::Projection::Head:
            return "head";
    }
    return "?";
}

const std::vector<model::Projection>& layerProjections()
{
    static const std::vector<model::Projection> order{
        model::Projection::Query, model::Projection::Key, model::Projection::Value, model::Projection::Output,
        model::Projection::Gate,  model::Projection::Up,  model::Projection::Down};
    return order;
}

std::string moduleName(int layer, model::Projection p)
{
    if (p == model::Projection::Head) return kHeadModule;
    return "model.layers." + std::to_string(layer) + (isAttention(p) ? ".self_attn." : ".mlp.") + projectionName(p);
}

std::optional<ModuleRef> parseModuleName(const std::string& module)
{
    if (module == kHeadModule) return ModuleRef{-1, model::Projection::Head};
    const std::string prefix = "model.layers.";
    if (module.rfind(prefix, 0) != 0) return std::nullopt;
    const std::size_t dot = module.find('.', prefix.size());
    if (dot == std::string::npos || dot == prefix.size() || dot - prefix.size() > 6) return std::nullopt;
    for (std::size_t i = prefix.size(); i < dot; ++i)
        if (module[i] < '0' || module[i] > '9') return std::nullopt;
    const int layer = std::stoi(module.substr(prefix.size(), dot - prefix.size()));
    for (model::Projection p : layerProjections())
        if (moduleName(layer, p) == module) return ModuleRef{layer, p};
    return std::nullopt;
}

std::string moduleGroup(const std::string& module)
{
    const auto ref = parseModuleName(module);
    return ref ? projectionGroup(ref->projection) : std::string();
}

std::vector<std::string> groupModuleNames(const model::ModelConfig& config, const std::string& group)
{
    if (group == "head") return {kHeadModule};
    std::vector<std::string> names;
    for (int layer = 0; layer < config.numLayers; ++layer)
        for (model::Projection p : layerProjections())
            if (group == projectionGroup(p)) names.push_back(moduleName(layer, p));
    return names;
}

std::vector<std::string> allModuleNames(const model::ModelConfig& config)
{
    std::vector<std::string> names;
    for (int layer = 0; layer < config.numLayers; ++layer)
        for (model::Projection p : layerProjections()) names.push_back(moduleName(layer, p));
    names.emplace_back(kHeadModule);
    return names;
}

LinearShape linearShape(const model::ModelConfig& config, model::Projection p)
{
    const int64_t hidden = config.hiddenSize, ffn = config.intermediateSize;
    const int64_t qDim = int64_t(config.numHeads) * config.headDim, kvDim = int64_t(config.numKvHeads) * config.headDim;
    switch (p) {
        case model::Projection::Query:
            return {hidden, qDim};
        case model::Projection::Key:
        case model::Projection::Value:
            return {hidden, kvDim};
        case model::Projection::Output:
            return {qDim, hidden};
        case model::Projection::Gate:
        case model::Projection::Up:
            return {hidden, ffn};
        case model::Projection::Down:
            return {ffn, hidden};
        case model::Projection::Head:
            return {hidden, config.vocabSize};
    }
    return {};
}

const std::vector<int>& allowedWeightBits()
{
    static const std::vector<int> bits = [] {
        std::vector<int> out;
        for (int b = kMinWeightBits; b <= kMaxWeightBits; ++b) out.push_back(b);
        return out;
    }();
    return bits;
}

int presetBits(BitMode mode, const std::string& group)
{
    switch (mode) {
        case BitMode::W8:
            return 8;
        case BitMode::W4:
            return 4;
        case BitMode::W4V8:
            return group == "value" ? 8 : 4;
    }
    return 8;
}

Result<void> checkWeightBits(int bits, const std::string& where)
{
    if (bits >= kMinWeightBits && bits <= kMaxWeightBits) return {};
    return invalid(where + " asks for " + std::to_string(bits) + "-bit weights; weight bits must be " +
                   std::to_string(kMinWeightBits) + ".." + std::to_string(kMaxWeightBits) +
                   " (weights are always integers; 16 bits is for activations, which keep_16bit_activations in a "
                   "project, --keep-16bit-act or the Studio's \"16-bit\" column keep per linear)");
}

Result<void> checkGroupSize(int64_t groupSize)
{
    if (groupSize < 0) return invalid("group size must be 0 (per output channel) or positive");
    return {};
}

Result<void> validateQuantChoices(const QuantChoices& choices)
{
    for (const auto& [group, bits] : choices.groupBits) {
        if (!isGroup(group))
            return invalid("unknown projection group \"" + group + "\"; groups are " + joined(projectionGroups()));
        LATHE_TRY(checkWeightBits(bits, "group override " + group + "=" + std::to_string(bits)));
    }
    LATHE_TRY(checkGroupSize(choices.groupSize));
    if (choices.target == CompileTarget::Gguf && choices.groupSize != kGgufBlockSize)
        return invalid("the gguf target needs groups of " + std::to_string(kGgufBlockSize) +
                       " input columns (GGUF's Q4_0 / Q8_0 block), not a group size of " +
                       std::to_string(choices.groupSize) + "; leave the group size unset or use 32");
    if (choices.target == CompileTarget::Gguf && choices.scaleType != ScaleType::F16)
        return invalid(
            "the gguf target needs float16 weight scales (GGUF stores them so); leave the scale type "
            "unset or use f16");
    return {};
}

QuantChoices applyTarget(QuantChoices choices)
{
    if (choices.target == CompileTarget::Gguf) {
        if (choices.groupSize == 0) choices.groupSize = kGgufBlockSize;
        choices.scaleType = ScaleType::F16;
    }
    return choices;
}

Result<std::vector<LinearPlan>> planLinears(const model::ModelConfig& config, const QuantChoices& choices)
{
    LATHE_TRY(validateQuantChoices(choices));
    std::map<std::pair<int, std::string>, int> layerBits;
    for (const auto& [key, bits] : choices.layerGroupBits) {
        auto parsed = parseLayerGroup(key, config.numLayers);
        if (!parsed) return parsed.error();
        LATHE_TRY(checkWeightBits(bits, "layer override " + key + "=" + std::to_string(bits)));
        layerBits[*parsed] = bits;
    }
    const std::set<std::string> keep16(choices.keep16BitActivations.begin(), choices.keep16BitActivations.end());
    std::set<std::string> known;
    std::vector<LinearPlan> plan;
    auto add = [&](int layer, model::Projection p) -> Result<void> {
        LinearPlan l;
        l.layer = layer;
        l.projection = p;
        l.module = moduleName(layer, p);
        l.group = projectionGroup(p);
        const LinearShape shape = linearShape(config, p);
        l.in = shape.in;
        l.out = shape.out;
        l.weightBits = resolvedBits(choices, layerBits, layer, l.group, l.in);
        // llama.cpp quantizes activations itself, per block of 32 at run time, which is far closer to float than
        // a static 8-bit scale: GPTQ must not spend its corrections on a static activation error GGUF never has.
        const bool keep = keep16.count(l.module) || choices.target == CompileTarget::Gguf;
        l.activationBits = keep ? kKeptActivationBits : kActivationBits;
        if (l.weightBits <= 4 && l.in % 2 != 0)
            return invalid(l.module + " has an odd number of inputs (" + std::to_string(l.in) + "), so its " +
                           std::to_string(l.weightBits) + "-bit codes cannot be packed two per byte; use 8 bits");
        known.insert(l.module);
        plan.push_back(std::move(l));
        return {};
    };
    for (int i = 0; i < config.numLayers; ++i)
        for (model::Projection p : layerProjections()) LATHE_TRY(add(i, p));
    LATHE_TRY(add(-1, model::Projection::Head));
    for (const auto& name : keep16)
        if (!known.count(name))
            return invalid("--keep-16bit-act names \"" + name +
                           "\", which is not a linear of this model; use a "
                           "module name such as model.layers.0.mlp.down_proj or lm_head");
    return plan;
}

int storedWeightBits(int bits)
{
    return bits <= 4 ? 4 : 8;
}

int64_t estimateCompiledBytes(const model::ModelConfig& config, const QuantChoices& choices)
{
    std::map<std::pair<int, std::string>, int> layerBits;
    for (const auto& [key, bits] : choices.layerGroupBits)
        if (auto parsed = parseLayerGroup(key, config.numLayers)) layerBits[*parsed] = bits;
    auto bytesOf = [&](int layer, model::Projection p) {
        const std::string group = projectionGroup(p);
        const LinearShape s = linearShape(config, p);
        int bits = resolvedBits(choices, layerBits, layer, group, s.in);
        if (bits < kMinWeightBits || bits > kMaxWeightBits) bits = presetBits(choices.bitMode, group);
        const int64_t rowBytes = (s.in * storedWeightBits(bits) + 7) / 8;
        const int64_t scalesPerRow = choices.groupSize > 0 ? (s.in + choices.groupSize - 1) / choices.groupSize : 1;
        return s.out * rowBytes + s.out * scalesPerRow * 4;  // the container keeps f16 scales as float32 too
    };
    int64_t total = 0;
    for (int layer = 0; layer < config.numLayers; ++layer)
        for (model::Projection p : layerProjections()) total += bytesOf(layer, p);
    return total + bytesOf(-1, model::Projection::Head);
}

int64_t bfloat16Bytes(const model::ModelConfig& config)
{
    int64_t total = 0;
    for (model::Projection p : layerProjections()) {
        const LinearShape s = linearShape(config, p);
        total += s.out * s.in * 2 * config.numLayers;
    }
    const LinearShape head = linearShape(config, model::Projection::Head);
    return total + head.out * head.in * 2;
}

}  // namespace lathe::quant
