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
    p.rotated = rotates(o.bitMode, o.rotation);
    return p;
}

quant::QuantChoices quantChoices(const CompileOptions& o)
{
    quant::QuantChoices q;
    q.bitMode = o.bitMode;
    q.groupBits = o.groupBits;
    q.layerGroupBits = o.layerGroupBits;
    q.keep16BitActivations = o.keep16BitActivations;
    q.groupSize = o.groupSize;
    q.scaleType = o.scaleType;
    q.target = o.target;
    return q;
}

const quant::LinearPlan& CompilePlan::linear(int layer, model::Projection p) const
{
    if (p == model::Projection::Head) return linears.back();
    return linears.at(
        static_cast<size_t>(layer) * quant::layerProjections().size() +
        static_cast<size_t>(std::find(quant::layerProjections().begin(), quant::layerProjections().end(), p) -
                            quant::layerProjections().begin()));
}

Result<CompilePlan> makeCompilePlan(const CompileOptions& o, const std::string& modelDir,
                                    const model::ModelConfig& config)
{
    CompilePlan plan;
    plan.options = o;
    // The target's settings become the options every pass reads (group size and scale type).
    const quant::QuantChoices choices = quant::applyTarget(quantChoices(o));
    plan.options.groupSize = choices.groupSize;
    plan.options.scaleType = choices.scaleType;
    plan.modelDir = modelDir;
    plan.config = config;

    // Numbers; the enums are valid by construction.
    if (!(o.percentile > 0.0 && o.percentile <= 1.0))
        return invalid("percentile " + std::to_string(o.percentile) + " must be in (0, 1], e.g. 0.9999");
    LATHE_TRY(quant::checkGroupSize(o.groupSize));
    if (!(o.dampFraction >= 0.0 && o.dampFraction < 1e6))
        return invalid("GPTQ damping fraction must be a non-negative number such as 0.01");
    if (o.threads < 0) return invalid("threads must be 0 (all hardware threads) or positive");
    if (o.maxCalibTokens < 0) return invalid("the calibration token limit must be 0 (no limit) or positive");
    if (o.activationMemoryBudget < 0) return invalid("the activation memory budget must not be negative");
    const CompileOutputPaths paths = compileOutputPaths(o, modelDir);
    plan.rotate = paths.rotated;
    if (plan.rotate && config.postNorm)
        // R1 would have to pass through the RMSNorm weights EXAONE 4 applies to each sub-layer's output before it
        // joins the residual stream; an element-wise weight does not commute with a rotation (docs/compiler.md).
        return invalid(config.architecture +
                       " normalises the attention and MLP outputs (weighted RMSNorm) before they join the residual "
                       "stream, so the R1 rotation cannot be folded into its weights; compile it with --rotation off "
                       "(w4 and w4v8 turn rotation on by default)");

    // Bits: preset, then group overrides, then layer.group overrides (lathe/quant/QuantPlan.h).
    auto linears = planLinears(config, choices);
    if (!linears) return linears.error();
    plan.linears = std::move(linears).value();

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
