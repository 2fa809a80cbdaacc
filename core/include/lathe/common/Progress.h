#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace lathe {

// One progress report from a long operation. `done`/`total` are in `unit`s; total 0 = unknown.
struct Progress {
    std::string stage;    // e.g. "download", "layer 3/16"
    std::string detail;   // e.g. a file name
    std::int64_t done = 0;
    std::int64_t total = 0;
    std::string unit;     // "bytes", "tokens", "layers", ...
};

// Called from the worker thread; must be cheap and must not throw.
using ProgressFn = std::function<void(const Progress&)>;

// Cooperative cancellation shared between the caller and a worker. Copies share one flag.
class StopToken {
public:
    StopToken() : m_flag(std::make_shared<std::atomic<bool>>(false)) {}
    void requestStop() const { m_flag->store(true, std::memory_order_relaxed); }
    bool stopRequested() const { return m_flag->load(std::memory_order_relaxed); }

private:
    std::shared_ptr<std::atomic<bool>> m_flag;
};

}  // namespace lathe
