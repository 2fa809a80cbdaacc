#include "lathe/project/ProjectRun.h"

#include "lathe/export/Embedding.h"
#include "lathe/hub/ModelLocator.h"
#include "project/ProjectFileNames.h"

#include <algorithm>
#include <filesystem>

namespace lathe::project {

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

}  // namespace

calib::CalibrationOptions calibrationOptionsFor(const ProjectSettings& s, const std::string& modelDir)
{
    const auto outputs = projectFileNames(s);
    calib::CalibrationOptions c;
    c.modelTag = projectModelTag(s);
    c.embeddingPath = outputs.embeddingPath;
    c.tokenizerPath = modelDir;
    c.outputDir = outputs.calibDir;
    c.minSeqLen = s.calibration.minSeqLen;
    c.maxSeqLen = s.calibration.maxSeqLen;
    c.maxCalib = s.calibration.maxCalib;
    c.languages = s.calibration.languages;
    if (s.calibration.dataset == "local")
        c.textFile = s.calibration.textFile;
    else
        c.dataset = s.calibration.dataset;
    c.layout = s.calibration.layout;
    // The multilingual folder already holds every language; merging is a per-language choice.
    c.merge = s.calibration.merge && c.layout == calib::CalibrationLayout::PerLanguage;
    return c;
}

compile::CompileOptions compileOptionsFor(const ProjectSettings& s, const std::string& modelDir)
{
    const auto& q = s.quantization;
    const auto outputs = projectFileNames(s);
    const auto calibration = calib::calibrationFolders(calibrationOptionsFor(s, modelDir));
    compile::CompileOptions c;
    c.modelPath = modelDir;
    // The multilingual or merged folder holds every language; without either, the tag folder holds one folder per
    // language.
    c.calibDataPath = calibration.compileFolder();
    c.savePath = outputs.compiledPath;
    c.reportPath = outputs.reportPath;
    c.outputDir = s.outputDir;
    c.bitMode = q.bitMode;
    c.groupBits = q.groupBits;
    c.keep16BitActivations = q.keep16BitActivations;
    c.weightMethod = q.gptq ? quant::WeightMethod::Gptq : quant::WeightMethod::Rtn;
    c.groupSize = q.groupSize;
    c.activationMethod = q.activationMethod;
    c.percentile = q.percentile;
    using quant::RotationMode;
    c.rotation = q.bitMode == quant::BitMode::W8 ? (q.rotation ? quant::RotationMode::Auto : quant::RotationMode::Off)
                                                 : (q.rotation ? quant::RotationMode::On : quant::RotationMode::Off);
    c.seed = static_cast<uint64_t>(q.seed);
    c.threads = q.threads;
    c.target = q.target;
    return c;
}

const char* projectStepName(ProjectStep step)
{
    switch (step) {
        case ProjectStep::Model:
            return "model";
        case ProjectStep::Embedding:
            return "embedding";
        case ProjectStep::Calibration:
            return "calibration";
        case ProjectStep::Compile:
            return "compile";
        case ProjectStep::Export:
            return "export";
    }
    return "?";
}

namespace {

Result<std::string> readyModel(const ProjectSettings& s, const ProgressFn& progress, const StopToken& stop)
{
    if (s.model.source == "hub") return hub::ensureModelDirectory(s.model.repoId, s.model.revision, progress, stop);
    return hub::resolveModelDirectory(s.model.localPath);
}

Result<std::string> foundModel(const ProjectSettings& s)
{
    if (s.model.source == "hub") return hub::resolveModelDirectory(s.model.repoId, s.model.revision);
    return hub::resolveModelDirectory(s.model.localPath);
}

// The output folder, created for a step; a step that fails removes it again when it made it and left it empty.
class OutputFolder {
public:
    Result<void> make(const std::string& outputDir)
    {
        std::error_code ec;
        m_created = !fs::exists(outputDir, ec);
        fs::create_directories(outputDir, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot create the output folder " + outputDir + ": " + ec.message());
        m_path = outputDir;
        return {};
    }
    void keep() { m_created = false; }
    ~OutputFolder()
    {
        std::error_code ec;
        if (m_created && fs::is_empty(m_path, ec)) fs::remove(m_path, ec);
    }

private:
    std::string m_path;
    bool m_created = false;
};

}  // namespace

Result<ProjectStepResult> runProjectStep(const ProjectSettings& s, ProjectStep step, const ProjectStepOptions& options,
                                         const ProgressFn& progress, const StopToken& stop)
{
    ProjectStepResult result;
    result.step = step;
    if (step == ProjectStep::Model) {
        auto modelDir = readyModel(s, progress, stop);
        if (!modelDir) return modelDir.error();
        result.modelDir = std::move(modelDir).value();
        return result;
    }
    if (options.modelDir.empty()) {
        auto modelDir = foundModel(s);
        if (!modelDir) return modelDir.error();
        result.modelDir = std::move(modelDir).value();
    } else {
        result.modelDir = options.modelDir;
    }
    OutputFolder folder;
    LATHE_TRY(folder.make(s.outputDir));

    switch (step) {
        case ProjectStep::Model:
            break;
        case ProjectStep::Embedding: {
            result.embeddingPath = projectFileNames(s).embeddingPath;
            LATHE_TRY(exports::extractEmbedding(result.modelDir, result.embeddingPath, progress, stop));
            break;
        }
        case ProjectStep::Calibration: {
            auto calibration = calib::generateCalibration(calibrationOptionsFor(s, result.modelDir), progress, stop);
            if (!calibration) return calibration.error();
            result.calibration = std::move(calibration).value();
            auto samples = calib::readCalibrationSamples(result.calibration.manifestPath);
            if (!samples) return samples.error();
            result.samples = std::move(samples).value();
            break;
        }
        case ProjectStep::Compile: {
            compile::CompileOptions compileOptions = compileOptionsFor(s, result.modelDir);
            compileOptions.onLayerReport = options.onLayerReport;
            auto compiled = compile::compileModel(compileOptions, progress, stop);
            if (!compiled) return compiled.error();
            result.compile = std::move(compiled).value();
            break;
        }
        case ProjectStep::Export: {
            const auto& formats = s.exports.formats;
            auto wanted = [&](const char* f) { return std::find(formats.begin(), formats.end(), f) != formats.end(); };
            const compile::CompileOutputPaths compiled =
                compile::compileOutputPaths(compileOptionsFor(s, result.modelDir), result.modelDir);
            const std::string embedding =
                compiled.rotated ? compiled.rotatedEmbeddingPath : projectFileNames(s).embeddingPath;
            // Each export belongs to this compile: running the step again writes it anew (force).
            if (wanted("gguf")) {
                deploy::GgufExportOptions gguf;
                gguf.compiledPath = compiled.savePath;
                gguf.embeddingPath = embedding;
                gguf.modelPath = result.modelDir;
                gguf.outputPath = projectFileNames(s).ggufPath;
                gguf.force = true;
                auto exported = deploy::exportGguf(gguf, progress, stop);
                if (!exported) return exported.error();
                result.gguf.push_back(std::move(exported).value());
            }
            if (wanted("onnx")) {
                deploy::OnnxExportOptions onnx;
                onnx.compiledPath = compiled.savePath;
                onnx.embeddingPath = embedding;
                onnx.modelPath = result.modelDir;
                onnx.outputDir = projectFileNames(s).onnxDir;
                onnx.opset = s.exports.onnxOpset;
                onnx.force = true;
                auto exported = deploy::exportOnnx(onnx, progress, stop);
                if (!exported) return exported.error();
                result.onnx.push_back(std::move(exported).value());
            }
            break;
        }
    }
    folder.keep();
    return result;
}

Result<ProjectRunSummary> runProject(const ProjectSettings& s, const ProgressFn& progress, const StopToken& stop)
{
    LATHE_TRY(validateProject(s));
    ProjectRunSummary summary;
    summary.layout = projectLayout(s);
    ProjectStepOptions options;
    for (ProjectStep step : kProjectSteps) {
        auto result = runProjectStep(s, step, options, prefixed(progress, projectStepName(step)), stop);
        if (!result) return result.error();
        switch (step) {
            case ProjectStep::Model:
                summary.modelDir = options.modelDir = result->modelDir;
                break;
            case ProjectStep::Embedding:
                break;
            case ProjectStep::Calibration:
                summary.calibration = std::move(result->calibration);
                break;
            case ProjectStep::Compile:
                summary.compile = std::move(result->compile);
                break;
            case ProjectStep::Export:
                summary.gguf = std::move(result->gguf);
                summary.onnx = std::move(result->onnx);
                break;
        }
    }
    return summary;
}

}  // namespace lathe::project
