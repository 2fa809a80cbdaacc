#include "lathe/project/ProjectLayout.h"

#include "lathe/calib/Calibration.h"
#include "lathe/compile/Compile.h"
#include "lathe/project/ProjectRun.h"
#include "project/ProjectFileNames.h"

#include <filesystem>

namespace lathe::project {

namespace fs = std::filesystem;

namespace {

// What the user named the model by: the repo id, or the local folder (or a repo id found in the HF cache).
const std::string& modelReference(const ProjectSettings& s)
{
    return s.model.source == "hub" ? s.model.repoId : s.model.localPath;
}

}  // namespace

std::string projectModelName(const ProjectSettings& s)
{
    const std::string& reference = modelReference(s);
    if (reference.empty()) return {};
    // The compiler gets the folder the reference resolves to: a hub repo's cache snapshot, whose name rule
    // gives the repo's name as for the repo id itself, or the local folder as it is.
    return compile::compiledModelName(reference, reference);
}

std::string projectModelTag(const ProjectSettings& s)
{
    return s.model.source == "hub" ? s.model.repoId : projectModelName(s);
}

ProjectFileNames projectFileNames(const ProjectSettings& s)
{
    const fs::path out(s.outputDir);
    ProjectFileNames n;
    n.embeddingPath = (out / "embedding.pt").string();
    n.calibDir = (out / "calib").string();
    n.compiledPath =
        (out / (projectModelName(s) + "-" + quant::toString(s.quantization.bitMode) + ".compiled.safetensors"))
            .string();
    n.reportPath = n.compiledPath + ".report.json";
    const std::string stem = projectModelName(s) + "-" + quant::toString(s.quantization.bitMode);
    n.ggufPath = (out / (stem + ".gguf")).string();
    n.onnxDir = (out / (stem + "-onnx")).string();
    return n;
}

ProjectLayout projectLayout(const ProjectSettings& s)
{
    const ProjectFileNames names = projectFileNames(s);
    ProjectLayout l;
    l.outputDir = s.outputDir;
    l.modelTag = projectModelTag(s);
    l.modelName = projectModelName(s);
    l.embeddingPath = names.embeddingPath;
    l.calibDir = names.calibDir;
    l.compiledPath = names.compiledPath;
    l.ggufPath = names.ggufPath;
    l.onnxDir = names.onnxDir;

    const calib::CalibrationFolders calibration = calib::calibrationFolders(calibrationOptionsFor(s, {}));
    l.calibTagFolder = calibration.tagFolder;
    l.calibMergedFolder = calibration.mergedFolder;
    l.calibManifestPath = calibration.manifestPath;

    const std::string& reference = modelReference(s);
    const compile::CompileOptions compileOptions = compileOptionsFor(s, reference);
    l.calibSamplesDir = compileOptions.calibDataPath;
    const compile::CompileOutputPaths compiled = compile::compileOutputPaths(compileOptions, reference);
    l.reportPath = compiled.reportPath;
    l.reportCsvPath = compiled.reportCsvPath;
    l.workDir = compiled.workDir;
    l.rotationPath = compiled.rotationPath;
    l.rotatedEmbeddingPath = compiled.rotatedEmbeddingPath;
    l.rotated = compiled.rotated;
    return l;
}

}  // namespace lathe::project
