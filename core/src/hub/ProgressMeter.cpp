#include "hub/ProgressMeter.h"

#include <cstdio>

namespace lathe::hub {

std::string formatDownloadProgress(const DownloadProgress& p)
{
    char rate[32] = "";
    const double mb = p.bytesPerSecond / 1e6;
    std::snprintf(rate, sizeof rate, mb >= 100 ? "%.0f MB/s" : "%.1f MB/s", mb);
    std::string text = p.file + " (" + std::to_string(p.fileIndex) + "/" + std::to_string(p.fileCount) + ") " + rate;
    if (p.etaSeconds >= 0) {
        const long s = static_cast<long>(p.etaSeconds + 0.5);
        char eta[32];
        if (s >= 3600) std::snprintf(eta, sizeof eta, " ETA %ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
        else std::snprintf(eta, sizeof eta, " ETA %ld:%02ld", s / 60, s % 60);
        text += eta;
    }
    return text;
}

namespace detail {

ProgressMeter::ProgressMeter(ProgressFn progress, std::function<void(const DownloadProgress&)> structured)
    : m_progress(std::move(progress)), m_structured(std::move(structured))
{
}

void ProgressMeter::setTotal(std::int64_t bytes)
{
    m_state.totalTotal = bytes;
    m_state.totalDone = 0;
    m_doneBeforeFile = 0;
    m_samples.clear();
}

void ProgressMeter::startFile(const std::string& name, int index, int count, std::int64_t size)
{
    m_state.file = name;
    m_state.fileIndex = index;
    m_state.fileCount = count;
    m_state.fileTotal = size;
    m_state.fileDone = 0;
    m_fileStart = -1;
}

void ProgressMeter::fileBytes(std::int64_t done)
{
    if (m_fileStart < 0) m_fileStart = done;  // bytes already on disk count as done, not as speed
    if (done < m_fileStart) m_fileStart = done;  // the file was restarted
    m_state.fileDone = done;
    m_state.totalDone = m_doneBeforeFile + (done - m_fileStart);
    report(false);
}

void ProgressMeter::finishFile()
{
    if (m_fileStart < 0) m_fileStart = m_state.fileTotal;
    m_state.fileDone = m_state.fileTotal;
    m_doneBeforeFile += m_state.fileTotal - m_fileStart;
    m_state.totalDone = m_doneBeforeFile;
    report(true);
}

void ProgressMeter::report(bool force)
{
    if (!m_progress && !m_structured) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - m_lastReport < std::chrono::milliseconds(100)) return;
    m_lastReport = now;
    m_samples.emplace_back(now, m_state.totalDone);
    while (m_samples.size() > 2 && now - m_samples.front().first > std::chrono::seconds(5)) m_samples.pop_front();
    const double dt = std::chrono::duration<double>(now - m_samples.front().first).count();
    m_state.bytesPerSecond = dt > 0.05 ? static_cast<double>(m_state.totalDone - m_samples.front().second) / dt : 0.0;
    const std::int64_t left = m_state.totalTotal - m_state.totalDone;
    m_state.etaSeconds = m_state.bytesPerSecond > 0 && left >= 0 ? static_cast<double>(left) / m_state.bytesPerSecond : -1.0;
    if (m_structured) m_structured(m_state);
    if (m_progress) {
        Progress p;
        p.stage = "download";
        p.detail = formatDownloadProgress(m_state);
        p.done = m_state.totalDone;
        p.total = m_state.totalTotal;
        p.unit = "bytes";
        m_progress(p);
    }
}

}  // namespace detail
}  // namespace lathe::hub
