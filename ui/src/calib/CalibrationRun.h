#pragma once

#include "lathe/calib/Calibration.h"
#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/project/Project.h"

#include <string>
#include <vector>

namespace lathe::ui {

// Everything one calibration run needs, copied from the GUI state so the worker owns it.
struct CalibrationRequest {
    ProjectSettings settings;
    std::string modelDirectory;
};

struct CalibrationSample {
    std::string language;
    std::string file;   // relative to the tag folder
    std::string title;  // article title, when the source has one
    int tokens = 0;
};

struct CalibrationOutcome {
    calib::CalibrationSummary summary;
    std::string embeddingPath;
    std::vector<CalibrationSample> samples;  // from manifest.json, in file order
};

// The options generateCalibration gets for a request: calibrationOptionsFor, as `lathe run-project` builds them,
// so both write the same samples to the same places (projectOutputs).
calib::CalibrationOptions calibrationOptions(const CalibrationRequest& request);

// Extracts the embedding of the model (step 1's embedding.pt), then generates the samples, then reads the
// manifest for the per-sample lengths. Errors: those of extractEmbedding and generateCalibration, and Corrupt
// when the manifest cannot be read back.
Result<CalibrationOutcome> runCalibration(const CalibrationRequest& request, const ProgressFn& progress,
                                          const StopToken& stop);

}  // namespace lathe::ui
