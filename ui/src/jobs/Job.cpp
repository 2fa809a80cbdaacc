#include "jobs/Job.h"

#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

namespace lathe::ui {

namespace {

// A pool of our own: downloads and calibration run for minutes and must not starve a search or a whoami
// queued behind them on Qt's global pool (sized to the core count).
QThreadPool* jobPool()
{
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool();
        p->setMaxThreadCount(8);
        return p;
    }();
    return pool;
}

}  // namespace

Job::Job(QObject* parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcher<void>::finished, this, &Job::onFinished);
}

Job::~Job()
{
    m_stop.requestStop();
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void Job::cancel()
{
    if (m_running) m_stop.requestStop();
}

void Job::abandon()
{
    m_next = nullptr;
    cancel();
}

void Job::whenIdle(std::function<void()> action)
{
    if (!m_running) {
        m_next = nullptr;
        action();
        return;
    }
    m_next = std::move(action);
}

void Job::waitForFinished()
{
    m_watcher.waitForFinished();
}

void Job::launch(std::function<void()> body, std::function<void()> finish)
{
    m_finish = std::move(finish);
    m_running = true;
    m_watcher.setFuture(QtConcurrent::run(jobPool(), std::move(body)));
    Q_EMIT runningChanged(true);
}

void Job::post(const QVariant& value)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_latest = value;
    }
    if (!m_posted.exchange(true)) QMetaObject::invokeMethod(this, &Job::deliver, Qt::QueuedConnection);
}

void Job::deliver()
{
    // Cleared before reading, so a report arriving meanwhile posts again instead of being lost.
    m_posted.store(false);
    QVariant value;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        value = m_latest;
    }
    Q_EMIT progressed(value);
}

void Job::onFinished()
{
    auto finish = std::move(m_finish);
    m_finish = nullptr;
    m_running = false;
    if (finish) finish();
    if (!m_running && m_next) {
        auto next = std::move(m_next);
        m_next = nullptr;
        next();
    }
    Q_EMIT runningChanged(m_running);
}

ProgressFn progressReporter(const Job::Report& report)
{
    return [report](const Progress& progress) { report(QVariant::fromValue(progress)); };
}

}  // namespace lathe::ui
