#include "compile/CompilePlan.h"

#include "lathe/hub/ModelLocator.h"

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <set>

namespace lathe::compile {
namespace {

namespace fs = std::filesystem;

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

Result<int> presetBits(const std::string& bitMode, const std::string& group)
{
    if (bitMode == "w8") return 8;
    if (bitMode == "w4") return 4;
    if (bitMode == "w4v8") return group == "value" ? 8 : 4;
    return invalid("bit mode \"" + bitMode + "\" is not one of w8, w4, w4v8");
}

bool isGroup(const std::string& name)
{
    const auto& groups = projectionGroups();
    return std::find(groups.begin(), groups.end(), name) != groups.end();
}

Result<void> checkBits(int bits, const std::string& where)
{
    if (bits < 2 || bits > 8)
        return invalid(where + " asks for " + std::to_string(bits) + "-bit weights; weight bits must be 2..8");
    return {};
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

// The nearest folder that exists on the way up from `path`'s parent must be one we can write into.
Result<void> checkWritableTarget(const std::string& path, const std::string& what)
{
    std::error_code ec;
    if (fs::is_directory(path, ec)) return invalid(what + " " + path + " is a folder; give a file name");
    fs::path dir = fs::absolute(fs::path(path), ec).parent_path();
    while (!dir.empty() && !fs::exists(dir, ec)) dir = dir.parent_path();
    if (dir.empty() || !fs::is_directory(dir, ec))
        return invalid(what + " " + path + " cannot be created: " + dir.string() + " is not a folder");
    if (::access(dir.c_str(), W_OK) != 0)
        return makeError(ErrorCode::Io, what + " " + path + " cannot be written: no write permission in " +
                                            dir.string() + "; choose a folder you can write to");
    return {};
}

std::string withoutJsonExtension(const std::string& path)
{
    const std::string ext = ".json";
    if (path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0)
        return path.substr(0, path.size() - ext.size());
    return path;
}

}  // namespace

std::string compiledModelName(const std::string& modelPath, const std::string& modelDir)
{
    fs::path dir = fs::path(modelDir).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();  // "…/name/"
    // <cache>/models--Org--Name/snapshots/<commit>
    const fs::path repoFolder = dir.parent_path().parent_path();
    const std::string repoName = repoFolder.filename().string();
    if (dir.parent_path().filename() == "snapshots" && repoName.rfind("models--", 0) == 0) {
        const auto last = repoName.rfind("--");
        if (last != std::string::npos && last + 2 < repoName.size()) return repoName.substr(last + 2);
    }
    std::error_code ec;
    if (hub::looksLikeRepoId(modelPath) && !fs::exists(modelPath, ec))
        return modelPath.substr(modelPath.rfind('/') + 1);
    std::string name = dir.filename().string();
    if (name.empty() || name == "." || name == "..")
        name = fs::absolute(dir, ec).lexically_normal().filename().string();
    return name.empty() ? "model" : name;
}

CompileOutputPaths compileOutputPaths(const CompileOptions& o, const std::string& modelDir)
{
    CompileOutputPaths p;
    p.savePath = o.savePath;
    p.reportPath = o.reportPath.empty() ? p.savePath + ".report.json" : o.reportPath;
    p.reportCsvPath = withoutJsonExtension(p.reportPath) + ".csv";
    p.workDir = o.workDir.empty() ? p.savePath + ".work" : o.workDir;
    const fs::path saveParent = fs::path(p.savePath).parent_path();
    p.outputDir = !o.outputDir.empty() ? o.outputDir : (saveParent.empty() ? "." : saveParent.string());
    p.modelName = compiledModelName(o.modelPath, modelDir);
    p.rotationPath = (fs::path(p.outputDir) / "spinWeight" / p.modelName / "R1" / "global_rotation.pth").string();
    p.rotatedEmbeddingPath = !o.rotatedEmbeddingPath.empty()
                                 ? o.rotatedEmbeddingPath
                                 : (fs::path(p.outputDir) / "embedding_rotated.pt").string();
    p.rotated = o.rotation == "on" || (o.rotation == "auto" && o.bitMode != "w8");
    return p;
}

const char* projectionGroup(Projection p)
{
    switch (p) {
        case Projection::Query:
            return "query";
        case Projection::Key:
            return "key";
        case Projection::Value:
            return "value";
        case Projection::Output:
            return "output";
        case Projection::Gate:
        case Projection::Up:
        case Projection::Down:
            return "ffn";
        case Projection::Head:
            return "head";
    }
    return "?";
}

std::string moduleName(int layer, Projection p)
{
    if (p == Projection::Head) return "lm_head";
    const bool attention =
        p == Projection::Query || p == Projection::Key || p == Projection::Value || p == Projection::Output;
    return "model.layers." + std::to_string(layer) + (attention ? ".self_attn." : ".mlp.") + projectionName(p);
}

const std::vector<Projection>& layerProjections()
{
    static const std::vector<Projection> order{Projection::Query,  Projection::Key,  Projection::Value,
                                               Projection::Output, Projection::Gate, Projection::Up,
                                               Projection::Down};
    return order;
}

const LinearPlan& CompilePlan::linear(int layer, Projection p) const
{
    if (p == Projection::Head) return linears.back();
    return linears.at(static_cast<size_t>(layer) * layerProjections().size() +
                      static_cast<size_t>(std::find(layerProjections().begin(), layerProjections().end(), p) -
                                          layerProjections().begin()));
}

Result<CompilePlan> makeCompilePlan(const CompileOptions& o, const std::string& modelDir, const ModelConfig& config)
{
    CompilePlan plan;
    plan.options = o;
    plan.modelDir = modelDir;
    plan.config = config;

    // Methods and numbers.
    if (o.bitMode != "w8" && o.bitMode != "w4" && o.bitMode != "w4v8")
        return invalid("bit mode \"" + o.bitMode + "\" is not one of w8, w4, w4v8");
    if (o.weightMethod != "gptq" && o.weightMethod != "rtn")
        return invalid("weight method \"" + o.weightMethod + "\" is not one of gptq, rtn");
    if (o.activationMethod != "max" && o.activationMethod != "percentile" && o.activationMethod != "mse")
        return invalid("activation method \"" + o.activationMethod + "\" is not one of max, percentile, mse");
    if (!(o.percentile > 0.0 && o.percentile <= 1.0))
        return invalid("percentile " + std::to_string(o.percentile) + " must be in (0, 1], e.g. 0.9999");
    if (o.rotation != "auto" && o.rotation != "on" && o.rotation != "off")
        return invalid("rotation \"" + o.rotation + "\" is not one of auto, on, off");
    if (o.groupSize < 0) return invalid("group size must be 0 (per output channel) or positive");
    if (!(o.dampFraction >= 0.0 && o.dampFraction < 1e6))
        return invalid("GPTQ damping fraction must be a non-negative number such as 0.01");
    if (o.threads < 0) return invalid("threads must be 0 (all hardware threads) or positive");
    if (o.maxCalibTokens < 0) return invalid("the calibration token limit must be 0 (no limit) or positive");
    if (o.activationMemoryBudget < 0) return invalid("the activation memory budget must not be negative");
    const CompileOutputPaths paths = compileOutputPaths(o, modelDir);
    plan.rotate = paths.rotated;

    // Bits: preset, then group overrides, then layer.group overrides.
    for (const auto& [group, bits] : o.groupBits) {
        if (!isGroup(group))
            return invalid("unknown projection group \"" + group + "\"; groups are " + joined(projectionGroups()));
        LATHE_TRY(checkBits(bits, "group override " + group + "=" + std::to_string(bits)));
    }
    std::map<std::pair<int, std::string>, int> layerBits;
    for (const auto& [key, bits] : o.layerGroupBits) {
        auto parsed = parseLayerGroup(key, config.numLayers);
        if (!parsed) return parsed.error();
        LATHE_TRY(checkBits(bits, "layer override " + key + "=" + std::to_string(bits)));
        layerBits[*parsed] = bits;
    }
    const int64_t hidden = config.hiddenSize, ffn = config.intermediateSize;
    const int64_t qDim = int64_t(config.numHeads) * config.headDim, kvDim = int64_t(config.numKvHeads) * config.headDim;
    auto shapeOf = [&](Projection p) -> std::pair<int64_t, int64_t> {  // (in, out)
        switch (p) {
            case Projection::Query:
                return {hidden, qDim};
            case Projection::Key:
            case Projection::Value:
                return {hidden, kvDim};
            case Projection::Output:
                return {qDim, hidden};
            case Projection::Gate:
            case Projection::Up:
                return {hidden, ffn};
            case Projection::Down:
                return {ffn, hidden};
            case Projection::Head:
                return {hidden, config.vocabSize};
        }
        return {0, 0};
    };
    std::set<std::string> keep16(o.keep16BitActivations.begin(), o.keep16BitActivations.end());
    std::set<std::string> known;
    auto add = [&](int layer, Projection p) -> Result<void> {
        LinearPlan l;
        l.layer = layer;
        l.projection = p;
        l.module = moduleName(layer, p);
        l.group = projectionGroup(p);
        auto bits = presetBits(o.bitMode, l.group);
        if (!bits) return bits.error();
        l.weightBits = *bits;
        if (auto it = o.groupBits.find(l.group); it != o.groupBits.end()) l.weightBits = it->second;
        if (auto it = layerBits.find({layer, l.group}); it != layerBits.end()) l.weightBits = it->second;
        l.activationBits = keep16.count(l.module) ? 16 : 8;
        std::tie(l.in, l.out) = shapeOf(p);
        if (l.weightBits <= 4 && l.in % 2 != 0)
            return invalid(l.module + " has an odd number of inputs (" + std::to_string(l.in) + "), so its " +
                           std::to_string(l.weightBits) + "-bit codes cannot be packed two per byte; use 8 bits");
        known.insert(l.module);
        plan.linears.push_back(std::move(l));
        return {};
    };
    for (int i = 0; i < config.numLayers; ++i)
        for (Projection p : layerProjections()) LATHE_TRY(add(i, p));
    LATHE_TRY(add(-1, Projection::Head));
    for (const auto& name : keep16)
        if (!known.count(name))
            return invalid("--keep-16bit-act names \"" + name +
                           "\", which is not a linear of this model; use a "
                           "module name such as model.layers.0.mlp.down_proj or lm_head");

    // Paths.
    if (o.savePath.empty()) return invalid("no save path given; pass where the compiled model should go");
    plan.savePath = paths.savePath;
    LATHE_TRY(checkWritableTarget(plan.savePath, "save path"));
    plan.reportPath = paths.reportPath;
    plan.reportCsvPath = paths.reportCsvPath;
    LATHE_TRY(checkWritableTarget(plan.reportPath, "report path"));
    plan.workDir = paths.workDir;
    {
        std::error_code ec;
        if (fs::exists(plan.workDir, ec) && !fs::is_directory(plan.workDir, ec))
            return invalid("work folder " + plan.workDir + " exists and is not a folder");
        LATHE_TRY(checkWritableTarget((fs::path(plan.workDir) / "state.json").string(), "work folder"));
    }
    plan.outputDir = paths.outputDir;
    plan.modelName = paths.modelName;
    if (plan.rotate) {
        plan.rotationPath = paths.rotationPath;
        plan.rotatedEmbeddingPath = paths.rotatedEmbeddingPath;
        LATHE_TRY(checkWritableTarget(plan.rotationPath, "rotation file"));
        LATHE_TRY(checkWritableTarget(plan.rotatedEmbeddingPath, "rotated embedding"));
    }
    std::set<std::string> outputs;
    for (const auto& p :
         {plan.savePath, plan.reportPath, plan.reportCsvPath, plan.rotationPath, plan.rotatedEmbeddingPath}) {
        if (p.empty()) continue;
        std::error_code ec;
        const std::string key = fs::absolute(p, ec).lexically_normal().string();
        if (!outputs.insert(key).second)
            return invalid("two outputs would be written to " + p + "; choose other paths");
    }

    const int64_t hiddenWidth = std::max<int64_t>(1, config.hiddenSize), vocab = std::max<int64_t>(1, config.vocabSize);
    plan.rowsPerBlock = std::max<int64_t>(1, (int64_t{1} << 24) / hiddenWidth);
    plan.tokensPerLogitBatch = std::max<int64_t>(1, (int64_t{1} << 24) / vocab);
    plan.compiledConfig = config;
    plan.compiledConfig.tieWordEmbeddings = false;
    return plan;
}

}  // namespace lathe::compile
