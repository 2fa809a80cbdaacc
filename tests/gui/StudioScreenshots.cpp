// Renders every page of Lathe Studio to PNG for the documentation (scripts/screenshots.sh runs it under Xvfb):
// the wizard is filled with the bundled stories260K (a local model folder made with `lathe import`), calibrated
// on the local TinyStories text, compiled w4v8, and its results measured, so each page shows real output.
//   studio_screenshots <output folder> [home folder]
// The project (~/lathe-projects/stories260k), the model (~/models) and the texts (~/datasets) go under the home
// folder, an empty folder standing for the user's home in the images (scripts/screenshots.sh makes one that reads
// /home/alex); without it they go to a temporary folder. The rest lives in a temporary folder removed at exit.
#include "StudioTestSupport.h"
#include "TestSupport.h"
#include "lathe/ui/MainWindow.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

#include <cstdio>
#include <functional>

using namespace lathe::test;

namespace {

constexpr int kWidth = 1280, kHeight = 900, kResultsHeight = 1150;

class Tour {
public:
    Tour(lathe::ui::MainWindow& window, QString outDir) : m_window(window), m_outDir(std::move(outDir)) {}

    template <typename T>
    T* child(const char* name)
    {
        T* widget = m_window.findChild<T*>(QLatin1String(name));
        if (!widget) fail(QStringLiteral("no widget %1").arg(QLatin1String(name)));
        return widget;
    }

    void type(const char* name, const QString& text) { typeInto(child<QWidget>(name), text); }

    void click(const char* name)
    {
        auto* button = child<QAbstractButton>(name);
        if (!button->isEnabled()) fail(QStringLiteral("%1 is disabled").arg(QLatin1String(name)));
        QTest::mouseClick(button, Qt::LeftButton);
    }

    void waitFor(const std::function<bool()>& done, const QString& what, int timeoutMs = 300000)
    {
        if (!QTest::qWaitFor(done, timeoutMs)) fail(QStringLiteral("timed out waiting for ") + what);
    }

    QString text(const char* name) { return child<QLabel>(name)->text(); }

    void show(const QString& pageId)
    {
        if (!showStep(m_window, pageId)) fail(QStringLiteral("no page ") + pageId);
        QTest::qWait(150);
    }

    void shoot(const QString& file)
    {
        m_window.findChild<QWidget*>(QStringLiteral("stepList"))->setFocus();  // no selected text in the shot
        QTest::qWait(300);                                                     // queued replots and layouts
        const QString path = QDir(m_outDir).filePath(file);
        if (!m_window.grab().save(path, "PNG")) fail(QStringLiteral("cannot write ") + path);
        std::printf("wrote %s\n", qPrintable(path));
    }

    [[noreturn]] static void fail(const QString& message)
    {
        std::fprintf(stderr, "studio_screenshots: %s\n", qPrintable(message));
        std::exit(1);
    }

private:
    lathe::ui::MainWindow& m_window;
    QString m_outDir;
};

}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    if (argc != 2 && argc != 3) {
        std::fprintf(stderr, "usage: studio_screenshots <output folder> [home folder]\n");
        return 2;
    }
    const QString outDir = QDir(QString::fromLocal8Bit(argv[1])).absolutePath();
    if (!QDir().mkpath(outDir)) Tour::fail(QStringLiteral("cannot create ") + outDir);

    StudioSandbox sandbox;
    if (const QString error = sandbox.setUp(); !error.isEmpty()) Tour::fail(error);
    QCoreApplication::setApplicationName(QStringLiteral("Lathe Studio"));
    // No Hub is needed: the model is a local folder. Requests that would leave the machine fail at once.
    sandbox.setEndpoint(QStringLiteral("http://127.0.0.1:9"));
    const QString home =
        argc == 3 ? QDir(QString::fromLocal8Bit(argv[2])).absolutePath() : sandbox.path(QStringLiteral("home"));
    const QString project = home + QStringLiteral("/lathe-projects/stories260k");
    const QString model = home + QStringLiteral("/models/stories260K");
    const QString datasets = home + QStringLiteral("/datasets");
    for (const QString& dir : {project, datasets})
        if (!QDir().mkpath(dir)) Tour::fail(QStringLiteral("cannot create ") + dir);
    qputenv("HOME", QFile::encodeName(home));
    qputenv("HF_HOME", QFile::encodeName(home + QStringLiteral("/.cache/huggingface")));
    const QString trainText = datasets + QStringLiteral("/TinyStories-train_head2MiB.txt");
    const QString validationText = datasets + QStringLiteral("/tinystories_validation_first1000.txt");
    if (!QFile::copy(sharedData(QStringLiteral("text/tinystories/TinyStories-train_head2MiB.txt")), trainText) ||
        !QFile::copy(sharedData(QStringLiteral("text/tinystories/tinystories_validation_first1000.txt")),
                     validationText))
        Tour::fail(QStringLiteral("cannot copy the TinyStories texts into ") + datasets);
    if (const QString error = importStories(model); !error.isEmpty()) Tour::fail(error);
    DialogAnswers answers;
    answers.questionAnswer = QMessageBox::Yes;

    lathe::ui::MainWindow window;
    window.resize(kWidth, kHeight);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) Tour::fail(QStringLiteral("the window never showed"));
    Tour tour(window, outDir);

    tour.show(QStringLiteral("projectPage"));
    tour.type("projectNameEdit", QStringLiteral("stories260K w4v8"));
    tour.type("outputDirEdit", project + QStringLiteral("/output"));
    tour.shoot(QStringLiteral("studio-1-project.png"));

    tour.show(QStringLiteral("accountPage"));
    tour.click("continueAnonymousButton");
    tour.shoot(QStringLiteral("studio-2-account.png"));

    tour.show(QStringLiteral("modelPage"));
    tour.click("localSourceRadio");
    answers.directoryPath = model;
    tour.click("localBrowseButton");
    tour.waitFor([&] { return tour.text("parametersValue") != QStringLiteral("—"); }, QStringLiteral("the model"));
    tour.shoot(QStringLiteral("studio-3-model.png"));

    tour.show(QStringLiteral("calibrationPage"));
    auto* dataset = tour.child<QComboBox>("datasetCombo");
    dataset->setCurrentIndex(dataset->findData(QStringLiteral("local")));
    tour.type("textFileEdit", trainText);
    tour.type("minSeqLenSpin", QStringLiteral("64"));
    tour.type("maxSeqLenSpin", QStringLiteral("256"));
    tour.type("samplesSpin", QStringLiteral("32"));
    tour.click("runCalibrationButton");
    tour.waitFor([&] { return tour.text("calibStatusLabel").startsWith(QStringLiteral("Done")); },
                 QStringLiteral("calibration"));
    tour.shoot(QStringLiteral("studio-4-calibration.png"));

    tour.show(QStringLiteral("quantizationPage"));
    auto* mode = tour.child<QComboBox>("bitModeCombo");
    mode->setCurrentIndex(mode->findData(QStringLiteral("w4v8")));
    tour.shoot(QStringLiteral("studio-5-quantization.png"));

    tour.show(QStringLiteral("compilePage"));
    answers.savePath = project + QStringLiteral("/stories260k.lathe");
    tour.click("compileButton");
    tour.waitFor([&] { return tour.text("compileStatusLabel").startsWith(QStringLiteral("Compiled")); },
                 QStringLiteral("the compile"));
    tour.shoot(QStringLiteral("studio-6-compile.png"));

    // The results page is the tallest: show all of it.
    window.resize(kWidth, kResultsHeight);
    tour.show(QStringLiteral("resultsPage"));
    tour.type("perplexityTextEdit", validationText);
    tour.type("dropLineEdit", QStringLiteral("<|endoftext|>"));
    tour.type("perplexityCtxSpin", QStringLiteral("256"));
    tour.click("runCompareButton");
    tour.waitFor([&] { return tour.child<QLabel>("compiledPerplexityLabel")->property("value").isValid(); },
                 QStringLiteral("the perplexity comparison"));
    tour.type("maxNewTokensSpin", QStringLiteral("40"));
    tour.click("generateButton");
    tour.waitFor([&] { return tour.text("generateStatusLabel").startsWith(QStringLiteral("Done")); },
                 QStringLiteral("generation"));
    tour.child<QTabWidget>("resultsTabs")->setCurrentIndex(0);
    tour.shoot(QStringLiteral("studio-7-results.png"));
    tour.child<QTabWidget>("resultsTabs")->setCurrentIndex(1);
    tour.shoot(QStringLiteral("studio-7-results-clipping.png"));
    return 0;
}
