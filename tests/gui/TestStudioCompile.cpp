// The whole wizard end to end against the mock Hub: sign in, search and pick stories260K, download it, calibrate
// two languages, compile w4v8 — cancelled at a fixed point first (no output under a final name, the finished
// layer kept), then resumed to the end. The charts must hold exactly report.json's values (read here with Qt's
// own JSON parser), tooltips show them, exports are checked by decoding them, the perplexity comparison equals
// `lathe eval --compare`, generation equals `lathe generate`, and `lathe run-project` on the saved project gives
// the same bytes.
#include "StudioHubSupport.h"
#include "TestSupport.h"
#include "lathe/ui/MainWindow.h"
#include "lathe/ui/WorkerHooks.h"

#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSemaphore>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <atomic>
#include <cmath>
#include <memory>

using namespace lathe::test;
using lathe::ui::MainWindow;

namespace {
const QString kStories = QStringLiteral("karpathy/stories260K");
const QString kAlice = QStringLiteral("hf_aliceTOKENaliceTOKEN");
const QStringList kProjections = {"q_proj",    "k_proj",  "v_proj",    "o_proj",
                                  "gate_proj", "up_proj", "down_proj", "lm_head"};
// CompilePage's stage states (the "stageState" property of each stage's progress bar).
constexpr int kWaiting = 0, kDone = 2, kResumed = 3;

QJsonObject readJson(const QString& path)
{
    return QJsonDocument::fromJson(readAll(path)).object();
}

// Expected chart content from report.json: projection → points (layer, value), lm_head at x = layers.
QMap<QString, QList<QPointF>> expectedSeries(const QJsonObject& report, const QString& field, double scale)
{
    const int layers = report[QStringLiteral("blocks")].toArray().size();
    QMap<QString, QList<QPointF>> out;
    for (const auto& v : report[QStringLiteral("linears")].toArray()) {
        const QJsonObject row = v.toObject();
        const int layer = row[QStringLiteral("layer")].toInt();
        out[row[QStringLiteral("projection")].toString()]
            << QPointF(layer < 0 ? layers : layer, row[field].toDouble() * scale);
    }
    return out;
}

// Exact comparison (QPointF's == is fuzzy); points in increasing layer order, as a graph keeps them.
QString compareSeries(const QVariantMap& chart, const QMap<QString, QList<QPointF>>& expected)
{
    const QStringList chartKeys = chart.keys(), expectedKeys = expected.keys();
    if (QSet<QString>(chartKeys.begin(), chartKeys.end()) != QSet<QString>(expectedKeys.begin(), expectedKeys.end()))
        return QStringLiteral("series %1 instead of %2").arg(chart.keys().join(','), expected.keys().join(','));
    for (auto it = expected.cbegin(); it != expected.cend(); ++it) {
        QList<QPointF> want = it.value();
        std::sort(want.begin(), want.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
        const QVariantList got = chart.value(it.key()).toList();
        if (got.size() != want.size())
            return QStringLiteral("%1: %2 points instead of %3").arg(it.key()).arg(got.size()).arg(want.size());
        for (int i = 0; i < want.size(); ++i) {
            const QPointF p = got[i].toPointF();
            if (p.x() != want[i].x() || p.y() != want[i].y())
                return QStringLiteral("%1 point %2: (%3, %4) instead of (%5, %6)")
                    .arg(it.key())
                    .arg(i)
                    .arg(p.x(), 0, 'g', 17)
                    .arg(p.y(), 0, 'g', 17)
                    .arg(want[i].x(), 0, 'g', 17)
                    .arg(want[i].y(), 0, 'g', 17);
        }
    }
    return {};
}

// The safetensors header (JSON) and everything after it.
bool splitSafetensors(const QByteArray& bytes, QJsonObject* header, QByteArray* data)
{
    if (bytes.size() < 8) return false;
    quint64 length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<quint8>(bytes[i]);
    if (length > static_cast<quint64>(bytes.size() - 8)) return false;
    *header = QJsonDocument::fromJson(bytes.mid(8, static_cast<qsizetype>(length))).object();
    *data = bytes.mid(8 + static_cast<qsizetype>(length));
    return !header->isEmpty();
}
}  // namespace

class TestStudioCompile : public QObject {
    Q_OBJECT

    StudioSandbox m_sandbox;
    std::unique_ptr<MockHubServer> m_server;
    std::unique_ptr<DialogAnswers> m_answers;
    std::unique_ptr<MainWindow> m_window;
    QString m_snapshot, m_output, m_project, m_text;
    // Where the compile worker waits for the cancel test.
    struct Pause {
        std::atomic<bool> paused{false};
        QSemaphore release;
    };
    std::shared_ptr<Pause> m_pause = std::make_shared<Pause>();
    int m_layers = 0;

    template <typename T>
    T* child(const char* name)
    {
        T* widget = m_window->findChild<T*>(QLatin1String(name));
        if (!widget) qWarning("no widget %s", name);
        return widget;
    }
    QString text(const char* name) { return child<QLabel>(name)->text(); }
    QString compiled() const { return m_output + QStringLiteral("/stories260K-w4v8.compiled.safetensors"); }
    QString report() const { return compiled() + QStringLiteral(".report.json"); }
    QString rotatedEmbedding() const { return m_output + QStringLiteral("/embedding_rotated.pt"); }

    // The "stageState" of the compile page's stage rows [from, to).
    QList<int> stageStates(int from, int to)
    {
        QList<int> states;
        for (int row = from; row < to; ++row)
            states << child<QProgressBar>(qPrintable(QStringLiteral("stageProgress%1").arg(row)))
                          ->property("stageState")
                          .toInt();
        return states;
    }

    void click(const char* name)
    {
        auto* button = child<QAbstractButton>(name);
        QVERIFY2(button && button->isEnabled(), name);
        QTest::mouseClick(button, Qt::LeftButton);
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = setUpStoriesAndWikipedia(m_sandbox);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QString stories = m_sandbox.path(QStringLiteral("work/stories260K"));
        m_layers = readJson(stories + QStringLiteral("/config.json"))[QStringLiteral("num_hidden_layers")].toInt();
        QCOMPARE(m_layers, 5);
        const QString wiki = m_sandbox.path(QStringLiteral("work/wiki"));

        MockHubServer::Options o;
        o.repos = {{kStories, stories, MockHubServer::RepoKind::Public}};
        o.users = {{kAlice, QStringLiteral("alice"), QStringLiteral("alice-laptop"), true}};
        o.datasetRepos = {{QStringLiteral("wikimedia/wikipedia"), wiki + QStringLiteral("/dataset")}};
        const QString started = startStudioHub(m_sandbox, m_server, o);
        QVERIFY2(started.isEmpty(), qPrintable(started));
        m_output = m_sandbox.path(QStringLiteral("work/output"));
        m_project = m_sandbox.path(QStringLiteral("work/stories.lathe"));

        // The perplexity text: the first stories of TinyStories' validation split, cut at a line end.
        QByteArray validation =
            readAll(sharedData(QStringLiteral("text/tinystories/tinystories_validation_first1000.txt")));
        QVERIFY(validation.size() > 40000);
        validation.truncate(validation.indexOf('\n', 30000) + 1);
        m_text = m_sandbox.path(QStringLiteral("work/validation.txt"));
        QVERIFY(writeFile(m_text, validation));

        m_answers = std::make_unique<DialogAnswers>();
        m_window = std::make_unique<MainWindow>();
        m_window->show();
    }

    void cleanupTestCase()
    {
        lathe::ui::setWorkerHooks({});
        m_pause->release.release(1000);  // never leave a worker waiting on a failed test
        m_window.reset();
        m_answers.reset();
    }

    void signInSearchAndDownload()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("projectPage")));
        typeInto(child<QLineEdit>("outputDirEdit"), m_output);

        QVERIFY(showStep(*m_window, QStringLiteral("accountPage")));
        child<QLineEdit>("tokenEdit")->setFocus();
        QTest::keyClicks(child<QLineEdit>("tokenEdit"), kAlice);
        click("signInButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("accountUserValue").startsWith(QStringLiteral("alice")), 15000);

        QVERIFY(showStep(*m_window, QStringLiteral("modelPage")));
        auto* search = child<QLineEdit>("modelSearchEdit");
        auto* results = child<QListWidget>("searchResultsList");
        search->setFocus();
        QTest::keyClicks(search, QStringLiteral("stories"));
        QListWidgetItem* item = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (int i = 0; i < results->count(); ++i)
                    if (results->item(i)->data(Qt::UserRole).toString() == kStories) item = results->item(i);
                return item != nullptr;
            }(),
            15000);
        QTest::mouseClick(results->viewport(), Qt::LeftButton, {}, results->visualItemRect(item).center());
        QString error;
        m_snapshot = downloadShownModel(m_window.get(), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(QFileInfo(m_snapshot + QStringLiteral("/config.json")).isFile());
    }

    void calibrateTwoLanguages()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("calibrationPage")));
        auto* languages = child<QListWidget>("languageList");
        for (int i = 0; i < languages->count(); ++i) {
            QListWidgetItem* item = languages->item(i);
            if (item->data(Qt::UserRole).toString() != QStringLiteral("ja")) continue;
            languages->setFocus();
            languages->setCurrentItem(item);
            QTest::keyClick(languages, Qt::Key_Space);
        }
        typeInto(child<QSpinBox>("minSeqLenSpin"), QStringLiteral("32"));
        typeInto(child<QSpinBox>("maxSeqLenSpin"), QStringLiteral("128"));
        typeInto(child<QSpinBox>("samplesSpin"), QStringLiteral("4"));
        click("runCalibrationButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("calibStatusLabel").startsWith(QStringLiteral("Done")) ||
                                     child<QLabel>("calibErrorLabel")->isVisible(),
                                 120000);
        QCOMPARE(text("calibStatusLabel"), QStringLiteral("Done: 8 samples."));
    }

    void cancelMidCompileLeavesNoOutput()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("quantizationPage")));
        QCOMPARE(child<QComboBox>("bitModeCombo")->currentData().toString(), QStringLiteral("w4v8"));
        QVERIFY(showStep(*m_window, QStringLiteral("compilePage")));
        QVERIFY2(child<QLabel>("compileValidationLabel")->isHidden(), qPrintable(text("compileValidationLabel")));

        // The worker stops at the first report of the second layer (the first is finished and saved by then)
        // until the test has pressed Cancel.
        const QString secondLayer = QStringLiteral("layer 2/%1").arg(m_layers);
        auto pause = m_pause;
        lathe::ui::setWorkerHooks({[pause, secondLayer](const lathe::Progress& p) {
            if (QString::fromStdString(p.stage) == secondLayer && !pause->paused.exchange(true))
                pause->release.acquire();
        }});
        m_answers->savePath = m_project;  // an untitled project is saved when the compile starts
        const int dialogs = m_answers->fileDialogs;
        click("compileButton");
        QCOMPARE(m_answers->fileDialogs, dialogs + 1);
        QCOMPARE(m_window->projectPath(), m_project);
        QVERIFY(QFileInfo(m_project).isFile());
        QVERIFY(!m_window->isProjectModified());
        QTRY_VERIFY_WITH_TIMEOUT(m_pause->paused.load(), 60000);

        // The GUI stays live while the worker waits: the first layer's rows are on the live chart.
        auto* live = m_window->findChild<QWidget*>(QStringLiteral("liveSqnrChart"));
        QVERIFY(live);
        QTRY_COMPARE(live->property("rowCount").toInt(), 7);
        for (const QVariant& points : live->property("seriesData").toMap()) {
            for (const QVariant& p : points.toList()) QCOMPARE(p.toPointF().x(), 0.0);
        }
        QTRY_COMPARE(child<QProgressBar>("stageProgress1")->property("stageState").toInt(), kDone);
        QVERIFY(!child<QPushButton>("compileButton")->isEnabled());
        QElapsedTimer cancelTime;
        cancelTime.start();
        click("cancelCompileButton");
        m_pause->release.release();
        QTRY_VERIFY_WITH_TIMEOUT(text("compileStatusLabel").startsWith(QStringLiteral("Cancelled")), 20000);
        const qint64 cancelMs = cancelTime.elapsed();
        qInfo("cancel took %lld ms", cancelMs);
        QVERIFY2(cancelMs < 5000, qPrintable(QString::number(cancelMs)));
        QCOMPARE(text("compileStatusLabel"), QStringLiteral("Cancelled. No output was written. Finished layers kept: "
                                                            "1; compiling again continues from layer 2."));
        QCOMPARE(child<QProgressBar>("stageProgress2")->property("stageState").toInt(), kWaiting);

        // Nothing under a final name: only the inputs and the compile's work folder.
        QStringList entries = QDir(m_output).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        entries.sort();
        QCOMPARE(entries, (QStringList{QStringLiteral("calib"), QStringLiteral("embedding.pt"),
                                       QStringLiteral("stories260K-w4v8.compiled.safetensors.work")}));
        lathe::ui::setWorkerHooks({});
    }

    void resumeToTheEnd()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("compilePage")));
        const int questions = m_answers->questions.size();
        click("compileButton");  // nothing compiled yet: no question
        QTRY_VERIFY_WITH_TIMEOUT(text("compileStatusLabel").startsWith(QStringLiteral("Compiled")) ||
                                     child<QLabel>("compileErrorLabel")->isVisible(),
                                 120000);
        QVERIFY2(!child<QLabel>("compileErrorLabel")->isVisible(), qPrintable(text("compileErrorLabel")));
        QCOMPARE(m_answers->questions.size(), questions);
        QVERIFY2(text("compileStatusLabel").endsWith(QStringLiteral("Layers taken from the interrupted run: 1.")),
                 qPrintable(text("compileStatusLabel")));
        QCOMPARE(child<QProgressBar>("stageProgress1")->property("stageState").toInt(), kResumed);
        QCOMPARE(stageStates(2, m_layers + 3), QList<int>(m_layers + 1, kDone));
        QCOMPARE(child<QProgressBar>("compileProgressBar")->value(),
                 child<QProgressBar>("compileProgressBar")->maximum());
        QVERIFY(child<QPlainTextEdit>("compileLog")->toPlainText().contains(QStringLiteral("layer 5/5")));
        QVERIFY(QFileInfo(compiled()).isFile());
        QVERIFY(QFileInfo(report()).isFile());
        QVERIFY(!QFileInfo::exists(compiled() + QStringLiteral(".work")));
        QVERIFY(text("compileOutputsLabel").contains(QDir::toNativeSeparators(compiled())));

        // The live chart (resumed layer included) holds exactly report.json's propagated SQNRs.
        const QJsonObject json = readJson(report());
        auto* live = m_window->findChild<QWidget*>(QStringLiteral("liveSqnrChart"));
        const QString mismatch = compareSeries(live->property("seriesData").toMap(),
                                               expectedSeries(json, QStringLiteral("sqnr_propagated_db"), 1.0));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }

    void reopeningShowsTheFinishedCompile()
    {
        QVERIFY(!m_window->isProjectModified());
        auto* live = m_window->findChild<QWidget*>(QStringLiteral("liveSqnrChart"));
        QVERIFY(m_window->newProject());
        QTRY_VERIFY(!m_window->isSwitchingProject());  // look-ups still running are stopped first
        QCOMPARE(live->property("rowCount").toInt(), 0);
        QCOMPARE(child<QTableWidget>("stageTable")->rowCount(), 0);

        QVERIFY(m_window->openProject(m_project));
        QTRY_VERIFY(!m_window->isSwitchingProject());
        QVERIFY(showStep(*m_window, QStringLiteral("compilePage")));
        const QJsonObject json = readJson(report());
        QTRY_COMPARE_WITH_TIMEOUT(live->property("rowCount").toInt(), m_layers * 7 + 1, 10000);
        const QString mismatch = compareSeries(live->property("seriesData").toMap(),
                                               expectedSeries(json, QStringLiteral("sqnr_propagated_db"), 1.0));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        QCOMPARE(child<QTableWidget>("stageTable")->rowCount(), m_layers + 3);
        QCOMPARE(stageStates(0, m_layers + 3), QList<int>(m_layers + 3, kDone));
        QCOMPARE(child<QProgressBar>("compileProgressBar")->value(),
                 child<QProgressBar>("compileProgressBar")->maximum());
        QCOMPARE(text("compileStatusLabel"),
                 QStringLiteral("Compiled earlier: %1 layers, 8 calibration samples (%2 tokens), final KL divergence "
                                "%3 nats.")
                     .arg(m_layers)
                     .arg(QLocale(QLocale::English, QLocale::UnitedStates)
                              .toString(json[QStringLiteral("calib_tokens")].toInteger()))
                     .arg(json[QStringLiteral("final_kl_divergence")].toDouble(), 0, 'g', 4));
        // The model is found again in the cache, so the later steps can run.
        QTRY_VERIFY_WITH_TIMEOUT(child<QPushButton>("compileButton")->isEnabled(), 15000);
    }

    void resultsChartsHoldTheReport()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        const QJsonObject json = readJson(report());
        const QJsonArray linears = json[QStringLiteral("linears")].toArray();
        QCOMPARE(linears.size(), m_layers * 7 + 1);
        auto* sqnr = m_window->findChild<QWidget*>(QStringLiteral("sqnrChart"));
        QVERIFY(sqnr);
        QTRY_COMPARE(sqnr->property("rowCount").toInt(), linears.size());
        const QVariantMap isolated = sqnr->property("seriesData").toMap();
        QCOMPARE(isolated.keys().size(), kProjections.size());
        for (const QString& p : kProjections)
            QCOMPARE(isolated.value(p).toList().size(), p == QStringLiteral("lm_head") ? 1 : m_layers);
        QString mismatch = compareSeries(isolated, expectedSeries(json, QStringLiteral("sqnr_isolated_db"), 1.0));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));

        // The three lowest isolated SQNRs are the ones marked.
        QList<QPair<double, QString>> ranked;
        for (const auto& v : linears) {
            const QJsonObject r = v.toObject();
            const int layer = r[QStringLiteral("layer")].toInt();
            const QString name =
                layer < 0 ? r[QStringLiteral("projection")].toString()
                          : QStringLiteral("layer %1 %2").arg(layer).arg(r[QStringLiteral("projection")].toString());
            ranked << qMakePair(r[QStringLiteral("sqnr_isolated_db")].toDouble(), name);
        }
        std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        QCOMPARE(sqnr->property("worstPoints").toStringList(),
                 (QStringList{ranked[0].second, ranked[1].second, ranked[2].second}));

        click("sqnrPropagatedRadio");
        mismatch = compareSeries(sqnr->property("seriesData").toMap(),
                                 expectedSeries(json, QStringLiteral("sqnr_propagated_db"), 1.0));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        click("sqnrIsolatedRadio");
        mismatch = compareSeries(sqnr->property("seriesData").toMap(),
                                 expectedSeries(json, QStringLiteral("sqnr_isolated_db"), 1.0));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));

        auto* clip = m_window->findChild<QWidget*>(QStringLiteral("clipChart"));
        mismatch = compareSeries(clip->property("seriesData").toMap(),
                                 expectedSeries(json, QStringLiteral("activation_clip_rate"), 100.0));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        QVERIFY(text("resultsSummaryLabel").startsWith(QStringLiteral("stories260K — w4v8, gptq weights")));
    }

    void tooltipsShowTheValues()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        child<QTabWidget>("resultsTabs")->setCurrentIndex(0);
        auto* sqnr = m_window->findChild<QWidget*>(QStringLiteral("sqnrChart"));
        auto* plot = m_window->findChild<QWidget*>(QStringLiteral("sqnrChartPlot"));
        QVERIFY(sqnr && plot);
        QTest::qWait(50);  // the first replot lays the axes out
        const QJsonArray linears = readJson(report())[QStringLiteral("linears")].toArray();
        for (const auto& v : linears) {
            const QJsonObject r = v.toObject();
            const int layer = r[QStringLiteral("layer")].toInt();
            const QString projection = r[QStringLiteral("projection")].toString();
            QPoint at;
            QVERIFY(QMetaObject::invokeMethod(sqnr, "pointPosition", Q_RETURN_ARG(QPoint, at),
                                              Q_ARG(QString, projection), Q_ARG(int, layer)));
            QVERIFY(plot->rect().contains(at));
            QTest::mouseMove(plot, QPoint(2, 2));
            QTest::mouseMove(plot, at);
            const QString expected =
                QStringLiteral(
                    "%1 (%2)\nSQNR isolated: %3 dB\nSQNR propagated: %4 dB\nActivation clipping: %5 %\n"
                    "Weights %6-bit, activations %7-bit")
                    .arg(layer < 0 ? projection : QStringLiteral("layer %1 %2").arg(layer).arg(projection),
                         r[QStringLiteral("group")].toString(),
                         QString::number(r[QStringLiteral("sqnr_isolated_db")].toDouble(), 'f', 4),
                         QString::number(r[QStringLiteral("sqnr_propagated_db")].toDouble(), 'f', 4),
                         QString::number(r[QStringLiteral("activation_clip_rate")].toDouble() * 100.0, 'g', 4))
                    .arg(r[QStringLiteral("weight_bits")].toInt())
                    .arg(r[QStringLiteral("activation_bits")].toInt());
            QTRY_VERIFY2(sqnr->property("hoverText").toString().split(QStringLiteral("\n\n")).contains(expected),
                         qPrintable(sqnr->property("hoverText").toString() + QStringLiteral(" ≠ ") + expected));
        }
        QTest::mouseMove(plot, QPoint(2, 2));
        QTRY_VERIFY(sqnr->property("hoverText").toString().isEmpty());
    }

    void exportsAreWritten()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        const QString dir = m_sandbox.path(QStringLiteral("work/exports"));
        QVERIFY(QDir().mkpath(dir));
        child<QTabWidget>("resultsTabs")->setCurrentIndex(0);
        m_answers->savePath = dir + QStringLiteral("/sqnr.png");
        click("exportPngButton");
        const QImage png(dir + QStringLiteral("/sqnr.png"), "PNG");
        QVERIFY(!png.isNull());
        QCOMPARE(png.size(), QSize(1200, 700));
        int colours = 0;  // a drawn chart, not a blank page
        QSet<QRgb> seen;
        for (int y = 0; y < png.height(); y += 7)
            for (int x = 0; x < png.width(); x += 7) seen.insert(png.pixel(x, y));
        colours = seen.size();
        QVERIFY2(colours > 8, qPrintable(QString::number(colours)));

        m_answers->savePath = dir + QStringLiteral("/sqnr.svg");
        click("exportSvgButton");
        const QByteArray svg = readAll(dir + QStringLiteral("/sqnr.svg"));
        QVERIFY(svg.size() > 1000);
        QVERIFY(svg.contains("<svg") && svg.trimmed().endsWith("</svg>"));
        QVERIFY(svg.contains("SQNR, isolated (dB)"));

        child<QTabWidget>("resultsTabs")->setCurrentIndex(1);
        m_answers->savePath = dir + QStringLiteral("/clip.png");
        click("exportPngButton");
        QCOMPARE(QImage(dir + QStringLiteral("/clip.png"), "PNG").size(), QSize(1200, 700));

        m_answers->savePath = dir + QStringLiteral("/layers.csv");
        click("exportCsvButton");
        QVERIFY(text("exportStatusLabel").startsWith(QStringLiteral("Saved ")));
        const QList<QByteArray> lines = readAll(dir + QStringLiteral("/layers.csv")).trimmed().split('\n');
        const QJsonArray linears = readJson(report())[QStringLiteral("linears")].toArray();
        QCOMPARE(lines.size(), linears.size() + 1);
        const QList<QByteArray> header = lines[0].split(',');
        QCOMPARE(header.size(), 15);
        for (int i = 0; i < linears.size(); ++i) {
            const QJsonObject row = linears[i].toObject();
            const QList<QByteArray> cells = lines[i + 1].split(',');
            QCOMPARE(cells.size(), header.size());
            for (int c = 0; c < header.size(); ++c) {
                const QString key = QString::fromLatin1(header[c]);
                QVERIFY2(row.contains(key), qPrintable(key));
                const QJsonValue want = row[key];
                if (want.isString()) {
                    QCOMPARE(QString::fromUtf8(cells[c]), want.toString());
                } else {
                    bool ok = false;
                    const double got = cells[c].toDouble(&ok);
                    QVERIFY2(ok && got == want.toDouble(), qPrintable(QStringLiteral("row %1 %2: %3 vs %4")
                                                                          .arg(i)
                                                                          .arg(key, QString::fromLatin1(cells[c]))
                                                                          .arg(want.toDouble(), 0, 'g', 17)));
                }
            }
        }

        // Output files listed; "open folder" goes to the desktop through the hook.
        auto* files = child<QTreeWidget>("outputFilesList");
        QStringList listed;
        for (int i = 0; i < files->topLevelItemCount(); ++i)
            listed << files->topLevelItem(i)->data(0, Qt::UserRole).toString();
        QVERIFY2(listed.contains(compiled()) && listed.contains(report()) && listed.contains(rotatedEmbedding()) &&
                     listed.contains(m_output + QStringLiteral("/spinWeight/stories260K/R1/global_rotation.pth")),
                 qPrintable(listed.join(QLatin1Char('\n'))));
        const int opened = m_answers->openedUrls.size();
        click("openFolderButton");
        QCOMPARE(m_answers->openedUrls.size(), opened + 1);
        QCOMPARE(m_answers->openedUrls.last(), QUrl::fromLocalFile(m_output));
    }

    // This project compiles for Lathe's runtime (per output channel), which GGUF's blocks cannot hold exactly: the
    // export says so, says what to change in the Studio, and writes nothing.
    void exportGgufExplainsTheTarget()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        const QString gguf = m_output + QStringLiteral("/stories260K-w4v8.gguf");
        QCOMPARE(child<QAbstractButton>("exportGgufButton")->text(), QStringLiteral("Export &GGUF"));
        click("exportGgufButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("ggufStatusLabel").contains(QStringLiteral("Quantization page")), 60000);
        QVERIFY2(text("ggufStatusLabel").contains(QStringLiteral("per output channel")),
                 qPrintable(text("ggufStatusLabel")));
        QVERIFY(child<QAbstractButton>("exportGgufButton")->isEnabled());
        QVERIFY(!QFileInfo::exists(gguf));
        QCOMPARE(QDir(m_output).entryList({QStringLiteral("*.gguf*")}, QDir::Files | QDir::Hidden).size(), 0);
    }

    // "Export ONNX" runs the project's export step: the folder appears beside the other outputs, the files list shows
    // its graph, and it is the folder `lathe export --format onnx` writes from the same compiled model.
    void exportOnnxWritesTheFolder()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        const QString folder = m_output + QStringLiteral("/stories260K-w4v8-onnx");
        QCOMPARE(child<QAbstractButton>("exportOnnxButton")->text(), QStringLiteral("Export &ONNX"));
        click("exportOnnxButton");
        QTRY_VERIFY_WITH_TIMEOUT(text("ggufStatusLabel").startsWith(QStringLiteral("Wrote")), 60000);
        QVERIFY2(text("ggufStatusLabel").contains(QStringLiteral("opset 21")), qPrintable(text("ggufStatusLabel")));
        QVERIFY(child<QAbstractButton>("exportOnnxButton")->isEnabled());
        QVERIFY(child<QAbstractButton>("exportGgufButton")->isEnabled());
        auto* files = child<QTreeWidget>("outputFilesList");
        QStringList listed;
        for (int i = 0; i < files->topLevelItemCount(); ++i)
            listed << files->topLevelItem(i)->data(0, Qt::UserRole).toString();
        QVERIFY2(listed.contains(folder + QStringLiteral("/onnx/model.onnx")), qPrintable(listed.join('\n')));

        QTemporaryDir cli;
        const ProcessResult r =
            runCli({QStringLiteral("export"), QStringLiteral("--format"), QStringLiteral("onnx"),
                    QStringLiteral("--mxq-path"), compiled(), QStringLiteral("--embedding-weight-path"),
                    rotatedEmbedding(), QStringLiteral("--output-dir"), cli.filePath(QStringLiteral("onnx"))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QByteArray graph = readAll(folder + QStringLiteral("/onnx/model.onnx"));
        QVERIFY(!graph.isEmpty());
        QCOMPARE(graph, readAll(cli.filePath(QStringLiteral("onnx/onnx/model.onnx"))));
    }

    void perplexityEqualsTheCli()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        typeInto(child<QLineEdit>("perplexityTextEdit"), m_text);
        typeInto(child<QLineEdit>("dropLineEdit"), QStringLiteral("<|endoftext|>"));
        typeInto(child<QSpinBox>("perplexityCtxSpin"), QStringLiteral("128"));
        click("runCompareButton");
        QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>("compiledPerplexityLabel")->property("value").isValid() ||
                                     child<QLabel>("compareErrorLabel")->isVisible(),
                                 120000);
        QVERIFY2(!child<QLabel>("compareErrorLabel")->isVisible(), qPrintable(text("compareErrorLabel")));

        const ProcessResult r = runCli(
            {QStringLiteral("eval"), QStringLiteral("--compare"), QStringLiteral("--model-path"), m_snapshot,
             QStringLiteral("--mxq-path"), compiled(), QStringLiteral("--embedding-weight-path"), rotatedEmbedding(),
             QStringLiteral("--text-file"), m_text, QStringLiteral("--drop-line"), QStringLiteral("<|endoftext|>"),
             QStringLiteral("--ctx"), QStringLiteral("128"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject cli = QJsonDocument::fromJson(r.out).object();
        const double floatPpl = cli[QStringLiteral("float")].toObject()[QStringLiteral("perplexity")].toDouble();
        const double compiledPpl = cli[QStringLiteral("compiled")].toObject()[QStringLiteral("perplexity")].toDouble();
        QVERIFY(floatPpl > 1.0 && compiledPpl > 1.0);
        QCOMPARE(child<QLabel>("floatPerplexityLabel")->property("value").toDouble(), floatPpl);
        QCOMPARE(child<QLabel>("compiledPerplexityLabel")->property("value").toDouble(), compiledPpl);
        QCOMPARE(child<QLabel>("perplexityRatioLabel")->property("value").toDouble(),
                 cli[QStringLiteral("perplexity_ratio")].toDouble());
        QCOMPARE(child<QLabel>("top1AgreementLabel")->property("value").toDouble(),
                 cli[QStringLiteral("top1_agreement")].toDouble());
        QVERIFY(text("floatPerplexityLabel").startsWith(QString::number(floatPpl, 'f', 4) + QLatin1Char(' ')));
        QCOMPARE(text("compiledPerplexityLabel"), QString::number(compiledPpl, 'f', 4));
        qInfo("perplexity float %.6f compiled %.6f", floatPpl, compiledPpl);
    }

    void generateSideBySide()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("resultsPage")));
        typeInto(child<QSpinBox>("maxNewTokensSpin"), QStringLiteral("24"));
        child<QLineEdit>("promptEdit")->setText(QStringLiteral("Once upon a time"));
        click("generateButton");
        QTRY_VERIFY_WITH_TIMEOUT(!text("generateStatusLabel").startsWith(QStringLiteral("Generating")), 60000);
        QVERIFY2(text("generateStatusLabel").startsWith(QStringLiteral("Done")),
                 qPrintable(text("generateStatusLabel")));
        const QStringList common = {QStringLiteral("--prompt"), QStringLiteral("Once upon a time"),
                                    QStringLiteral("--max-new-tokens"), QStringLiteral("24")};
        const ProcessResult f =
            runCli(QStringList{QStringLiteral("generate"), QStringLiteral("--model-path"), m_snapshot} + common);
        QVERIFY2(f.exitCode == 0, f.err.constData());
        const ProcessResult c = runCli(QStringList{QStringLiteral("generate"), QStringLiteral("--mxq-path"), compiled(),
                                                   QStringLiteral("--embedding-weight-path"), rotatedEmbedding()} +
                                       common);
        QVERIFY2(c.exitCode == 0, c.err.constData());
        QVERIFY(f.out.size() > 10);
        QCOMPARE(child<QPlainTextEdit>("floatOutput")->toPlainText() + QLatin1Char('\n'), QString::fromUtf8(f.out));
        QCOMPARE(child<QPlainTextEdit>("compiledOutput")->toPlainText() + QLatin1Char('\n'), QString::fromUtf8(c.out));
    }

    void compilingAgainAsksFirst()
    {
        QVERIFY(showStep(*m_window, QStringLiteral("compilePage")));
        auto* button = child<QPushButton>("compileButton");
        QCOMPARE(button->text(), QStringLiteral("&Compile again"));
        const QString status = text("compileStatusLabel");
        const QDateTime written = QFileInfo(compiled()).lastModified();
        m_answers->questionAnswer = QMessageBox::No;
        const int questions = m_answers->questions.size();
        click("compileButton");
        QCOMPARE(m_answers->questions.size(), questions + 1);
        QVERIFY(m_answers->questions.last().startsWith(QStringLiteral("Compile again: ")));
        QTest::qWait(200);
        QCOMPARE(text("compileStatusLabel"), status);
        QVERIFY(button->isEnabled());
        QCOMPARE(QFileInfo(compiled()).lastModified(), written);
    }

    void runProjectFromTheCliGivesTheSameBytes()
    {
        QVERIFY(!m_window->isProjectModified());
        QJsonObject project = readJson(m_project);
        QVERIFY(!project.isEmpty());
        const QString cliOutput = m_sandbox.path(QStringLiteral("work/cli-output"));
        project[QStringLiteral("output_dir")] = cliOutput;
        const QString copy = m_sandbox.path(QStringLiteral("work/cli.lathe"));
        QVERIFY(writeFile(copy, QJsonDocument(project).toJson()));
        const ProcessResult r = runCli({QStringLiteral("run-project"), copy});
        QVERIFY2(r.exitCode == 0, r.err.constData());

        const QString name = QStringLiteral("stories260K-w4v8.compiled.safetensors");
        for (const QString& file : {name + QStringLiteral(".report.json"), name + QStringLiteral(".report.csv"),
                                    QStringLiteral("embedding.pt"), QStringLiteral("embedding_rotated.pt"),
                                    QStringLiteral("spinWeight/stories260K/R1/global_rotation.pth")}) {
            const QByteArray studio = readAll(m_output + QLatin1Char('/') + file);
            QVERIFY2(!studio.isEmpty(), qPrintable(file));
            QVERIFY2(studio == readAll(cliOutput + QLatin1Char('/') + file), qPrintable(file));
        }
        // Every tensor byte is the same. The metadata is too, except that the container's provenance may record
        // the calibration folder, which is each run's own: a difference there, and only there, is accepted.
        const QByteArray studioContainer = readAll(compiled());
        const QByteArray cliContainer = readAll(cliOutput + QLatin1Char('/') + name);
        QJsonObject studioHeader, cliHeader;
        QByteArray studioData, cliData;
        QVERIFY(splitSafetensors(studioContainer, &studioHeader, &studioData));
        QVERIFY(splitSafetensors(cliContainer, &cliHeader, &cliData));
        QVERIFY(studioData.size() > 100000);
        QVERIFY(studioData == cliData);
        auto splitCalibrationPath = [](QJsonObject header, QString* path) {
            QJsonObject meta = header[QStringLiteral("__metadata__")].toObject();
            QJsonObject provenance =
                QJsonDocument::fromJson(meta[QStringLiteral("provenance")].toString().toUtf8()).object();
            QJsonObject calibration = provenance[QStringLiteral("calibration")].toObject();
            *path = calibration.take(QStringLiteral("path")).toString();
            provenance[QStringLiteral("calibration")] = calibration;
            meta[QStringLiteral("provenance")] = provenance;
            header[QStringLiteral("__metadata__")] = meta;
            return header;
        };
        QString studioPath, cliPath;
        const QJsonObject studioRest = splitCalibrationPath(studioHeader, &studioPath);
        QCOMPARE(splitCalibrationPath(cliHeader, &cliPath), studioRest);
        if (studioContainer != cliContainer) {
            const QString tagFolder = QStringLiteral("/calib/datas/karpathy-stories260K/merged");
            QCOMPARE(studioPath, m_output + tagFolder);
            QCOMPARE(cliPath, cliOutput + tagFolder);
            qInfo("the containers differ only in the recorded calibration folder");
        }

        // Into the Studio's own folder, the CLI rewrites every output with the very same bytes.
        const QByteArray studioReport = readAll(report());
        QVERIFY(QFile::remove(compiled()));
        QVERIFY(QFile::remove(report()));
        const ProcessResult same = runCli({QStringLiteral("run-project"), m_project});
        QVERIFY2(same.exitCode == 0, same.err.constData());
        QVERIFY(readAll(compiled()) == studioContainer);
        QVERIFY(readAll(report()) == studioReport);
    }
};

QTEST_MAIN(TestStudioCompile)
#include "TestStudioCompile.moc"
