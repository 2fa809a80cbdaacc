#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/compile/Compile.h"
#include "lathe/project/Project.h"

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace lathe::ui {

// Everything one compile needs, copied from the GUI state so the worker owns it.
struct CompileRequest {
    project::ProjectSettings settings;
    std::string modelDirectory;
};

// One finished decoder layer (or the head, layer -1) as the compiler reported it.
struct LayerResult {
    compile::BlockReport block;
    std::vector<compile::LinearReport> linears;
};

// What the compile worker hands the page. Reports are queued, not coalesced: the page needs every stage change
// for its log and every finished layer for its chart. Thread-safe.
class CompileFeed {
public:
    struct Batch {
        bool hasProgress = false;
        Progress latest;                // the newest report
        std::vector<Progress> changes;  // reports whose stage or detail differ from the one before
        std::vector<LayerResult> layers;
    };

    void addProgress(const Progress& progress);
    void addLayer(LayerResult layer);
    Batch take();

private:
    std::mutex m_mutex;
    Batch m_pending;
    Progress m_previous;
    bool m_hasPrevious = false;
};

// Runs the project's compile step (runProjectStep, as `lathe run-project` runs it) for the request, feeding `feed`
// and calling `wake` (any thread) after each addition. Errors are the step's.
Result<compile::CompileSummary> runCompile(const CompileRequest& request, CompileFeed& feed,
                                           const std::function<void()>& wake, const StopToken& stop);

}  // namespace lathe::ui
