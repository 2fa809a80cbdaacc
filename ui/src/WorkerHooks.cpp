#include "lathe/ui/WorkerHooks.h"

namespace lathe::ui {

namespace {
WorkerHooks& hooks()
{
    static WorkerHooks instance;
    return instance;
}
}  // namespace

void setWorkerHooks(WorkerHooks newHooks)
{
    hooks() = std::move(newHooks);
}

const WorkerHooks& workerHooks()
{
    return hooks();
}

}  // namespace lathe::ui
