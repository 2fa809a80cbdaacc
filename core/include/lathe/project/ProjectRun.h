#pragma once

#include "lathe/calib/Calibration.h"
#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/compile/Compile.h"
#include "lathe/deploy/GgufExport.h"
#include "lathe/deploy/OnnxExport.h"
#include "lathe/project/Project.h"
#include "lathe/project/ProjectLayout.h"

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace lathe::project {

// The step options a project implies, with the paths of projectLayout. `modelDir` is the resolved model folder.
calib::CalibrationOptions calibrationOptionsFor(const ProjectSettings& settings, const std::string& modelDir);
compile::CompileOptions compileOptionsFor(const ProjectSettings& settings, const std::string& modelDir);

// The steps of a project, in the order runProject runs them.
enum class ProjectStep { Model, Embedding, Calibration, Compile, Export };
inline constexpr std::array<ProjectStep, 5> kProjectSteps{
    ProjectStep::Model, ProjectStep::Embedding, ProjectStep::Calibration, ProjectStep::Compile, ProjectStep::Export};

// "model", "embedding", "calibration", "compile", "export".
const char* projectStepName(ProjectStep step);

struct ProjectStepOptions {
    // The model folder the embedding, calibration and compile steps read (what the model step returned). Empty:
    // the project's model as found without downloading (hub::resolveModelDirectory of the repo id at its
    // revision, or of the local folder).
    std::string modelDir;
    // Compile step: CompileOptions::onLayerReport, called on the compiling thread with each finished layer.
    std::function<void(const compile::BlockReport&, const std::vector<compile::LinearReport>&)> onLayerReport;
};

// What one step produced; only the fields of the step that ran are filled in, plus modelDir.
struct ProjectStepResult {
    ProjectStep step = ProjectStep::Model;
    std::string modelDir;                           // the model folder the step used (model: the one it made ready)
    std::string embeddingPath;                      // embedding
    calib::CalibrationSummary calibration;          // calibration
    std::vector<calib::CalibrationSample> samples;  // calibration: manifest.json's samples, in file order
    compile::CompileSummary compile;                // compile
    std::vector<deploy::GgufExportSummary> gguf;    // export: one per GGUF written (none without "gguf")
    std::vector<deploy::OnnxExportSummary> onnx;    // export: one per ONNX folder written (none without "onnx")
};

// Runs one step of the project, writing where projectLayout says:
// - model: a hub model is downloaded into the Hugging Face cache unless it is complete there (or offline); a local
//   model is used where it is. modelDir is the folder.
// - embedding: creates the output folder and writes embedding.pt from the model.
// - calibration: generateCalibration with calibrationOptionsFor, then reads the samples back from the manifest.
// - compile: compileModel with compileOptionsFor (resuming an interrupted compile of the same settings).
// - export: each format of settings.exports from the compiled model (gguf: exportGguf to ProjectLayout::ggufPath;
//   onnx: exportOnnx to ProjectLayout::onnxDir at settings.exports.onnxOpset), with the rotated embedding when the
//   compile rotates, replacing an earlier export; nothing without formats.
// Progress is the step's own (stages as its core function names them). The project is not validated here
// (runProject does); each step checks its own options. Errors: those of the step's core function, NotFound for a
// model that is not there, Io for an output folder that cannot be made, Cancelled, each leaving what that
// function leaves.
Result<ProjectStepResult> runProjectStep(const ProjectSettings& settings, ProjectStep step,
                                         const ProjectStepOptions& options = {}, const ProgressFn& progress = {},
                                         const StopToken& stop = {});

struct ProjectRunSummary {
    std::string modelDir;
    ProjectLayout layout;
    calib::CalibrationSummary calibration;
    compile::CompileSummary compile;
    std::vector<deploy::GgufExportSummary> gguf;
    std::vector<deploy::OnnxExportSummary> onnx;
};

// The whole pipeline headless: validates the project, then runs every step in order with runProjectStep, each
// using the model folder the model step returned. Progress stages are prefixed with the step ("model: ",
// "embedding: ", "calibration: ", "compile: "). Errors are those of validateProject and of each step, Cancelled.
Result<ProjectRunSummary> runProject(const ProjectSettings& settings, const ProgressFn& progress = {},
                                     const StopToken& stop = {});

}  // namespace lathe::project
