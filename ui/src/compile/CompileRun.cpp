#include "compile/CompileRun.h"

#include "lathe/project/ProjectRun.h"
#include "lathe/ui/WorkerHooks.h"

namespace lathe::ui {

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
    project::ProjectStepOptions options;
    options.modelDir = request.modelDirectory;
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
    auto result = runProjectStep(request.settings, project::ProjectStep::Compile, options, progress, stop);
    if (!result) return result.error();
    return std::move(result->compile);
}

}  // namespace lathe::ui
