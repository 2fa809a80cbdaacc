// Project files through the wizard: every field set through its widget, saved with File > Save As, reopened in a
// fresh window (from the recent-projects list) and read back widget by widget; the unsaved-changes marker in the
// title; the close prompt (cancel, discard, save) answered through the dialog hook; a damaged file explained on
// the Project page. No network: HF_HUB_OFFLINE keeps the Hub client from trying.
#include "StudioTestSupport.h"
#include "TestSupport.h"
#include "lathe/project/Project.h"
#include "lathe/project/ProjectRun.h"
#include "lathe/ui/MainWindow.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTest>

using namespace lathe::test;
using lathe::ui::MainWindow;

class TestStudioProject : public QObject {
    Q_OBJECT

    StudioSandbox m_sandbox;

    template <typename T>
    static T* child(QWidget* root, const char* name)
    {
        return root->findChild<T*>(QLatin1String(name));
    }

    // Space on the focused button, as a keyboard user does (a mouse click at the centre of a wide check box
    // lands outside its clickable text).
    static void press(QAbstractButton* button)
    {
        button->setFocus();
        QTest::keyClick(button, Qt::Key_Space);
    }

    static void check(QListWidget* list, const QString& code, bool on)
    {
        for (int i = 0; i < list->count(); ++i) {
            QListWidgetItem* item = list->item(i);
            if (item->data(Qt::UserRole).toString() != code) continue;
            if ((item->checkState() == Qt::Checked) != on) {
                list->setFocus();
                list->setCurrentItem(item);
                QTest::keyClick(list, Qt::Key_Space);
            }
        }
    }

    static QStringList checkedLanguages(QListWidget* list)
    {
        QStringList out;
        for (int i = 0; i < list->count(); ++i)
            if (list->item(i)->checkState() == Qt::Checked) out << list->item(i)->data(Qt::UserRole).toString();
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_sandbox.setUp();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        qputenv("HF_HUB_OFFLINE", "1");
    }

    void everyFieldRoundTrips_data()
    {
        QTest::addColumn<bool>("local");
        QTest::newRow("hub model, Wikipedia") << false;
        QTest::newRow("local model, local text") << true;
    }

    void everyFieldRoundTrips()
    {
        QFETCH(bool, local);
        const QString folder = m_sandbox.path(local ? QStringLiteral("work/local") : QStringLiteral("work/hub"));
        QVERIFY(QDir().mkpath(folder + QStringLiteral("/model")));
        const QString project = folder + QStringLiteral("/round-trip.lathe");
        const QString output = folder + QStringLiteral("/out");
        const QString textFile = folder + QStringLiteral("/corpus.txt");
        QVERIFY(writeFile(textFile, "One short document.\n"));

        DialogAnswers answers;
        answers.savePath = project;
        answers.directoryPath = folder + QStringLiteral("/model");
        answers.openPath = textFile;
        MainWindow window;
        window.show();
        QVERIFY(!window.isWindowModified());

        QWidget* page = showStep(window, QStringLiteral("projectPage"));
        typeInto(child<QLineEdit>(page, "projectNameEdit"), QStringLiteral("stories w8 test"));
        QVERIFY(window.isWindowModified());
        QVERIFY(window.windowTitle().contains(QStringLiteral("[*]")));
        typeInto(child<QLineEdit>(page, "outputDirEdit"), output);

        page = showStep(window, QStringLiteral("modelPage"));
        if (local) {
            press(child<QRadioButton>(page, "localSourceRadio"));
            QTest::mouseClick(child<QPushButton>(page, "localBrowseButton"), Qt::LeftButton);
        } else {
            typeInto(child<QLineEdit>(page, "revisionEdit"), QStringLiteral("v1.1"));
            typeInto(child<QLineEdit>(page, "repoIdEdit"), QStringLiteral("karpathy/stories260K"));
        }

        page = showStep(window, QStringLiteral("calibrationPage"));
        auto* languages = child<QListWidget>(page, "languageList");
        if (local) {
            auto* dataset = child<QComboBox>(page, "datasetCombo");
            dataset->setFocus();
            QTest::keyClick(dataset, Qt::Key_Down);
            QCOMPARE(dataset->currentData().toString(), QStringLiteral("local"));
            QTest::mouseClick(child<QPushButton>(page, "textFileBrowseButton"), Qt::LeftButton);
            check(languages, QStringLiteral("en"), false);
            typeInto(child<QLineEdit>(page, "newLanguageEdit"), QStringLiteral("stories"));
        } else {
            check(languages, QStringLiteral("en"), false);
            check(languages, QStringLiteral("ja"), true);
            check(languages, QStringLiteral("de"), true);
            typeInto(child<QLineEdit>(page, "newLanguageEdit"), QStringLiteral("nl"));
        }
        typeInto(child<QSpinBox>(page, "minSeqLenSpin"), QStringLiteral("64"));
        typeInto(child<QSpinBox>(page, "maxSeqLenSpin"), QStringLiteral("256"));
        typeInto(child<QSpinBox>(page, "samplesSpin"), QStringLiteral("16"));
        press(child<QCheckBox>(page, "mergeCheck"));

        page = showStep(window, QStringLiteral("quantizationPage"));
        auto* mode = child<QComboBox>(page, "bitModeCombo");
        mode->setFocus();
        QTest::keyClick(mode, Qt::Key_Home);
        press(child<QCheckBox>(page, "rotationCheck"));
        press(child<QCheckBox>(page, "gptqCheck"));
        typeInto(child<QDoubleSpinBox>(page, "percentileSpin"), QStringLiteral("0.999"));
        auto* method = child<QComboBox>(page, "activationMethodCombo");
        method->setFocus();
        QTest::keyClick(method, Qt::Key_End);
        auto* valueBits = child<QComboBox>(page, "groupBits_value");
        valueBits->setCurrentIndex(valueBits->findData(6));
        auto* headBits = child<QComboBox>(page, "groupBits_head");
        headBits->setCurrentIndex(headBits->findData(8));
        typeInto(child<QSpinBox>(page, "groupSizeSpin"), QStringLiteral("32"));
        typeInto(child<QSpinBox>(page, "threadsSpin"), QStringLiteral("3"));

        QAction* saveAs = window.findChild<QAction*>(QStringLiteral("actionSaveAs"));
        QVERIFY(saveAs);
        saveAs->trigger();
        QVERIFY(!window.isWindowModified());
        QCOMPARE(window.projectPath(), project);
        QVERIFY2(window.windowTitle().startsWith(QStringLiteral("round-trip[*]")), qPrintable(window.windowTitle()));

        // What the file holds, read with the core API.
        auto saved = lathe::project::loadProject(project.toStdString());
        QVERIFY(saved.ok());
        QCOMPARE(QString::fromStdString(saved->name), QStringLiteral("stories w8 test"));
        QCOMPARE(QString::fromStdString(saved->outputDir), output);
        QVERIFY(saved->quantization.bitMode == lathe::quant::BitMode::W8);
        QCOMPARE(saved->quantization.threads, 3);
        // Paths inside the project folder are stored relative to it.
        QVERIFY(readAll(project).contains("\"output_dir\": \"out\""));

        // Reopen from the recent-projects list of a fresh window.
        MainWindow reopened;
        reopened.show();
        page = showStep(reopened, QStringLiteral("projectPage"));
        auto* recent = child<QListWidget>(page, "recentProjectsList");
        QVERIFY(recent->count() >= 1);
        QCOMPARE(recent->item(0)->data(Qt::UserRole).toString(), project);
        recent->setFocus();
        recent->setCurrentRow(0);
        QTest::keyClick(recent, Qt::Key_Return);
        QCOMPARE(reopened.projectPath(), project);
        QVERIFY(!reopened.isWindowModified());

        QCOMPARE(child<QLineEdit>(page, "projectNameEdit")->text(), QStringLiteral("stories w8 test"));
        QCOMPARE(child<QLineEdit>(page, "outputDirEdit")->text(), output);
        QCOMPARE(child<QLabel>(page, "projectPathLabel")->text(), QDir::toNativeSeparators(project));

        page = showStep(reopened, QStringLiteral("modelPage"));
        QCOMPARE(child<QRadioButton>(page, "localSourceRadio")->isChecked(), local);
        QCOMPARE(child<QRadioButton>(page, "hubSourceRadio")->isChecked(), !local);
        if (local) {
            QCOMPARE(child<QLineEdit>(page, "localPathEdit")->text(), folder + QStringLiteral("/model"));
        } else {
            QCOMPARE(child<QLineEdit>(page, "repoIdEdit")->text(), QStringLiteral("karpathy/stories260K"));
            QCOMPARE(child<QLineEdit>(page, "revisionEdit")->text(), QStringLiteral("v1.1"));
        }

        page = showStep(reopened, QStringLiteral("calibrationPage"));
        QCOMPARE(child<QComboBox>(page, "datasetCombo")->currentData().toString(),
                 local ? QStringLiteral("local") : QStringLiteral("wikimedia/wikipedia"));
        QCOMPARE(child<QLineEdit>(page, "textFileEdit")->text(), local ? textFile : QString());
        const QStringList expectedLanguages =
            local ? QStringList{QStringLiteral("stories")}
                  : QStringList{QStringLiteral("de"), QStringLiteral("ja"), QStringLiteral("nl")};
        QCOMPARE(checkedLanguages(child<QListWidget>(page, "languageList")), expectedLanguages);
        QCOMPARE(child<QSpinBox>(page, "minSeqLenSpin")->value(), 64);
        QCOMPARE(child<QSpinBox>(page, "maxSeqLenSpin")->value(), 256);
        QCOMPARE(child<QSpinBox>(page, "samplesSpin")->value(), 16);
        QCOMPARE(child<QCheckBox>(page, "mergeCheck")->isChecked(), false);

        page = showStep(reopened, QStringLiteral("quantizationPage"));
        QCOMPARE(child<QComboBox>(page, "bitModeCombo")->currentData().toString(), QStringLiteral("w8"));
        QCOMPARE(child<QCheckBox>(page, "rotationCheck")->isChecked(), false);
        QCOMPARE(child<QCheckBox>(page, "gptqCheck")->isChecked(), false);
        QCOMPARE(child<QComboBox>(page, "activationMethodCombo")->currentData().toString(), QStringLiteral("mse"));
        QCOMPARE(child<QDoubleSpinBox>(page, "percentileSpin")->value(), 0.999);
        QCOMPARE(child<QComboBox>(page, "groupBits_value")->currentData().toInt(), 6);
        QCOMPARE(child<QComboBox>(page, "groupBits_head")->currentData().toInt(), 8);
        for (const char* group : {"groupBits_query", "groupBits_key", "groupBits_output", "groupBits_ffn"})
            QCOMPARE(child<QComboBox>(page, group)->currentData().toInt(), 0);
        QCOMPARE(child<QSpinBox>(page, "groupSizeSpin")->value(), 32);
        QCOMPARE(child<QSpinBox>(page, "threadsSpin")->value(), 3);
        QVERIFY(answers.questions.isEmpty());
    }

    // 16-bit activations (per projection group, stored per linear), the rotation seed and the scale group size:
    // set through their widgets with the model known, saved, passed to the compile, reopened.
    void advancedQuantizationRoundTripsAndReachesTheCompile()
    {
        const QString folder = m_sandbox.path(QStringLiteral("work/advanced"));
        const QString model = folder + QStringLiteral("/stories260K");
        const QString imported = importStories(model);
        QVERIFY2(imported.isEmpty(), qPrintable(imported));
        const QString project = folder + QStringLiteral("/advanced.lathe");
        DialogAnswers answers;
        answers.directoryPath = model;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("quantizationPage"));
        auto* keepValue = child<QCheckBox>(page, "keep16_value");
        auto* keepHead = child<QCheckBox>(page, "keep16_head");
        QVERIFY(keepValue && keepHead);
        QVERIFY(!keepValue->isEnabled());  // which linears there are is known once a model is chosen

        page = showStep(window, QStringLiteral("modelPage"));
        press(child<QRadioButton>(page, "localSourceRadio"));
        QTest::mouseClick(child<QPushButton>(page, "localBrowseButton"), Qt::LeftButton);
        page = showStep(window, QStringLiteral("quantizationPage"));
        QTRY_VERIFY_WITH_TIMEOUT(keepValue->isEnabled(), 15000);
        press(keepValue);
        press(keepHead);
        typeInto(child<QSpinBox>(page, "groupSizeSpin"), QStringLiteral("32"));
        typeInto(child<QSpinBox>(page, "seedSpin"), QStringLiteral("1234"));
        QVERIFY2(child<QLabel>(page, "quantValidationLabel")->isHidden(),
                 qPrintable(child<QLabel>(page, "quantValidationLabel")->text()));

        // Tab order: each group's bits, then its activations, then group size and seed.
        child<QComboBox>(page, "groupBits_head")->setFocus();
        QTest::keyClick(window.focusWidget(), Qt::Key_Tab);
        QCOMPARE(window.focusWidget(), keepHead);
        QTest::keyClick(window.focusWidget(), Qt::Key_Tab);
        QCOMPARE(window.focusWidget(), child<QSpinBox>(page, "groupSizeSpin"));
        QTest::keyClick(window.focusWidget(), Qt::Key_Tab);
        QCOMPARE(window.focusWidget(), child<QSpinBox>(page, "seedSpin"));

        QVERIFY(window.saveProjectAs(project));
        auto saved = lathe::project::loadProject(project.toStdString());
        QVERIFY(saved.ok());
        std::vector<std::string> expected;
        for (int layer = 0; layer < 5; ++layer)
            expected.push_back("model.layers." + std::to_string(layer) + ".self_attn.v_proj");
        expected.push_back("lm_head");
        QCOMPARE(saved->quantization.keep16BitActivations, expected);
        QCOMPARE(saved->quantization.seed, 1234);
        QCOMPARE(saved->quantization.groupSize, 32);
        // What the compile gets, here and from `lathe run-project`.
        const lathe::compile::CompileOptions options = lathe::project::compileOptionsFor(*saved, model.toStdString());
        QCOMPARE(options.keep16BitActivations, expected);
        QCOMPARE(options.seed, uint64_t{1234});
        QCOMPARE(options.groupSize, int64_t{32});
        QWidget* compile = showStep(window, QStringLiteral("compilePage"));
        const QString plan = child<QLabel>(compile, "compilePlanLabel")->text();
        QVERIFY2(plan.contains(QStringLiteral("rotated (seed 1234), groups of 32, 16-bit activations for 6 linears")),
                 qPrintable(plan));

        MainWindow reopened;
        reopened.show();
        QVERIFY(reopened.openProject(project));
        QTRY_VERIFY(!reopened.isSwitchingProject());
        page = showStep(reopened, QStringLiteral("quantizationPage"));
        QTRY_VERIFY_WITH_TIMEOUT(child<QCheckBox>(page, "keep16_query")->isEnabled(), 15000);
        QCOMPARE(child<QSpinBox>(page, "seedSpin")->value(), 1234);
        QCOMPARE(child<QSpinBox>(page, "groupSizeSpin")->value(), 32);
        for (const char* group : {"query", "key", "value", "output", "ffn", "head"}) {
            const bool kept = qstrcmp(group, "value") == 0 || qstrcmp(group, "head") == 0;
            QCOMPARE(child<QCheckBox>(page, qPrintable(QStringLiteral("keep16_") + QLatin1String(group)))->checkState(),
                     kept ? Qt::Checked : Qt::Unchecked);
        }
        QVERIFY(!reopened.isWindowModified());

        // A hand-written file: one value linear, a layer this model lacks, a negative seed.
        auto edited = *saved;
        edited.quantization.keep16BitActivations = {"model.layers.0.self_attn.v_proj", "model.layers.9.mlp.down_proj"};
        edited.quantization.seed = -3;
        QVERIFY(lathe::project::saveProject(edited, project.toStdString()).ok());
        QVERIFY(reopened.openProject(project));
        QTRY_VERIFY(!reopened.isSwitchingProject());  // the model folder's inspection is stopped first
        auto* keepFfn = child<QCheckBox>(page, "keep16_ffn");
        QTRY_VERIFY_WITH_TIMEOUT(keepFfn->isEnabled() && child<QCheckBox>(page, "keep16_query")->isEnabled(), 15000);
        QCOMPARE(child<QCheckBox>(page, "keep16_value")->checkState(), Qt::PartiallyChecked);
        QCOMPARE(keepFfn->checkState(), Qt::PartiallyChecked);
        auto* validation = child<QLabel>(page, "quantValidationLabel");
        QCOMPARE(validation->text(),
                 QStringLiteral("The rotation seed must be 0 or more.\n16-bit activations are set for "
                                "model.layers.9.mlp.down_proj, which this model does not have: untick and tick its "
                                "group again."));
        // Ticking the group lists exactly this model's ffn linears; the stray name goes.
        press(keepFfn);
        QCOMPARE(keepFfn->checkState(), Qt::Checked);
        std::vector<std::string> names = {"model.layers.0.self_attn.v_proj"};
        for (int layer = 0; layer < 5; ++layer)
            for (const char* p : {"gate_proj", "up_proj", "down_proj"})
                names.push_back("model.layers." + std::to_string(layer) + ".mlp." + p);
        QVERIFY(reopened.saveProject());
        QCOMPARE(lathe::project::loadProject(project.toStdString())->quantization.keep16BitActivations, names);
        QCOMPARE(validation->text(), QStringLiteral("The rotation seed must be 0 or more."));
        press(keepFfn);
        QCOMPARE(keepFfn->checkState(), Qt::Unchecked);
        QVERIFY(reopened.saveProject());
        QCOMPARE(lathe::project::loadProject(project.toStdString())->quantization.keep16BitActivations,
                 std::vector<std::string>{"model.layers.0.self_attn.v_proj"});
    }

    void closingWithUnsavedChangesAsks()
    {
        const QString project = m_sandbox.path(QStringLiteral("work/close.lathe"));
        DialogAnswers answers;
        answers.savePath = project;
        MainWindow window;
        window.show();
        // Nothing changed: no question.
        QVERIFY(window.close());
        QVERIFY(answers.questions.isEmpty());

        window.show();
        QWidget* page = showStep(window, QStringLiteral("projectPage"));
        typeInto(child<QLineEdit>(page, "projectNameEdit"), QStringLiteral("unsaved"));
        QVERIFY(window.isWindowModified());

        answers.questionAnswer = QMessageBox::Cancel;
        QVERIFY(!window.close());
        QVERIFY(window.isVisible());
        QCOMPARE(answers.questions.size(), 1);
        QCOMPARE(answers.questions[0],
                 QStringLiteral("Unsaved changes: The project has unsaved changes. Save them first?"));

        answers.questionAnswer = QMessageBox::Save;
        QVERIFY(window.close());
        QCOMPARE(answers.questions.size(), 2);
        auto saved = lathe::project::loadProject(project.toStdString());
        QVERIFY(saved.ok());
        QCOMPARE(QString::fromStdString(saved->name), QStringLiteral("unsaved"));

        MainWindow other;
        other.show();
        page = showStep(other, QStringLiteral("projectPage"));
        typeInto(child<QLineEdit>(page, "projectNameEdit"), QStringLiteral("thrown away"));
        answers.questionAnswer = QMessageBox::Discard;
        QVERIFY(other.close());
        QCOMPARE(answers.questions.size(), 3);
        QCOMPARE(QString::fromStdString(lathe::project::loadProject(project.toStdString())->name),
                 QStringLiteral("unsaved"));
    }

    void newProjectAsksToo()
    {
        DialogAnswers answers;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("projectPage"));
        typeInto(child<QLineEdit>(page, "projectNameEdit"), QStringLiteral("draft"));
        answers.questionAnswer = QMessageBox::Cancel;
        QTest::mouseClick(child<QPushButton>(page, "newProjectButton"), Qt::LeftButton);
        QCOMPARE(child<QLineEdit>(page, "projectNameEdit")->text(), QStringLiteral("draft"));
        answers.questionAnswer = QMessageBox::Discard;
        QTest::mouseClick(child<QPushButton>(page, "newProjectButton"), Qt::LeftButton);
        QCOMPARE(child<QLineEdit>(page, "projectNameEdit")->text(), QString());
        QVERIFY(!window.isWindowModified());
        QCOMPARE(answers.questions.size(), 2);
    }

    // Weights are 2..8-bit integers. Every group's bits box offers the preset and exactly the bits the compiler
    // allows; a file saved when the page still offered "16 (keep float)" opens, and both the Quantization page
    // and the Compile page show the compiler's refusal, which says that 16 bits are for activations.
    void sixteenBitWeightsFromAnOlderFileAreRefused()
    {
        const QString path = m_sandbox.path(QStringLiteral("work/sixteen.lathe"));
        QVERIFY(writeFile(path,
                          "{\"schema\": \"lathe-project\", \"version\": 1, \"name\": \"sixteen\", "
                          "\"model\": {\"source\": \"hub\", \"repo_id\": \"org/model\"}, "
                          "\"quantization\": {\"bit_mode\": \"w4v8\", \"group_bits\": {\"ffn\": 16}}}"));
        MainWindow window;
        window.show();
        QVERIFY(window.openProject(path));
        QTRY_VERIFY(!window.isSwitchingProject());
        QCOMPARE(window.projectPath(), path);

        QWidget* page = showStep(window, QStringLiteral("quantizationPage"));
        QList<int> allowed{0};  // "preset"
        for (int bits : lathe::quant::allowedWeightBits()) allowed << bits;
        for (const std::string& group : lathe::quant::projectionGroups()) {
            auto* bits = page->findChild<QComboBox*>(QStringLiteral("groupBits_") + QString::fromStdString(group));
            QVERIFY(bits);
            QList<int> offered;
            for (int i = 0; i < bits->count(); ++i) offered << bits->itemData(i).toInt();
            QCOMPARE(offered, allowed);
        }
        const std::string expected = lathe::quant::checkWeightBits(16, "group override ffn=16").error().message;
        auto* validation = child<QLabel>(page, "quantValidationLabel");
        QVERIFY(validation->isVisible());
        QVERIFY2(validation->text().contains(QString::fromStdString(expected)), qPrintable(validation->text()));
        QVERIFY2(validation->text().contains(QStringLiteral("keep_16bit_activations")), qPrintable(validation->text()));

        QWidget* compile = showStep(window, QStringLiteral("compilePage"));
        const QString problems = child<QLabel>(compile, "compileValidationLabel")->text();
        QVERIFY2(problems.contains(QString::fromStdString(expected)), qPrintable(problems));
        QVERIFY(!child<QPushButton>(compile, "compileButton")->isEnabled());
        QVERIFY(!window.isWindowModified());  // showing the file changes nothing in it
    }

    void damagedProjectIsExplained()
    {
        const QString path = m_sandbox.path(QStringLiteral("work/damaged.lathe"));
        QVERIFY(writeFile(
            path, "{\"schema\": \"lathe-project\", \"version\": 1, \"quantization\": {\"threads\": \"many\"}}"));
        DialogAnswers answers;
        answers.openPath = path;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("projectPage"));
        QTest::mouseClick(child<QPushButton>(page, "openProjectButton"), Qt::LeftButton);
        QCOMPARE(answers.fileDialogs, 1);
        auto* error = child<QLabel>(page, "projectErrorLabel");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().startsWith(QStringLiteral("Cannot open ") + path + QStringLiteral(": ")),
                 qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("threads")), qPrintable(error->text()));
        QVERIFY(window.projectPath().isEmpty());
    }
};

QTEST_MAIN(TestStudioProject)
#include "TestStudioProject.moc"
