#include "calib/CalibrationRun.h"

#include <filesystem>

namespace lathe::ui {

Result<project::ProjectStepResult> runCalibration(const CalibrationRequest& request, const ProgressFn& progress,
                                                  const StopToken& stop)
{
    project::ProjectStepOptions options;
    options.modelDir = request.modelDirectory;
    auto embedding = runProjectStep(request.settings, project::ProjectStep::Embedding, options, progress, stop);
    if (!embedding) {
        const Error& error = embedding.error();
        std::error_code ec;
        if (error.code == ErrorCode::Io && !std::filesystem::is_directory(request.settings.outputDir, ec))
            return Error{error.code, error.message + " (choose another folder on the Project page)"};
        return error.withContext("extracting the input embedding");
    }
    return runProjectStep(request.settings, project::ProjectStep::Calibration, options, progress, stop);
}

}  // namespace lathe::ui
