#include "TestSupport.h"

#include <QFile>
#include <QMap>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

// `lathe` re-executes itself once so that libgomp starts with OMP_WAIT_POLICY=PASSIVE and OpenBLAS with
// OPENBLAS_THREAD_TIMEOUT=4 (see app/common/SleepingOpenMp.h). The running process's own environment, read from /proc
// while it waits on a Hub request that never gets an answer, shows which policy libgomp was loaded with.
namespace {

// A loopback listener that accepts connections and never answers.
class SilentServer {
public:
    SilentServer()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(m_fd, 4) != 0 ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            return;
        m_port = ntohs(addr.sin_port);
    }
    ~SilentServer()
    {
        if (m_client >= 0) ::close(m_client);
        if (m_fd >= 0) ::close(m_fd);
    }
    int port() const { return m_port; }
    bool waitForConnection(int timeoutMs)
    {
        pollfd p{m_fd, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) != 1) return false;
        m_client = ::accept(m_fd, nullptr, nullptr);
        return m_client >= 0;
    }

private:
    int m_fd = -1;
    int m_client = -1;
    int m_port = 0;
};

}  // namespace

class TestCliStartup : public QObject {
    Q_OBJECT

    // OMP_WAIT_POLICY and OPENBLAS_THREAD_TIMEOUT as the running `lathe` sees them ("(unset)" when absent), started
    // with `preset` on top of an environment without either.
    static QMap<QByteArray, QByteArray> threadSettingsSeenBy(const QMap<QString, QString>& preset)
    {
        const QList<QByteArray> names{"OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT"};
        QMap<QByteArray, QByteArray> seen;
        QTemporaryDir home;
        SilentServer silentHub;
        if (silentHub.port() == 0) return {{"error", "listen failed"}};
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QByteArray& name : names) env.remove(QString::fromLatin1(name));
        for (auto it = preset.begin(); it != preset.end(); ++it) env.insert(it.key(), it.value());
        env.insert(QStringLiteral("HF_HOME"), home.path());
        env.insert(QStringLiteral("HF_TOKEN"), QStringLiteral("hf_startupTestToken"));
        env.insert(QStringLiteral("HF_ENDPOINT"), QStringLiteral("http://127.0.0.1:%1").arg(silentHub.port()));
        QProcess lathe;
        lathe.setProcessEnvironment(env);
        lathe.start(lathe::test::cliPath(), {QStringLiteral("whoami")});
        if (!lathe.waitForStarted(10000)) return {{"error", "did not start"}};
        if (silentHub.waitForConnection(30000)) {
            QFile environ(QStringLiteral("/proc/%1/environ").arg(lathe.processId()));
            for (const QByteArray& name : names) seen[name] = "(unset)";
            if (environ.open(QIODevice::ReadOnly))
                for (const QByteArray& entry : environ.readAll().split('\0'))
                    for (const QByteArray& name : names)
                        if (entry.startsWith(name + '=')) seen[name] = entry.mid(name.size() + 1);
        } else {
            seen["error"] = "no request reached the Hub";
        }
        lathe.kill();
        lathe.waitForFinished(10000);
        return seen;
    }

private Q_SLOTS:
    void threadsSleepUnlessTheUserChose()
    {
        using Seen = QMap<QByteArray, QByteArray>;
        QCOMPARE(threadSettingsSeenBy({}), (Seen{{"OMP_WAIT_POLICY", "PASSIVE"}, {"OPENBLAS_THREAD_TIMEOUT", "4"}}));
        // A wait policy of the user's own: no re-exec, nothing changed.
        QCOMPARE(threadSettingsSeenBy({{QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("ACTIVE")}}),
                 (Seen{{"OMP_WAIT_POLICY", "ACTIVE"}, {"OPENBLAS_THREAD_TIMEOUT", "(unset)"}}));
        // An OpenBLAS timeout of the user's own is kept.
        QCOMPARE(threadSettingsSeenBy({{QStringLiteral("OPENBLAS_THREAD_TIMEOUT"), QStringLiteral("10")}}),
                 (Seen{{"OMP_WAIT_POLICY", "PASSIVE"}, {"OPENBLAS_THREAD_TIMEOUT", "10"}}));
    }
};

QTEST_GUILESS_MAIN(TestCliStartup)
#include "TestCliStartup.moc"
