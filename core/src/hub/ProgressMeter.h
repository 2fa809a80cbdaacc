#pragma once

#include "lathe/common/Progress.h"
#include "lathe/hub/HubTypes.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>

namespace lathe::hub::detail {

// Turns byte counts into DownloadProgress (rate over the last few seconds, ETA) and a text Progress,
// reporting at most every 100 ms and at the end of every file.
class ProgressMeter {
public:
    ProgressMeter(ProgressFn progress, std::function<void(const DownloadProgress&)> structured);

    void setTotal(std::int64_t bytes);  // starts a phase: bytes still to transfer
    void startFile(const std::string& name, int index, int count, std::int64_t size);
    void fileBytes(std::int64_t done);  // bytes of the current file on disk so far
    void finishFile();

private:
    void report(bool force);

    ProgressFn m_progress;
    std::function<void(const DownloadProgress&)> m_structured;
    DownloadProgress m_state;
    std::int64_t m_doneBeforeFile = 0;
    std::int64_t m_fileStart = 0;  // bytes the current file had before this run (resumed)
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> m_samples;
    std::chrono::steady_clock::time_point m_lastReport{};
};

}  // namespace lathe::hub::detail
