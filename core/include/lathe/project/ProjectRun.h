#pragma once

#include "lathe/calib/Calibration.h"
#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/compile/Compile.h"
#include "lathe/project/Project.h"

#include <string>

namespace lathe {

// Where a project's outputs go, all under ProjectSettings::outputDir. The Studio and `lathe run-project` both
// use these names, so the same project gives the same files either way.
struct ProjectOutputs {
    std::string embeddingPath;  // <out>/embedding.pt (float32, input to calibration)
    std::string calibDir;       // <out>/calib (generate-calib's output_dir)
    std::string compiledPath;   // <out>/<model name>-<bit mode>.compiled.safetensors
    std::string reportPath;     // <compiledPath>.report.json
};

ProjectOutputs projectOutputs(const ProjectSettings& settings);

// "meta-llama/Llama-3.2-1B-Instruct" for hub models, the folder name for local ones.
std::string projectModelTag(const ProjectSettings& settings);

// The step options a project implies. `modelDir` is the resolved model folder.
calib::CalibrationOptions calibrationOptionsFor(const ProjectSettings& settings, const std::string& modelDir);
compile::CompileOptions compileOptionsFor(const ProjectSettings& settings, const std::string& modelDir,
                                          const calib::CalibrationSummary& calibration);

struct ProjectRunSummary {
    std::string modelDir;
    ProjectOutputs outputs;
    calib::CalibrationSummary calibration;
    compile::CompileSummary compile;
};

// The whole pipeline headless: model (downloaded into the HF cache when it is a hub repo not cached yet),
// embedding, calibration samples, compile. Validates the project first. Progress stages are prefixed with the
// step ("model: ", "embedding: ", "calibration: ", "compile: "). Errors are those of each step, Cancelled.
Result<ProjectRunSummary> runProject(const ProjectSettings& settings, const ProgressFn& progress = {},
                                     const StopToken& stop = {});

}  // namespace lathe
