// `lathe login/whoami/logout/search/download-model` as a user runs them, against the mock Hub.
#include "HubTestFixture.h"
#include "TestSupport.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace lathe::test;

class TestHubCli : public QObject {
    Q_OBJECT

    HubTestFixture m_fx;
    std::unique_ptr<QTemporaryDir> m_home;

    QStringList env(const QStringList& extra = {})
    {
        QStringList e{"HF_ENDPOINT=" + m_fx.server().endpoint(), "HF_HOME=" + m_home->filePath("hf"), "HF_TOKEN",
                      "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE",
                      "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_IMPLICIT_TOKEN"};
        return e + extra;
    }
    ProcessResult lathe(const QStringList& args, const QStringList& extra = {})
    {
        auto r = runCli(args, env(extra), 120000);
        // The token is never printed, whatever happens.
        for (const QString& t : {kAliceToken, kBobToken}) {
            if (r.out.contains(t.toLatin1()) || r.err.contains(t.toLatin1())) r.exitCode = 99;
        }
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_fx.setUp(&error, 3), qPrintable(error));
    }
    void init()
    {
        m_home = std::make_unique<QTemporaryDir>();
        QVERIFY(m_fx.server().reset());
    }

    void loginWhoamiLogout()
    {
        auto r = lathe({"login", "--token", kAliceToken});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("alice-laptop"));
        const QString hf = m_home->filePath("hf");
        QCOMPARE(readAll(hf + "/token"), kAliceToken.toLatin1());
        QCOMPARE(readAll(hf + "/stored_tokens"), "[alice-laptop]\nhf_token = " + kAliceToken.toLatin1() + "\n\n");
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(hf + "/token").constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        QCOMPARE(::stat(QFile::encodeName(hf).constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0700);

        r = lathe({"whoami"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("user:   alice"));
        QVERIFY(r.out.contains("from the token file " + (hf + "/token").toUtf8()));
        r = lathe({"whoami"}, {"HF_TOKEN=" + kBobToken});
        QVERIFY(r.out.contains("user:   bob"));
        QVERIFY(r.out.contains("from the HF_TOKEN environment variable"));

        r = lathe({"login", "--token", "hf_not_valid"});
        QCOMPARE(r.exitCode, 8);
        QVERIFY(r.err.contains("invalid or expired"));
        QCOMPARE(readAll(hf + "/token"), kAliceToken.toLatin1());  // untouched

        r = lathe({"logout"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!QFile::exists(hf + "/token"));
        r = lathe({"whoami"});
        QCOMPARE(r.exitCode, 8);
        QVERIFY(r.err.contains("not logged in"));
        // Every whoami call went to the endpoint; nothing else was contacted.
        QCOMPARE(m_fx.requests("cdn").size(), 0);
    }

    void searchPrintsTable()
    {
        auto r = lathe({"search", "tiny-model", "--limit", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[1].startsWith("mock-org/tiny-model-00"));
        QVERIFY(lines[2].startsWith("mock-org/tiny-model-01"));
        QVERIFY(lathe({"search", "x", "--limit", "0"}).exitCode != 0);
    }

    void downloadModelFromHub()
    {
        auto r = lathe({"download-model", "--repo_id", kGatedRepo, "--embedding", m_home->filePath("e.pt")});
        QCOMPARE(r.exitCode, 8);
        QVERIFY2(r.err.contains("accept its licence at " + (m_fx.server().endpoint() + "/" + kGatedRepo).toUtf8()), r.err.constData());
        r = lathe({"download-model", "--repo-id", kGatedRepo, "--embedding", m_home->filePath("e.pt")},
                  {"HF_TOKEN=" + kAliceToken});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo(m_home->filePath("e.pt")).size() > 512 * 64 * 4);
        // Offline, the same command works from the cache with no request at all.
        m_fx.server().clearLog();
        r = lathe({"download-model", "--repo_id", kGatedRepo, "--embedding", m_home->filePath("e2.pt")}, {"HF_HUB_OFFLINE=1"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(m_fx.server().requestLog().size(), 0);
        QCOMPARE(readAll(m_home->filePath("e.pt")), readAll(m_home->filePath("e2.pt")));
    }
};

QTEST_GUILESS_MAIN(TestHubCli)
#include "TestHubCli.moc"
