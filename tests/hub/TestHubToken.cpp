// Token lookup, HF paths, the `hf auth login` file format, and the cache-layout rules, without a server.
#include "common/PathUtil.h"
#include "hub/CacheLayout.h"
#include "hub/IniFile.h"
#include "hub/Retry.h"
#include "lathe/hub/HubConfig.h"
#include "lathe/hub/HubToken.h"
#include "lathe/hub/ModelLocator.h"

#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <sys/stat.h>

using namespace lathe;
using namespace lathe::hub;

namespace {

const char* kVars[] = {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "XDG_CACHE_HOME",
                       "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT", "HF_HUB_OFFLINE",
                       "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "LATHE_TEST_VAR"};

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

int modeOf(const QString& path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) return -1;
    return static_cast<int>(st.st_mode & 0777);
}

}  // namespace

class TestHubToken : public QObject {
    Q_OBJECT

    QByteArray m_home;

private Q_SLOTS:
    void initTestCase() { m_home = qgetenv("HOME"); }
    void init()
    {
        for (const char* v : kVars) qunsetenv(v);
        qputenv("HOME", m_home);
    }
    void cleanupTestCase() { init(); }

    void tokenLookupOrder()
    {
        QTemporaryDir dir;
        const QString tokenFile = dir.filePath(QStringLiteral("tok"));
        writeFile(tokenFile, " hf_file\n");
        qputenv("HF_TOKEN_PATH", tokenFile.toUtf8());
        auto t = findToken();
        QVERIFY(t.has_value());
        QCOMPARE(QString::fromStdString(t->value), QStringLiteral("hf_file"));
        QCOMPARE(t->source, TokenSource::File);
        QCOMPARE(QString::fromStdString(t->location), tokenFile);
        QVERIFY(QString::fromStdString(t->describe()).contains(tokenFile));

        qputenv("HUGGING_FACE_HUB_TOKEN", "hf_old\r\n");
        t = findToken();
        QCOMPARE(QString::fromStdString(t->value), QStringLiteral("hf_old"));
        QCOMPARE(t->source, TokenSource::EnvHuggingFaceHubToken);

        qputenv("HF_TOKEN", " hf_a\nb ");  // newlines removed, then trimmed (as Python's _clean_token)
        t = findToken();
        QCOMPARE(QString::fromStdString(t->value), QStringLiteral("hf_ab"));
        QCOMPARE(t->source, TokenSource::EnvHfToken);
        QCOMPARE(QString::fromStdString(t->describe()), QStringLiteral("the HF_TOKEN environment variable"));

        qputenv("HF_TOKEN", " \n ");  // blank wins over the file and means "no token", like Python
        QVERIFY(!findToken().has_value());
        qunsetenv("HF_TOKEN");
        qunsetenv("HUGGING_FACE_HUB_TOKEN");
        writeFile(tokenFile, "\n");
        QVERIFY(!findToken().has_value());
    }

    void homeAndCachePaths()
    {
        qputenv("HOME", "/home/ada");
        QCOMPARE(QString::fromStdString(hfHomeDirectory()), QStringLiteral("/home/ada/.cache/huggingface"));
        QCOMPARE(QString::fromStdString(tokenFilePath()), QStringLiteral("/home/ada/.cache/huggingface/token"));
        QCOMPARE(QString::fromStdString(storedTokensFilePath()),
                 QStringLiteral("/home/ada/.cache/huggingface/stored_tokens"));
        QCOMPARE(QString::fromStdString(hubCacheDirectory()), QStringLiteral("/home/ada/.cache/huggingface/hub"));
        qputenv("XDG_CACHE_HOME", "/xdg");
        QCOMPARE(QString::fromStdString(hfHomeDirectory()), QStringLiteral("/xdg/huggingface"));
        qputenv("HF_HOME", "~/hf");
        QCOMPARE(QString::fromStdString(hfHomeDirectory()), QStringLiteral("/home/ada/hf"));
        qputenv("LATHE_TEST_VAR", "/data");
        qputenv("HF_HOME", "$LATHE_TEST_VAR/hf-${LATHE_TEST_VAR}x");
        QCOMPARE(QString::fromStdString(hfHomeDirectory()), QStringLiteral("/data/hf-/datax"));
        qputenv("HF_HOME", "$LATHE_NO_SUCH_VAR/hf");  // unknown variables stay as written (posixpath.expandvars)
        QCOMPARE(QString::fromStdString(hfHomeDirectory()), QStringLiteral("$LATHE_NO_SUCH_VAR/hf"));
        qputenv("HF_HOME", "/h");
        qputenv("HUGGINGFACE_HUB_CACHE", "/old-cache");
        QCOMPARE(QString::fromStdString(hubCacheDirectory()), QStringLiteral("/old-cache"));
        qputenv("HF_HUB_CACHE", "~/new-cache");
        QCOMPARE(QString::fromStdString(hubCacheDirectory()), QStringLiteral("/home/ada/new-cache"));
        qputenv("HF_TOKEN_PATH", "/secrets/hf");
        QCOMPARE(QString::fromStdString(tokenFilePath()), QStringLiteral("/secrets/hf"));
        QCOMPARE(QString::fromStdString(storedTokensFilePath()), QStringLiteral("/secrets/stored_tokens"));
    }

    void endpointAndOfflineFromEnvironment()
    {
        qputenv("HF_ENDPOINT", "http://127.0.0.1:9/hub//");
        qputenv("HF_HUB_OFFLINE", "yEs");
        qputenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1");
        const HubConfig c = HubConfig::fromEnvironment();
        QCOMPARE(QString::fromStdString(c.endpoint), QStringLiteral("http://127.0.0.1:9/hub"));
        QVERIFY(c.offline);
        QVERIFY(!c.implicitToken);
        qunsetenv("HF_HUB_OFFLINE");
        qunsetenv("HF_ENDPOINT");
        qputenv("TRANSFORMERS_OFFLINE", "0");
        const HubConfig d = HubConfig::fromEnvironment();
        QVERIFY(!d.offline);
        QCOMPARE(QString::fromStdString(d.endpoint), QStringLiteral("https://huggingface.co"));
    }

    // The bytes `hf auth login --token T` leaves behind (configparser.write of sorted sections).
    void loginWritesHfFormat()
    {
        QTemporaryDir dir;
        const QString home = dir.filePath(QStringLiteral("hfhome"));
        qputenv("HF_HOME", home.toUtf8());
        QVERIFY(storeLogin("hf_abc", "work").ok());
        QCOMPARE(readAllBytes(home + "/token"), QByteArray("hf_abc"));
        QCOMPARE(readAllBytes(home + "/stored_tokens"), QByteArray("[work]\nhf_token = hf_abc\n\n"));
        QCOMPARE(modeOf(home + "/token"), 0600);
        QCOMPARE(modeOf(home + "/stored_tokens"), 0600);
        QCOMPARE(modeOf(home), 0700);

        writeFile(home + "/stored_tokens",
                  "[zeta]\nhf_token = z1\nrefresh_token = r1\nexpires_at = 123\n\n[work]\nhf_token = hf_abc\n\n");
        QVERIFY(storeLogin("hf_xyz\n", "personal").ok());
        QCOMPARE(readAllBytes(home + "/token"), QByteArray("hf_xyz"));
        QCOMPARE(readAllBytes(home + "/stored_tokens"),
                 QByteArray("[personal]\nhf_token = hf_xyz\n\n[work]\nhf_token = hf_abc\n\n"
                            "[zeta]\nhf_token = z1\nrefresh_token = r1\nexpires_at = 123\n\n"));
        QVERIFY(storeLogin("hf_w2", "work").ok());  // a section is replaced whole
        QCOMPARE(readAllBytes(home + "/stored_tokens"),
                 QByteArray("[personal]\nhf_token = hf_xyz\n\n[work]\nhf_token = hf_w2\n\n"
                            "[zeta]\nhf_token = z1\nrefresh_token = r1\nexpires_at = 123\n\n"));
        QVERIFY(!storeLogin("  ", "x").ok());
    }

    void logoutRemovesNamedThenAll()
    {
        QTemporaryDir dir;
        const QString home = dir.filePath(QStringLiteral("hfhome"));
        qputenv("HF_HOME", home.toUtf8());
        QVERIFY(storeLogin("hf_a", "a").ok());
        QVERIFY(storeLogin("hf_b", "b").ok());  // active token: hf_b
        auto r = removeLogin(std::string("a"));
        QVERIFY(r.ok());
        QCOMPARE(readAllBytes(home + "/token"), QByteArray("hf_b"));  // not the active one: file kept
        QCOMPARE(readAllBytes(home + "/stored_tokens"), QByteArray("[b]\nhf_token = hf_b\n\n"));
        QVERIFY(removeLogin(std::string("b")).ok());
        QVERIFY(!QFile::exists(home + "/token"));
        QCOMPARE(removeLogin(std::string("nobody")).error().code, ErrorCode::NotFound);
        QVERIFY(storeLogin("hf_c", "c").ok());
        QVERIFY(removeLogin(std::nullopt).ok());
        QVERIFY(!QFile::exists(home + "/token"));
        QVERIFY(!QFile::exists(home + "/stored_tokens"));
        QCOMPARE(removeLogin(std::nullopt).error().code, ErrorCode::NotFound);
    }

    void iniParsing()
    {
        auto ini = detail::IniFile::parse("# comment\n[A]\nHF_Token: x\n  more\n; c\n[b]\nk=v\n");
        QCOMPARE(int(ini.sections().size()), 2);
        QCOMPARE(QString::fromStdString(ini.sections()[0].entries[0].first), QStringLiteral("hf_token"));
        QCOMPARE(QString::fromStdString(ini.sections()[0].entries[0].second), QStringLiteral("x\nmore"));
        QCOMPARE(QByteArray::fromStdString(ini.serialize()), QByteArray("[A]\nhf_token = x\n\tmore\n\n[b]\nk = v\n\n"));
    }

    void safePathsAndRepoIds_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("safe");
        QTest::newRow("plain") << "config.json" << true;
        QTest::newRow("nested") << "sub/dir/model.safetensors" << true;
        QTest::newRow("dotdot") << "../evil.safetensors" << false;
        QTest::newRow("inner dotdot") << "a/../../x" << false;
        QTest::newRow("absolute") << "/etc/passwd" << false;
        QTest::newRow("backslash") << "a\\..\\x" << false;
        QTest::newRow("drive") << "C:x" << false;
        QTest::newRow("dot") << "./x" << false;
        QTest::newRow("empty segment") << "a//b" << false;
        QTest::newRow("empty") << "" << false;
    }
    void safePathsAndRepoIds()
    {
        QFETCH(QString, path);
        QFETCH(bool, safe);
        QCOMPARE(isSafeRelativePath(path.toStdString()), safe);
    }

    void repoIds()
    {
        QVERIFY(looksLikeRepoId("meta-llama/Llama-3.2-1B"));
        QVERIFY(looksLikeRepoId("gpt2"));
        QVERIFY(!looksLikeRepoId("a/b/c"));
        QVERIFY(!looksLikeRepoId("../x"));
        QVERIFY(!looksLikeRepoId("org--x/y"));
        QVERIFY(!looksLikeRepoId("/abs/dir"));
        QVERIFY(!looksLikeRepoId("org/"));
        QCOMPARE(QString::fromStdString(repoCacheFolderName("Org/Name")), QStringLiteral("models--Org--Name"));
        QCOMPARE(QString::fromStdString(repoCacheFolderName("gpt2")), QStringLiteral("models--gpt2"));
    }

    void refsAndRelativeSymlinks()
    {
        QTemporaryDir dir;
        const std::string commit(40, 'a');
        detail::CacheLayout layout(dir.path().toStdString(), "Org/Name");
        QVERIFY(layout.writeRef("main", commit).ok());
        QVERIFY(layout.writeRef("refs/pr/1", commit).ok());
        const QString repo = dir.filePath(QStringLiteral("models--Org--Name"));
        QCOMPARE(readAllBytes(repo + "/refs/main"), QByteArray(40, 'a'));  // no newline (#4133)
        QCOMPARE(readAllBytes(repo + "/refs/refs/pr/1"), QByteArray(40, 'a'));
        QCOMPARE(QString::fromStdString(*layout.readRef("main")), QString::fromStdString(commit));
        QVERIFY(!layout.readRef("other").has_value());

        writeFile(repo + "/blobs/e1", "one");
        writeFile(repo + "/blobs/e2", "two");
        QVERIFY(layout.linkPointer(commit, "config.json", "e1", true, false).ok());
        QVERIFY(layout.linkPointer(commit, "a/b/c.json", "e2", true, false).ok());
        const QString snap = repo + "/snapshots/" + QString::fromStdString(commit);
        QCOMPARE(QFileInfo(snap + "/config.json").symLinkTarget(), repo + "/blobs/e1");
        QCOMPARE(QString::fromStdString(std::filesystem::read_symlink((snap + "/config.json").toStdString()).string()),
                 QStringLiteral("../../blobs/e1"));
        QCOMPARE(QString::fromStdString(std::filesystem::read_symlink((snap + "/a/b/c.json").toStdString()).string()),
                 QStringLiteral("../../../../blobs/e2"));
        QCOMPARE(readAllBytes(snap + "/a/b/c.json"), QByteArray("two"));

        // Without symlinks a shared blob is copied and a new one moved.
        QVERIFY(layout.linkPointer(commit, "copy.json", "e1", false, true).ok());
        QVERIFY(!QFileInfo(snap + "/copy.json").isSymLink());
        QCOMPARE(readAllBytes(snap + "/copy.json"), QByteArray("one"));
        QVERIFY(QFile::exists(repo + "/blobs/e1"));
        writeFile(repo + "/blobs/e3", "three");
        QVERIFY(layout.linkPointer(commit, "moved.json", "e3", true, true).ok());
        QCOMPARE(readAllBytes(snap + "/moved.json"), QByteArray("three"));
        QVERIFY(!QFile::exists(repo + "/blobs/e3"));
    }

    void retryWaits()
    {
        RetrySettings s;
        detail::HttpResponse r;
        r.status = 503;
        QCOMPARE(detail::retryWaitSeconds(r, 0, s), 1.0);
        QCOMPARE(detail::retryWaitSeconds(r, 1, s), 2.0);
        QCOMPARE(detail::retryWaitSeconds(r, 2, s), 4.0);
        QCOMPARE(detail::retryWaitSeconds(r, 3, s), 8.0);
        QCOMPARE(detail::retryWaitSeconds(r, 4, s), 8.0);
        r.headers.items.emplace_back("retry-after", "7");
        QCOMPARE(detail::retryWaitSeconds(r, 0, s), 7.0);
        r.status = 429;
        r.headers.items.emplace_back("ratelimit", "\"api\";r=0;t=3");
        QCOMPARE(detail::retryWaitSeconds(r, 0, s), 4.0);
        r.headers.items.back().second = "\"api\";r=5;t=3";
        QCOMPARE(detail::retryWaitSeconds(r, 0, s), 7.0);
        QVERIFY(detail::isRetryable(r));
        r.status = 404;
        QVERIFY(!detail::isRetryable(r));
        r.transportError = true;
        QVERIFY(detail::isRetryable(r));
    }

private:
    static QByteArray readAllBytes(const QString& path) { return lathe::test::readAll(path); }
};

QTEST_GUILESS_MAIN(TestHubToken)
#include "TestHubToken.moc"
