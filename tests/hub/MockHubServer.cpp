#include "MockHubServer.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QRegularExpression>

namespace lathe::test {

MockHubServer::MockHubServer(Options options) : m_options(std::move(options)) {}

MockHubServer::~MockHubServer() { stop(); }

QString MockHubServer::scriptDirectory() { return QStringLiteral(LATHE_MOCKHUB_DIR); }

QString MockHubServer::python() { return QStringLiteral("/usr/bin/python3"); }

bool MockHubServer::makeSyntheticModel(const QString& dir, QString* error)
{
    QProcess p;
    p.start(python(), {scriptDirectory() + QStringLiteral("/make_model.py"), dir});
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (error) *error = QString::fromUtf8(p.readAllStandardError());
        return false;
    }
    return true;
}

bool MockHubServer::start(QString* error)
{
    stop();
    QStringList args{scriptDirectory() + QStringLiteral("/mock_hub.py")};
    for (const Repo& r : m_options.repos) {
        const char* flag = r.kind == RepoKind::Gated ? "--gated-repo" : r.kind == RepoKind::Private ? "--private-repo" : "--repo";
        args << QString::fromLatin1(flag) << r.id + QLatin1Char('=') + r.dir;
    }
    for (const User& u : m_options.users)
        args << QStringLiteral("--user")
             << QStringList{u.token, u.name, u.tokenName.isEmpty() ? u.name : u.tokenName,
                            u.approved ? QStringLiteral("approved") : QStringLiteral("-")}
                    .join(QLatin1Char(':'));
    for (const Repo& r : m_options.datasetRepos) args << QStringLiteral("--dataset-repo") << r.id + QLatin1Char('=') + r.dir;
    for (const QString& r : m_options.renames) args << QStringLiteral("--rename") << r;
    args << QStringLiteral("--shards") << QString::number(m_options.shards) << QStringLiteral("--page-size")
         << QString::number(m_options.pageSize) << QStringLiteral("--extra-models")
         << QString::number(m_options.extraModels);

    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->start(python(), args);
    if (!m_process->waitForStarted(10000)) {
        if (error) *error = QStringLiteral("cannot start ") + python();
        m_process.reset();
        return false;
    }
    const QByteArray line = readLine(60000);
    const auto match = QRegularExpression(QStringLiteral("MOCKHUB hub=(\\d+) cdn=(\\d+)")).match(QString::fromLatin1(line));
    if (!match.hasMatch()) {
        if (error)
            *error = QStringLiteral("mock hub did not start: ") + QString::fromUtf8(line) +
                     QString::fromUtf8(m_process->readAllStandardError());
        stop();
        return false;
    }
    m_hubPort = match.captured(1).toInt();
    m_cdnPort = match.captured(2).toInt();
    return true;
}

void MockHubServer::stop()
{
    if (!m_process) return;
    if (m_process->state() == QProcess::Running) {
        m_process->write("quit\n");
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
    m_buffer.clear();
    m_hubPort = m_cdnPort = 0;
}

bool MockHubServer::isRunning() const { return m_process && m_process->state() == QProcess::Running; }

QString MockHubServer::endpoint() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_hubPort); }

QByteArray MockHubServer::readLine(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        const int nl = m_buffer.indexOf('\n');
        if (nl >= 0) {
            const QByteArray line = m_buffer.left(nl);
            m_buffer.remove(0, nl + 1);
            return line;
        }
        if (!m_process || deadline.hasExpired()) return {};
        if (m_process->bytesAvailable() == 0 && !m_process->waitForReadyRead(static_cast<int>(deadline.remainingTime())))
            return {};
        m_buffer += m_process->readAllStandardOutput();
    }
}

QJsonValue MockHubServer::command(const QString& line, int timeoutMs)
{
    if (!isRunning()) return {};
    m_process->write(line.toUtf8() + '\n');
    m_process->waitForBytesWritten(timeoutMs);
    for (;;) {
        const QByteArray reply = readLine(timeoutMs);
        if (reply.isEmpty()) return {};
        if (!reply.startsWith("REPLY ")) continue;
        const QJsonDocument doc = QJsonDocument::fromJson("[" + reply.mid(6) + "]");
        return doc.array().at(0);
    }
}

bool MockHubServer::configure(const QJsonObject& faults)
{
    const QByteArray json = QJsonDocument(faults).toJson(QJsonDocument::Compact);
    return command(QStringLiteral("config ") + QString::fromUtf8(json)).toObject().value(QStringLiteral("ok")).toBool();
}

bool MockHubServer::reset() { return command(QStringLiteral("reset")).toObject().value(QStringLiteral("ok")).toBool(); }

QJsonArray MockHubServer::requestLog() { return command(QStringLiteral("log")).toArray(); }

void MockHubServer::clearLog() { command(QStringLiteral("clearlog")); }

}  // namespace lathe::test
