#pragma once

#include "lathe/common/Progress.h"

#include <functional>

namespace lathe::ui {

// Lets tests observe long jobs from inside the worker thread. `compileProgress` runs on the compile's worker
// thread with every progress report, before the page hears of it; it may block, which pauses the compile at a
// known point (a test can then press Cancel and release it). An empty hook does nothing.
struct WorkerHooks {
    std::function<void(const Progress&)> compileProgress;
};

void setWorkerHooks(WorkerHooks hooks);
const WorkerHooks& workerHooks();

}  // namespace lathe::ui
