#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/project/Project.h"
#include "lathe/project/ProjectRun.h"

#include <string>

namespace lathe::ui {

// Everything one calibration run needs, copied from the GUI state so the worker owns it.
struct CalibrationRequest {
    project::ProjectSettings settings;
    std::string modelDirectory;
};

// The project's embedding step (step 1's embedding.pt), then its calibration step, as `lathe run-project` runs
// them (runProjectStep). The result is the calibration step's: its summary and manifest.json's samples.
// Errors: the steps', worded for the Studio (an output folder to choose on the Project page, the embedding
// extraction named).
Result<project::ProjectStepResult> runCalibration(const CalibrationRequest& request, const ProgressFn& progress,
                                                  const StopToken& stop);

}  // namespace lathe::ui
