#include "compile/CompileRun.h"

#include "lathe/project/ProjectRun.h"
#include "lathe/ui/WorkerHooks.h"

#include <filesystem>

namespace lathe::ui {

namespace fs = std::filesystem;

calib::CalibrationSummary calibrationFolders(const ProjectSettings& settings)
{
    // The same expressions generateCalibration uses for CalibrationSummary, on calibrationOptionsFor's options.
    const calib::CalibrationOptions options = calibrationOptionsFor(settings, {});
    calib::CalibrationSummary summary;
    const fs::path tagDir = fs::path(options.outputDir) / "datas" / calib::modelTagFolder(options.modelTag);
    summary.tagFolder = tagDir.string();
    if (options.merge) summary.mergedFolder = (tagDir / "merged").string();
    summary.manifestPath = (tagDir / "manifest.json").string();
    return summary;
}

std::string calibrationManifestPath(const ProjectSettings& settings)
{
    return calibrationFolders(settings).manifestPath;
}

compile::CompileOptions compileOptions(const CompileRequest& request)
{
    return compileOptionsFor(request.settings, request.modelDirectory, calibrationFolders(request.settings));
}

void CompileFeed::addProgress(const Progress& progress)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pending.hasProgress = true;
    m_pending.latest = progress;
    if (!m_hasPrevious || progress.stage != m_previous.stage || progress.detail != m_previous.detail)
        m_pending.changes.push_back(progress);
    m_previous = progress;
    m_hasPrevious = true;
}

void CompileFeed::addLayer(LayerResult layer)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pending.layers.push_back(std::move(layer));
}

CompileFeed::Batch CompileFeed::take()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    Batch batch = std::move(m_pending);
    m_pending = Batch();
    return batch;
}

Result<compile::CompileSummary> runCompile(const CompileRequest& request, CompileFeed& feed,
                                           const std::function<void()>& wake, const StopToken& stop)
{
    compile::CompileOptions options = compileOptions(request);
    options.onLayerReport = [&feed, &wake](const compile::BlockReport& block,
                                           const std::vector<compile::LinearReport>& linears) {
        feed.addLayer({block, linears});
        wake();
    };
    const auto hook = workerHooks().compileProgress;
    const ProgressFn progress = [&feed, &wake, hook](const Progress& p) {
        if (hook) hook(p);
        feed.addProgress(p);
        wake();
    };
    return compile::compileModel(options, progress, stop);
}

}  // namespace lathe::ui
