// The model page against the mock Hub serving stories260K (public), a gated copy and a copy with an
// unsupported architecture: debounced search, details shown exactly as the Hub serves them, access and the
// request link for gated repos, the unsupported flag, download with progress into the HF cache, reuse of the
// cache, cancel, pause/resume from the partial file, and a local model folder.
#include "StudioHubSupport.h"
#include "TestSupport.h"
#include "lathe/project/Project.h"
#include "lathe/ui/MainWindow.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QTest>
#include <QUrlQuery>

#include <memory>

using namespace lathe::test;
using lathe::ui::MainWindow;

namespace {
const QString kStories = QStringLiteral("karpathy/stories260K");
const QString kGated = QStringLiteral("mock-org/gated-stories");
const QString kUnsupported = QStringLiteral("other/unsupported-stories");
const QString kAlice = QStringLiteral("hf_aliceTOKENaliceTOKEN");
const QString kBob = QStringLiteral("hf_bobTOKENbobTOKENbob");
const QString kSlowShard = QStringLiteral("model-00002-of-00003.safetensors");

QByteArray sha256(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return h.result().toHex();
}
}  // namespace

class TestStudioModel : public QObject {
    Q_OBJECT

    StudioSandbox m_sandbox;
    std::unique_ptr<MockHubServer> m_server;
    QString m_stories;

    template <typename T>
    static T* child(QWidget* root, const char* name)
    {
        return root->findChild<T*>(QLatin1String(name));
    }
    static QString text(QWidget* page, const char* name) { return child<QLabel>(page, name)->text(); }

    static void enterRepo(QWidget* page, const QString& repoId)
    {
        auto* repo = child<QLineEdit>(page, "repoIdEdit");
        repo->setFocus();
        repo->selectAll();
        QTest::keyClicks(repo, repoId);
        QTest::keyClick(repo, Qt::Key_Return);
    }

    // Details are shown once the id label no longer says "loading".
    static bool detailsShown(QWidget* page, const QString& repoId)
    {
        return text(page, "modelIdValue") == repoId && text(page, "revisionValue") != QStringLiteral("—");
    }

    QString blobsDir(const QString& repoId) const
    {
        return qEnvironmentVariable("HF_HOME") + QStringLiteral("/hub/models--") +
               QString(repoId).replace(QLatin1Char('/'), QStringLiteral("--")) + QStringLiteral("/blobs");
    }

    // The second shard of every download slowed down, so there is time to press buttons, into a cache of its own
    // (<sandbox>/<cacheName>, as HF_HOME).
    void slowDownloads(const QString& cacheName)
    {
        const QString home = m_sandbox.path(cacheName);
        QVERIFY(QDir().mkpath(home));
        qputenv("HF_HOME", home.toUtf8());
        QVERIFY(m_server->configure(QJsonObject{{QStringLiteral("throttle"), QJsonObject{{kSlowShard, 40000}}}}));
    }

    static void showStories(QWidget* page)
    {
        enterRepo(page, kStories);
        QTRY_VERIFY_WITH_TIMEOUT(detailsShown(page, kStories), 15000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_sandbox.setUp();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_stories = m_sandbox.path(QStringLiteral("work/stories260K"));
        const QString imported = importStories(m_stories);
        QVERIFY2(imported.isEmpty(), qPrintable(imported));
        // The same model with an architecture Lathe does not compile.
        const QString unsupported = m_sandbox.path(QStringLiteral("work/unsupported"));
        QVERIFY(QDir().mkpath(unsupported));
        for (const QString& name : QDir(m_stories).entryList(QDir::Files))
            QVERIFY(QFile::copy(m_stories + QLatin1Char('/') + name, unsupported + QLatin1Char('/') + name));
        QJsonObject config = QJsonDocument::fromJson(readAll(unsupported + QStringLiteral("/config.json"))).object();
        config[QStringLiteral("architectures")] = QJsonArray{QStringLiteral("GPT2LMHeadModel")};
        config[QStringLiteral("model_type")] = QStringLiteral("gpt2");
        QVERIFY(writeFile(unsupported + QStringLiteral("/config.json"), QJsonDocument(config).toJson()));

        MockHubServer::Options o;
        o.repos = {{kStories, m_stories, MockHubServer::RepoKind::Public},
                   {kGated, m_stories, MockHubServer::RepoKind::Gated},
                   {kUnsupported, unsupported, MockHubServer::RepoKind::Public}};
        o.users = {{kAlice, QStringLiteral("alice"), QStringLiteral("alice-laptop"), true},
                   {kBob, QStringLiteral("bob"), QStringLiteral("bob-read"), false}};
        const QString started = startStudioHub(m_sandbox, m_server, o);
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }

    void init()
    {
        QVERIFY(m_server->reset());
        qunsetenv("HF_TOKEN");
    }

    void searchAsYouTypeAndShowDetails()
    {
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        QVERIFY(page);
        auto* search = child<QLineEdit>(page, "modelSearchEdit");
        auto* results = child<QListWidget>(page, "searchResultsList");
        search->setFocus();
        QTest::keyClicks(search, QStringLiteral("stories"));
        QTRY_COMPARE_WITH_TIMEOUT(results->count(), 3, 15000);
        QTRY_VERIFY(child<QLabel>(page, "searchStatusLabel")->text() == QStringLiteral("3 models found."));

        // Debounced: one search for the whole word (plus its Link pages), none for "s", "st", ...
        int firstPages = 0;
        for (const auto& v : m_server->requestLog()) {
            const QJsonObject e = v.toObject();
            const QString path = e[QStringLiteral("path")].toString();
            if (e[QStringLiteral("server")].toString() != QStringLiteral("hub") ||
                !path.startsWith(QStringLiteral("/api/models?")))
                continue;
            const QUrlQuery query(path.section(QLatin1Char('?'), 1));
            QCOMPARE(query.queryItemValue(QStringLiteral("search")), QStringLiteral("stories"));
            if (!query.hasQueryItem(QStringLiteral("cursor"))) ++firstPages;
        }
        QCOMPARE(firstPages, 1);

        QListWidgetItem* item = nullptr;
        for (int i = 0; i < results->count(); ++i)
            if (results->item(i)->data(Qt::UserRole).toString() == kStories) item = results->item(i);
        QVERIFY(item);
        QTest::mouseClick(results->viewport(), Qt::LeftButton, {}, results->visualItemRect(item).center());
        QTRY_VERIFY_WITH_TIMEOUT(detailsShown(page, kStories), 15000);
        QCOMPARE(child<QLineEdit>(page, "repoIdEdit")->text(), kStories);

        QString error;
        const QJsonObject info = fetchJson(
            m_server->endpoint() + QStringLiteral("/api/models/") + kStories + QStringLiteral("?blobs=true"), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        qint64 size = 0;
        for (const auto& s : info[QStringLiteral("siblings")].toArray())
            size += s.toObject()[QStringLiteral("size")].toInteger();
        QVERIFY(size > 0);
        QCOMPARE(leadingCount(text(page, "parametersValue")),
                 info[QStringLiteral("safetensors")].toObject()[QStringLiteral("total")].toInteger());
        QCOMPARE(text(page, "architectureValue"),
                 info[QStringLiteral("config")].toObject()[QStringLiteral("architectures")].toArray().at(0).toString());
        QCOMPARE(text(page, "architectureSupportValue"), QStringLiteral("yes"));
        QCOMPARE(bytesInParentheses(text(page, "sizeOnDiskValue")), size);
        QCOMPARE(text(page, "licenseValue"),
                 info[QStringLiteral("cardData")].toObject()[QStringLiteral("license")].toString());
        QCOMPARE(text(page, "gatedValue"), QStringLiteral("no"));
        QCOMPARE(text(page, "accessValue"), QStringLiteral("granted (public)"));
        QCOMPARE(text(page, "revisionValue"), QStringLiteral("main → ") + info[QStringLiteral("sha")].toString());
        QCOMPARE(text(page, "cacheValue"), QStringLiteral("not downloaded"));
        QVERIFY(window.isWindowModified());
    }

    void gatedRepoShowsAccessAndRequestLink()
    {
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        enterRepo(page, kGated);
        QTRY_VERIFY_WITH_TIMEOUT(detailsShown(page, kGated), 15000);
        const QString link = m_server->endpoint() + QLatin1Char('/') + kGated;
        QCOMPARE(text(page, "gatedValue"), QStringLiteral("yes (approved by the authors)"));
        QCOMPARE(text(page, "accessValue"),
                 QStringLiteral("sign in on the Account page, then request access at <a href=\"%1\">%1</a>").arg(link));

        // With a token from the environment (read at each request): bob is not approved, alice is.
        qputenv("HF_TOKEN", kBob.toUtf8());
        QTest::mouseClick(child<QPushButton>(page, "modelInfoButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(
            text(page, "accessValue"),
            QStringLiteral("not approved for this account: request access at <a href=\"%1\">%1</a>").arg(link), 15000);
        qputenv("HF_TOKEN", kAlice.toUtf8());
        QTest::mouseClick(child<QPushButton>(page, "modelInfoButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(text(page, "accessValue"), QStringLiteral("granted"), 15000);
    }

    void unsupportedArchitectureIsFlagged()
    {
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        enterRepo(page, kUnsupported);
        QTRY_VERIFY_WITH_TIMEOUT(detailsShown(page, kUnsupported), 15000);
        QCOMPARE(text(page, "architectureValue"), QStringLiteral("GPT2LMHeadModel"));
        QCOMPARE(text(page, "architectureSupportValue"),
                 QStringLiteral("no: Lathe compiles LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
                                "Qwen3ForCausalLM, ExaoneForCausalLM, Exaone4ForCausalLM, not GPT2LMHeadModel"));
        QCOMPARE(child<QLabel>(page, "architectureSupportValue")->property("supported").toBool(), false);
    }

    void downloadIntoTheCacheThenReuseIt()
    {
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        showStories(page);
        auto* total = child<QProgressBar>(page, "totalProgressBar");
        QList<int> totals;
        connect(total, &QProgressBar::valueChanged, this, [&totals](int v) { totals << v; });
        QTest::mouseClick(child<QPushButton>(page, "downloadButton"), Qt::LeftButton);
        auto* status = child<QLabel>(page, "downloadStatusLabel");
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Downloaded ")), 30000);
        QVERIFY2(!totals.isEmpty() && totals.last() == 100,
                 qPrintable(QString::number(totals.value(totals.size() - 1))));
        QCOMPARE(child<QProgressBar>(page, "fileProgressBar")->value(), 100);
        // The last report came from the downloader: it names the last file of the transfer.
        const auto fileLine =
            QRegularExpression(QStringLiteral("^File (\\d+) of (\\d+): \\S+$")).match(text(page, "downloadFileLabel"));
        QVERIFY2(fileLine.hasMatch() && fileLine.captured(1) == fileLine.captured(2),
                 qPrintable(text(page, "downloadFileLabel")));

        QString error;
        const QJsonObject info = fetchJson(
            m_server->endpoint() + QStringLiteral("/api/models/") + kStories + QStringLiteral("?blobs=true"), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString snapshot = qEnvironmentVariable("HF_HOME") +
                                 QStringLiteral("/hub/models--karpathy--stories260K/snapshots/") +
                                 info[QStringLiteral("sha")].toString();
        QCOMPARE(text(page, "cacheValue"),
                 QStringLiteral("in the Hugging Face cache: ") + QDir::toNativeSeparators(snapshot));
        QCOMPARE(readAll(snapshot + QStringLiteral("/config.json")),
                 readAll(m_stories + QStringLiteral("/config.json")));
        QCOMPARE(readAll(snapshot + QStringLiteral("/tokenizer.model")),
                 readAll(m_stories + QStringLiteral("/tokenizer.model")));
        int shards = 0;
        for (const auto& s : info[QStringLiteral("siblings")].toArray()) {
            const QJsonObject sibling = s.toObject();
            const QString name = sibling[QStringLiteral("rfilename")].toString();
            if (!name.endsWith(QStringLiteral(".safetensors"))) continue;
            ++shards;
            QCOMPARE(sha256(snapshot + QLatin1Char('/') + name),
                     sibling[QStringLiteral("lfs")].toObject()[QStringLiteral("sha256")].toString().toLatin1());
        }
        QCOMPARE(shards, 3);
        // The later steps see the model and its context.
        QWidget* calibration = showStep(window, QStringLiteral("calibrationPage"));
        const QJsonObject config = QJsonDocument::fromJson(readAll(snapshot + QStringLiteral("/config.json"))).object();
        QCOMPARE(text(calibration, "calibModelLabel"),
                 QStringLiteral("Model: karpathy/stories260K — context %1 tokens, hidden size %2, vocabulary %3.")
                     .arg(config[QStringLiteral("max_position_embeddings")].toInt())
                     .arg(config[QStringLiteral("hidden_size")].toInt())
                     .arg(config[QStringLiteral("vocab_size")].toInt()));

        // Again: nothing is transferred.
        page = showStep(window, QStringLiteral("modelPage"));
        m_server->clearLog();
        QTest::mouseClick(child<QPushButton>(page, "downloadButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Already in the cache; nothing to download."), 15000);
        for (const auto& v : m_server->requestLog())
            QVERIFY2(v.toObject()[QStringLiteral("server")].toString() != QStringLiteral("cdn"),
                     "no CDN transfer for a cached model");

        // A fresh window finds the cached model from the project settings alone.
        const QString project = m_sandbox.path(QStringLiteral("work/cached.lathe"));
        QVERIFY(window.saveProjectAs(project));
        MainWindow reopened;
        QVERIFY(reopened.openProject(project));
        QWidget* reopenedPage = showStep(reopened, QStringLiteral("modelPage"));
        QTRY_COMPARE_WITH_TIMEOUT(text(reopenedPage, "cacheValue"),
                                  QStringLiteral("in the Hugging Face cache: ") + QDir::toNativeSeparators(snapshot),
                                  10000);
    }

    void cancelPauseAndResume()
    {
        const QString shard = kSlowShard;
        const QByteArray previousHome = qgetenv("HF_HOME");
        slowDownloads(QStringLiteral("hf-home-pause"));
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        showStories(page);
        auto* download = child<QPushButton>(page, "downloadButton");
        auto* pause = child<QPushButton>(page, "pauseDownloadButton");
        auto* cancel = child<QPushButton>(page, "cancelDownloadButton");
        auto* status = child<QLabel>(page, "downloadStatusLabel");
        auto* file = child<QProgressBar>(page, "fileProgressBar");
        auto inSlowShard = [&] { return text(page, "downloadFileLabel").endsWith(shard) && file->value() > 0; };

        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(inSlowShard(), 20000);
        QVERIFY(!download->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(
            status->text(), QStringLiteral("Cancelled. The partial file is kept; Download continues from it later."),
            10000);
        QVERIFY(download->isEnabled());

        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(inSlowShard(), 20000);
        QTest::mouseClick(pause, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(status->text(), QStringLiteral("Paused. Resume continues from the partial file."),
                                  10000);
        QCOMPARE(pause->text(), QStringLiteral("Res&ume"));
        QVERIFY(!download->isEnabled());
        qint64 partial = 0;
        for (QDirIterator it(blobsDir(kStories), QDir::Files); it.hasNext();) {
            const QString path = it.next();
            if (path.endsWith(QStringLiteral(".incomplete"))) partial = QFileInfo(path).size();
        }
        QVERIFY2(partial > 0, "pausing leaves the partial file");

        QVERIFY(m_server->reset());
        QTest::mouseClick(pause, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Downloaded ")), 30000);
        QCOMPARE(pause->text(), QStringLiteral("&Pause"));
        // The resumed transfer asked only for the rest of the shard.
        bool resumed = false;
        for (const auto& v : m_server->requestLog()) {
            const QJsonObject e = v.toObject();
            const QString range = e[QStringLiteral("headers")].toObject()[QStringLiteral("Range")].toString();
            if (e[QStringLiteral("server")].toString() == QStringLiteral("cdn") &&
                range.startsWith(QStringLiteral("bytes=")) &&
                range.section(QLatin1Char('='), 1).section(QLatin1Char('-'), 0, 0).toLongLong() >= partial)
                resumed = true;
        }
        QVERIFY2(resumed, "the download resumed from the partial file");
        for (QDirIterator it(blobsDir(kStories), QDir::Files); it.hasNext();)
            QVERIFY2(!it.next().endsWith(QStringLiteral(".incomplete")), "no partial file is left");
        qputenv("HF_HOME", previousHome);
    }

    void newOrOpenProjectDuringADownloadAsksFirst()
    {
        const QByteArray previousHome = qgetenv("HF_HOME");
        slowDownloads(QStringLiteral("hf-home-switch"));
        const QString other = m_sandbox.path(QStringLiteral("work/other.lathe"));
        lathe::project::ProjectSettings otherSettings;
        otherSettings.name = "other";
        otherSettings.model.repoId = "someone/else";
        QVERIFY(lathe::project::saveProject(otherSettings, other.toStdString()).ok());

        DialogAnswers answers;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        showStories(page);
        auto* download = child<QPushButton>(page, "downloadButton");
        auto* status = child<QLabel>(page, "downloadStatusLabel");
        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(text(page, "downloadFileLabel").endsWith(kSlowShard), 20000);
        const QString stopQuestion = QStringLiteral("Task running: The download is still running. Stop it and %1?");

        // Declined: nothing changes, the download goes on.
        answers.questionAnswer = QMessageBox::No;
        QVERIFY(!window.newProject());
        QVERIFY(!window.openProject(other));
        QCOMPARE(answers.questions, (QStringList{stopQuestion.arg(QStringLiteral("start a new project")),
                                                 stopQuestion.arg(QStringLiteral("open another project"))}));
        QVERIFY(!window.isSwitchingProject());
        QVERIFY(window.isProjectModified());
        QCOMPARE(child<QLineEdit>(page, "repoIdEdit")->text(), kStories);
        QVERIFY(!download->isEnabled());
        QVERIFY(child<QPushButton>(page, "cancelDownloadButton")->isEnabled());

        // Agreed (and the unsaved repo id discarded): the download is cancelled, then the other project opens.
        answers.questions.clear();
        answers.nextAnswers = {QMessageBox::Yes, QMessageBox::Discard};
        QVERIFY(window.openProject(other));
        QCOMPARE(answers.questions.size(), 2);
        QCOMPARE(answers.questions[0], stopQuestion.arg(QStringLiteral("open another project")));
        QVERIFY(answers.questions[1].startsWith(QStringLiteral("Unsaved changes: ")));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isSwitchingProject(), 10000);
        QCOMPARE(window.projectPath(), other);
        QCOMPARE(child<QLineEdit>(page, "repoIdEdit")->text(), QStringLiteral("someone/else"));
        QVERIFY(!window.isProjectModified());
        QVERIFY(status->text().isEmpty());
        QVERIFY(!child<QPushButton>(page, "cancelDownloadButton")->isEnabled());
        // Stopped, not left running: the partial shard stays as it was.
        auto partialSize = [&] {
            for (QDirIterator it(blobsDir(kStories), QDir::Files); it.hasNext();)
                if (const QString path = it.next(); path.endsWith(QStringLiteral(".incomplete")))
                    return QFileInfo(path).size();
            return qint64(-1);
        };
        const qint64 partial = partialSize();
        QVERIFY(partial > 0);
        QTest::qWait(500);
        QCOMPARE(partialSize(), partial);

        // Nothing runs now: a new project is made without a question.
        answers.questions.clear();
        QVERIFY(window.newProject());
        QTRY_VERIFY(!window.isSwitchingProject());  // the cache look-up of the opened project is stopped first
        QVERIFY(window.projectPath().isEmpty());
        QVERIFY(answers.questions.isEmpty());
        QVERIFY(m_server->reset());
        qputenv("HF_HOME", previousHome);
    }

    void localModelFolder()
    {
        DialogAnswers answers;
        answers.directoryPath = m_stories;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("modelPage"));
        child<QRadioButton>(page, "localSourceRadio")->setFocus();
        QTest::keyClick(child<QRadioButton>(page, "localSourceRadio"), Qt::Key_Space);
        QTest::mouseClick(child<QPushButton>(page, "localBrowseButton"), Qt::LeftButton);
        QCOMPARE(answers.fileDialogs, 1);
        QTRY_VERIFY_WITH_TIMEOUT(text(page, "parametersValue") != QStringLiteral("—"), 15000);

        // Independently: parameters from the safetensors header, size from the files.
        const QByteArray st = readAll(m_stories + QStringLiteral("/model.safetensors"));
        QVERIFY(st.size() > 8);
        qint64 headerLength = 0;
        for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | static_cast<unsigned char>(st[i]);
        const QJsonObject header = QJsonDocument::fromJson(st.mid(8, headerLength)).object();
        qint64 parameters = 0;
        for (auto it = header.begin(); it != header.end(); ++it) {
            if (it.key() == QStringLiteral("__metadata__")) continue;
            qint64 count = 1;
            for (const auto& d : it.value().toObject()[QStringLiteral("shape")].toArray()) count *= d.toInteger();
            parameters += count;
        }
        qint64 bytes = 0;
        for (const QFileInfo& fi : QDir(m_stories).entryInfoList(QDir::Files)) bytes += fi.size();
        QCOMPARE(leadingCount(text(page, "parametersValue")), parameters);
        QCOMPARE(bytesInParentheses(text(page, "sizeOnDiskValue")), bytes);
        QCOMPARE(text(page, "architectureValue"), QStringLiteral("LlamaForCausalLM"));
        QCOMPARE(text(page, "architectureSupportValue"), QStringLiteral("yes"));

        // A folder that is not a model is explained on the page.
        answers.directoryPath = m_sandbox.path(QStringLiteral("settings"));
        QTest::mouseClick(child<QPushButton>(page, "localBrowseButton"), Qt::LeftButton);
        auto* error = child<QLabel>(page, "modelErrorLabel");
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 15000);
        QVERIFY2(error->text().contains(m_sandbox.path(QStringLiteral("settings"))), qPrintable(error->text()));
    }
};

QTEST_MAIN(TestStudioModel)
#include "TestStudioModel.moc"
