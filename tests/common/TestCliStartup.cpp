#include "TestSupport.h"

#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

// `lathe` re-executes itself once so that libgomp starts with OMP_WAIT_POLICY=PASSIVE (see
// app/common/SleepingOpenMp.h). The running process's own environment, read from /proc while it waits on a Hub
// request that never gets an answer, shows which policy libgomp was loaded with.
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

    // OMP_WAIT_POLICY as the running `lathe` sees it, or "(unset)".
    static QByteArray policySeenBy(const QString& presetPolicy)
    {
        QTemporaryDir home;
        SilentServer silentHub;
        if (silentHub.port() == 0) return "listen failed";
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("OMP_WAIT_POLICY"));
        if (!presetPolicy.isEmpty()) env.insert(QStringLiteral("OMP_WAIT_POLICY"), presetPolicy);
        env.insert(QStringLiteral("HF_HOME"), home.path());
        env.insert(QStringLiteral("HF_TOKEN"), QStringLiteral("hf_startupTestToken"));
        env.insert(QStringLiteral("HF_ENDPOINT"), QStringLiteral("http://127.0.0.1:%1").arg(silentHub.port()));
        QProcess lathe;
        lathe.setProcessEnvironment(env);
        lathe.start(lathe::test::cliPath(), {QStringLiteral("whoami")});
        if (!lathe.waitForStarted(10000)) return "did not start";
        QByteArray policy = "no request reached the Hub";
        if (silentHub.waitForConnection(30000)) {
            QFile environ(QStringLiteral("/proc/%1/environ").arg(lathe.processId()));
            policy = "(unset)";
            if (environ.open(QIODevice::ReadOnly))
                for (const QByteArray& entry : environ.readAll().split('\0'))
                    if (entry.startsWith("OMP_WAIT_POLICY=")) policy = entry.mid(16);
        }
        lathe.kill();
        lathe.waitForFinished(10000);
        return policy;
    }

private Q_SLOTS:
    void openMpThreadsSleepUnlessTheUserChose()
    {
        QCOMPARE(policySeenBy({}), QByteArray("PASSIVE"));
        QCOMPARE(policySeenBy(QStringLiteral("ACTIVE")), QByteArray("ACTIVE"));
    }
};

QTEST_GUILESS_MAIN(TestCliStartup)
#include "TestCliStartup.moc"
