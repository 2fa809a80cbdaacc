// The three panels of the results page on a hand-made report: the charts follow the report and the SQNR toggle, the
// exports are enabled only with a report and write where the save dialog says, and Measure/Generate are disabled
// with the page's reason as their tooltip, or while they miss their input.
#include "StudioState.h"
#include "StudioTestSupport.h"
#include "pages/results/LayerErrorPanel.h"
#include "pages/results/PerplexityPanel.h"
#include "pages/results/TryItPanel.h"
#include "widgets/LayerChart.h"

#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;
using namespace lathe::ui;

namespace {

compile::CompileReport twoLayerReport()
{
    compile::CompileReport report;
    report.model = "tiny";
    report.bitMode = lathe::quant::BitMode::W4V8;
    for (int layer = 0; layer < 2; ++layer)
        for (const char* projection : {"q_proj", "down_proj"}) {
            compile::LinearReport r;
            r.layer = layer;
            r.projection = projection;
            r.group = "query";
            r.weightBits = 4;
            r.activationBits = 8;
            r.sqnrIsolatedDb = 20.0 + layer;
            r.sqnrPropagatedDb = 10.0 + layer;
            r.activationClipRate = 0.001 * (layer + 1);
            report.linears.push_back(r);
        }
    report.blocks.resize(2);
    return report;
}

template <typename T>
T* child(QWidget* root, const char* name)
{
    auto* w = root->findChild<T*>(QLatin1String(name));
    if (!w) qFatal("no widget %s", name);
    return w;
}

}  // namespace

class TestResultsPanels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void layerErrorsFollowTheReport()
    {
        StudioState state;
        test::DialogAnswers answers;
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        LayerErrorPanel panel(state);
        auto* sqnr = child<LayerChart>(&panel, "sqnrChart");
        auto* clip = child<LayerChart>(&panel, "clipChart");
        auto* csv = child<QPushButton>(&panel, "exportCsvButton");
        QCOMPARE(sqnr->rowCount(), 0);

        const compile::CompileReport report = twoLayerReport();
        panel.setReport(&report);
        QCOMPARE(sqnr->rowCount(), 4);
        QCOMPARE(clip->rowCount(), 4);
        for (const char* name : {"exportPngButton", "exportSvgButton", "exportCsvButton"})
            QVERIFY(child<QPushButton>(&panel, name)->isEnabled());
        QCOMPARE(sqnr->metric(), LayerMetric::SqnrIsolated);
        child<QRadioButton>(&panel, "sqnrPropagatedRadio")->setChecked(true);
        QCOMPARE(sqnr->metric(), LayerMetric::SqnrPropagated);

        answers.savePath = dir.filePath(QStringLiteral("rows"));
        QTest::mouseClick(csv, Qt::LeftButton);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("rows.csv"))));
        QVERIFY(child<QLabel>(&panel, "exportStatusLabel")->text().startsWith(QStringLiteral("Saved ")));
        panel.showStatus(QStringLiteral("Cannot open x"), WizardPage::Tone::Error);
        QCOMPARE(child<QLabel>(&panel, "exportStatusLabel")->text(), QStringLiteral("Cannot open x"));

        panel.setReport(nullptr);
        QCOMPARE(sqnr->rowCount(), 0);
        QCOMPARE(clip->rowCount(), 0);
        for (const char* name : {"exportPngButton", "exportSvgButton", "exportCsvButton"})
            QVERIFY(!child<QPushButton>(&panel, name)->isEnabled());
    }

    void measureNeedsTheModelsAndAText()
    {
        StudioState state;
        PerplexityPanel panel(state);
        auto* measure = child<QPushButton>(&panel, "runCompareButton");
        panel.setUnavailableReason(QStringLiteral("Compile the model first."));
        QVERIFY(!measure->isEnabled());
        QCOMPARE(measure->toolTip(), QStringLiteral("Compile the model first."));
        QVERIFY(!child<QPushButton>(&panel, "cancelCompareButton")->isEnabled());
        panel.setUnavailableReason({});
        QVERIFY(!measure->isEnabled());  // no text yet
        QVERIFY(measure->toolTip().isEmpty());
        child<QLineEdit>(&panel, "perplexityTextEdit")->setText(QStringLiteral("/some/text.txt"));
        QVERIFY(measure->isEnabled());

        auto* ratio = child<QLabel>(&panel, "perplexityRatioLabel");
        ratio->setText(QStringLiteral("1.0100"));
        ratio->setProperty("value", 1.01);
        panel.clearResults();
        QCOMPARE(ratio->text(), QStringLiteral("—"));
        QVERIFY(!ratio->property("value").isValid());
    }

    void generateNeedsTheModels()
    {
        StudioState state;
        TryItPanel panel(state);
        auto* generate = child<QPushButton>(&panel, "generateButton");
        panel.setUnavailableReason(QStringLiteral("Compile the model first."));
        QVERIFY(!generate->isEnabled());
        QCOMPARE(generate->toolTip(), QStringLiteral("Compile the model first."));
        QVERIFY(!child<QPushButton>(&panel, "stopGenerateButton")->isEnabled());
        panel.setUnavailableReason({});
        QVERIFY(generate->isEnabled());
        QVERIFY(generate->toolTip().isEmpty());
    }

    // The chat-template switch is on for a model folder with a template, and off (disabled) for one without.
    void chatTemplateFollowsTheModel()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        StudioState state;
        TryItPanel panel(state);
        auto* useChat = child<QCheckBox>(&panel, "useChatTemplateCheck");
        QVERIFY(!useChat->isEnabled());
        QVERIFY(!useChat->isChecked());
        state.setModel(dir.path(), std::nullopt);
        QVERIFY(!useChat->isEnabled());
        QVERIFY(useChat->toolTip().contains("no chat template"));
        QFile config(dir.filePath("tokenizer_config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"chat_template": "{{ messages[0].content }}"})");
        config.close();
        state.clearModel();
        state.setModel(dir.path(), std::nullopt);
        QVERIFY(useChat->isEnabled());
        QVERIFY(useChat->isChecked());
        QVERIFY(useChat->toolTip().contains("tokenizer_config.json"));
    }
};

QTEST_MAIN(TestResultsPanels)
#include "TestResultsPanels.moc"
