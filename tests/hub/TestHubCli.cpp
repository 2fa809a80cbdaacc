// `lathe login/whoami/logout/search/download-model` as a user runs them, against the mock Hub.
#include "HubTestFixture.h"
#include "TestSupport.h"

#include <QDir>
#include <QRegularExpression>
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
    // The flow a user follows with a real model: download stories260K from the Hub with its embedding, then generate
    // from the cached snapshot by repo id — online, and again offline with no request at all.
    void downloadThenGenerateFromCache()
    {
        QTemporaryDir work;
        const QString imported = work.filePath("stories260K");
        auto r = lathe({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                        sharedData("models/stories260K/tok512.model"), "--out", imported});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        MockHubServer::Options o;
        o.repos = {{QStringLiteral("karpathy/stories260K"), imported, MockHubServer::RepoKind::Public}};
        MockHubServer server(o);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QStringList e = env();
        e.replaceInStrings(QRegularExpression("^HF_ENDPOINT=.*"), "HF_ENDPOINT=" + server.endpoint());
        auto run = [&](const QStringList& args, const QStringList& extra = {}) { return runCli(args, e + extra, 120000); };

        r = run({"download-model", "--repo_id", "karpathy/stories260K", "--embedding", work.filePath("e.pt")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = run({"download-model", "--repo_id", imported, "--embedding", work.filePath("local.pt")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(readAll(work.filePath("e.pt")), readAll(work.filePath("local.pt")));

        const QStringList gen = {"generate", "--model_path", "karpathy/stories260K", "--prompt", "Once upon a time",
                                 "--max-new-tokens", "20", "--greedy"};
        r = run(gen);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.startsWith(", there was a little girl named Lily."), r.out.constData());
        server.clearLog();
        auto offline = run(gen, {"HF_HUB_OFFLINE=1"});
        QVERIFY2(offline.exitCode == 0, offline.err.constData());
        QCOMPARE(offline.out, r.out);
        QCOMPARE(server.requestLog().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestHubCli)
#include "TestHubCli.moc"
