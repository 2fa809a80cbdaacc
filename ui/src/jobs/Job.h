#pragma once

#include "lathe/common/Error.h"
#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QVariant>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace lathe::ui {

// Runs one core call at a time on a worker thread, so the GUI thread never waits on disk or network.
// The worker reports through `Report` (thread-safe); reports are coalesced so the GUI thread receives at most
// one queued update at a time and always the latest. `done` runs on the GUI thread after the last report.
// Exceptions thrown by the work become an Internal error and never cross the thread.
// Destroying a running Job requests a stop and waits for the worker, so nothing outlives its owner.
class Job : public QObject {
    Q_OBJECT
public:
    using Report = std::function<void(const QVariant&)>;
    template <typename T>
    using Work = std::function<Result<T>(const StopToken& stop, const Report& report)>;

    explicit Job(QObject* parent = nullptr);
    ~Job() override;
    Job(const Job&) = delete;
    Job& operator=(const Job&) = delete;

    bool isRunning() const { return m_running; }
    // Asks the running work to stop; `done` still runs, normally with ErrorCode::Cancelled.
    void cancel();
    // Cancels and drops an action waiting in whenIdle: the work is not wanted any more (another project).
    void abandon();

    // What the user would call this work ("the compile"); empty for short look-ups that can be stopped without
    // asking. Named work running is what the window asks about before switching projects or closing.
    void setTaskName(const QString& name) { m_taskName = name; }
    QString taskName() const { return m_taskName; }
    bool stopRequested() const { return m_stop.stopRequested(); }

    // Returns false (and does nothing) while another call is running.
    template <typename T>
    bool start(Work<T> work, std::function<void(Result<T>)> done)
    {
        if (m_running) return false;
        auto outcome = std::make_shared<std::optional<Result<T>>>();
        m_stop = StopToken();
        const StopToken stop = m_stop;
        const Report report = [this](const QVariant& value) { post(value); };
        launch(
            [outcome, work = std::move(work), stop, report] {
                try {
                    outcome->emplace(work(stop, report));
                } catch (const std::exception& e) {
                    outcome->emplace(Error{ErrorCode::Internal, std::string("unexpected failure: ") + e.what()});
                } catch (...) {
                    outcome->emplace(Error{ErrorCode::Internal, "unexpected failure in a background task"});
                }
            },
            [outcome, done = std::move(done)] {
                if (done) done(std::move(**outcome));
            });
        return true;
    }

    // Runs `action` now when idle, else once the running work has finished (after its `done`); a later call
    // replaces an action still waiting. Used to restart work with new input after cancelling the old.
    void whenIdle(std::function<void()> action);

    // Blocks until the running work has finished (tests and shutdown only; `done` is not called).
    void waitForFinished();

Q_SIGNALS:
    void progressed(const QVariant& value);
    void runningChanged(bool running);

private:
    void launch(std::function<void()> body, std::function<void()> finish);
    void post(const QVariant& value);  // worker thread
    void deliver();
    void onFinished();

    QFutureWatcher<void> m_watcher;
    QString m_taskName;
    std::function<void()> m_finish;
    std::function<void()> m_next;
    StopToken m_stop;
    bool m_running = false;
    std::mutex m_mutex;
    QVariant m_latest;
    std::atomic<bool> m_posted{false};
};

// Wraps a Report as the ProgressFn core calls take.
ProgressFn progressReporter(const Job::Report& report);

}  // namespace lathe::ui

Q_DECLARE_METATYPE(lathe::Progress)
