#include "lathe/project/ProjectRun.h"

#include "lathe/export/Embedding.h"
#include "lathe/hub/ModelLocator.h"

#include <filesystem>

namespace lathe {

namespace fs = std::filesystem;

namespace {

// Forwards progress with the step's name in front of the stage, so one log shows where the run is.
ProgressFn prefixed(const ProgressFn& progress, const std::string& step)
{
    if (!progress) return {};
    return [progress, step](const Progress& p) {
        Progress copy = p;
        copy.stage = step + ": " + p.stage;
        progress(copy);
    };
}

std::string modelName(const ProjectSettings& s)
{
    const std::string tag = projectModelTag(s);
    const auto slash = tag.find_last_of('/');
    return slash == std::string::npos ? tag : tag.substr(slash + 1);
}

}  // namespace

std::string projectModelTag(const ProjectSettings& s)
{
    if (s.model.source == "hub") return s.model.repoId;
    fs::path local = fs::path(s.model.localPath).lexically_normal();
    if (local.filename().empty()) local = local.parent_path();  // "models/foo/" names foo
    return local.filename().string();
}

ProjectOutputs projectOutputs(const ProjectSettings& s)
{
    const fs::path out(s.outputDir);
    ProjectOutputs o;
    o.embeddingPath = (out / "embedding.pt").string();
    o.calibDir = (out / "calib").string();
    o.compiledPath =
        (out / (modelName(s) + "-" + compile::toString(s.quantization.bitMode) + ".compiled.safetensors")).string();
    o.reportPath = o.compiledPath + ".report.json";
    return o;
}

calib::CalibrationOptions calibrationOptionsFor(const ProjectSettings& s, const std::string& modelDir)
{
    const auto outputs = projectOutputs(s);
    calib::CalibrationOptions c;
    c.modelTag = projectModelTag(s);
    c.embeddingPath = outputs.embeddingPath;
    c.tokenizerPath = modelDir;
    c.outputDir = outputs.calibDir;
    c.minSeqLen = s.calibration.minSeqLen;
    c.maxSeqLen = s.calibration.maxSeqLen;
    c.maxCalib = s.calibration.maxCalib;
    c.languages = s.calibration.languages;
    if (s.calibration.dataset == "local") c.textFile = s.calibration.textFile;
    else c.dataset = s.calibration.dataset;
    c.merge = s.calibration.merge;
    return c;
}

compile::CompileOptions compileOptionsFor(const ProjectSettings& s, const std::string& modelDir,
                                          const calib::CalibrationSummary& calibration)
{
    const auto& q = s.quantization;
    const auto outputs = projectOutputs(s);
    compile::CompileOptions c;
    c.modelPath = modelDir;
    // Merged samples are all languages renumbered in one folder; without merging, the tag folder holds one
    // folder per language.
    c.calibDataPath = calibration.mergedFolder.empty() ? calibration.tagFolder : calibration.mergedFolder;
    c.savePath = outputs.compiledPath;
    c.reportPath = outputs.reportPath;
    c.outputDir = s.outputDir;
    c.bitMode = q.bitMode;
    c.groupBits = q.groupBits;
    c.keep16BitActivations = q.keep16BitActivations;
    c.weightMethod = q.gptq ? compile::WeightMethod::Gptq : compile::WeightMethod::Rtn;
    c.groupSize = q.groupSize;
    c.activationMethod = q.activationMethod;
    c.percentile = q.percentile;
    using compile::RotationMode;
    c.rotation = q.bitMode == compile::BitMode::W8 ? (q.rotation ? RotationMode::Auto : RotationMode::Off)
                                                   : (q.rotation ? RotationMode::On : RotationMode::Off);
    c.seed = static_cast<uint64_t>(q.seed);
    c.threads = q.threads;
    return c;
}

Result<ProjectRunSummary> runProject(const ProjectSettings& s, const ProgressFn& progress, const StopToken& stop)
{
    LATHE_TRY(validateProject(s));
    ProjectRunSummary summary;
    summary.outputs = projectOutputs(s);

    auto modelDir = s.model.source == "hub"
                        ? hub::ensureModelDirectory(s.model.repoId, s.model.revision, prefixed(progress, "model"), stop)
                        : hub::resolveModelDirectory(s.model.localPath);
    if (!modelDir) return modelDir.error();
    summary.modelDir = *modelDir;

    std::error_code ec;
    fs::create_directories(s.outputDir, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create the output folder " + s.outputDir + ": " + ec.message());

    LATHE_TRY(extractEmbedding(summary.modelDir, summary.outputs.embeddingPath, prefixed(progress, "embedding"), stop));

    auto calibration = calib::generateCalibration(calibrationOptionsFor(s, summary.modelDir),
                                                  prefixed(progress, "calibration"), stop);
    if (!calibration) return calibration.error();
    summary.calibration = std::move(calibration).value();

    auto compiled = compile::compileModel(compileOptionsFor(s, summary.modelDir, summary.calibration),
                                          prefixed(progress, "compile"), stop);
    if (!compiled) return compiled.error();
    summary.compile = std::move(compiled).value();
    return summary;
}

}  // namespace lathe
