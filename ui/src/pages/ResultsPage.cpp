#include "pages/ResultsPage.h"

#include "Format.h"
#include "StudioSettings.h"
#include "StudioState.h"
#include "compile/CompiledFiles.h"
#include "jobs/Job.h"
#include "lathe/runtime/Compare.h"
#include "lathe/runtime/Generate.h"
#include "lathe/ui/Dialogs.h"
#include "report/ReportExport.h"
#include "widgets/LayerChart.h"

#include <QButtonGroup>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QShowEvent>
#include <QSpinBox>
#include <QTabWidget>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <cmath>
#include <mutex>

namespace lathe::ui {

namespace {

constexpr int kDefaultNewTokens = 64;

QString fourDecimals(double value)
{
    return QString::number(value, 'f', 4);
}

// Text generated so far by each model; the worker appends, the GUI reads the latest copy.
struct GeneratedText {
    std::mutex mutex;
    std::string floatText, compiledText;
    bool compiledStarted = false;
    // {float text, compiled text, "float" or "compiled": the model running}
    QStringList snapshot()
    {
        std::lock_guard<std::mutex> lock(mutex);
        return {QString::fromStdString(floatText), QString::fromStdString(compiledText),
                compiledStarted ? QStringLiteral("compiled") : QStringLiteral("float")};
    }
};

}  // namespace

ResultsPage::ResultsPage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Results"),
                 tr("How much each linear lost to quantization (SQNR: signal-to-quantization-noise ratio, higher is "
                    "better; isolated = only this linear quantized, propagated = with the quantized model's own "
                    "inputs), how often activations were clipped, and how the compiled model compares with the "
                    "float one."),
                 parent)
{
    setObjectName(QStringLiteral("resultsPage"));
    m_loadJob = new Job(this);
    m_compareJob = new Job(this);
    m_compareJob->setTaskName(tr("the perplexity comparison"));
    m_generateJob = new Job(this);
    m_generateJob->setTaskName(tr("the generation"));

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("resultsSummaryLabel"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    body()->addWidget(m_summary);
    m_message = makeMessageLabel(QStringLiteral("resultsMessageLabel"), this);
    body()->addWidget(m_message);

    auto* columns = new QHBoxLayout();
    body()->addLayout(columns, 1);

    // Left: the charts and their export.
    auto* chartColumn = new QVBoxLayout();
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("resultsTabs"));
    auto* sqnrTab = new QWidget(m_tabs);
    auto* sqnrLayout = new QVBoxLayout(sqnrTab);
    auto* toggleRow = new QHBoxLayout();
    m_isolated = new QRadioButton(tr("&Isolated"), sqnrTab);
    m_isolated->setObjectName(QStringLiteral("sqnrIsolatedRadio"));
    m_isolated->setToolTip(tr("Float inputs; only this linear (weights and input activations) quantized"));
    m_propagated = new QRadioButton(tr("&Propagated"), sqnrTab);
    m_propagated->setObjectName(QStringLiteral("sqnrPropagatedRadio"));
    m_propagated->setToolTip(tr("Inputs from the quantized model so far: the error the compiled model really has"));
    auto* toggle = new QButtonGroup(sqnrTab);
    toggle->addButton(m_isolated);
    toggle->addButton(m_propagated);
    m_isolated->setChecked(true);
    toggleRow->addWidget(new QLabel(tr("SQNR:"), sqnrTab));
    toggleRow->addWidget(m_isolated);
    toggleRow->addWidget(m_propagated);
    toggleRow->addStretch(1);
    sqnrLayout->addLayout(toggleRow);
    m_sqnrChart = new LayerChart(QStringLiteral("sqnrChart"), LayerMetric::SqnrIsolated, sqnrTab);
    m_sqnrChart->setMinimumHeight(300);
    sqnrLayout->addWidget(m_sqnrChart, 1);
    m_tabs->addTab(sqnrTab, tr("Per-layer &SQNR"));
    m_clipChart = new LayerChart(QStringLiteral("clipChart"), LayerMetric::ActivationClipRate, m_tabs);
    m_tabs->addTab(m_clipChart, tr("Activation c&lipping"));
    chartColumn->addWidget(m_tabs, 1);
    auto* exportRow = new QHBoxLayout();
    m_exportPng = new QPushButton(tr("Export P&NG…"), this);
    m_exportPng->setObjectName(QStringLiteral("exportPngButton"));
    m_exportSvg = new QPushButton(tr("Export S&VG…"), this);
    m_exportSvg->setObjectName(QStringLiteral("exportSvgButton"));
    m_exportCsv = new QPushButton(tr("Export C&SV…"), this);
    m_exportCsv->setObjectName(QStringLiteral("exportCsvButton"));
    m_exportCsv->setToolTip(tr("Every row of the report: one per layer and projection"));
    exportRow->addWidget(m_exportPng);
    exportRow->addWidget(m_exportSvg);
    exportRow->addWidget(m_exportCsv);
    exportRow->addStretch(1);
    chartColumn->addLayout(exportRow);
    m_exportStatus = makeMessageLabel(QStringLiteral("exportStatusLabel"), this);
    chartColumn->addWidget(m_exportStatus);
    columns->addLayout(chartColumn, 3);

    // Right: files and perplexity.
    auto* side = new QVBoxLayout();
    auto* filesBox = new QGroupBox(tr("Output files"), this);
    auto* filesLayout = new QVBoxLayout(filesBox);
    m_files = new QTreeWidget(filesBox);
    m_files->setObjectName(QStringLiteral("outputFilesList"));
    m_files->setHeaderLabels({tr("File"), tr("Size"), tr("Path")});
    m_files->setRootIsDecorated(false);
    m_files->setAccessibleName(tr("Output files"));
    m_files->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_files->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_files->setMinimumHeight(120);
    m_openFolder = new QPushButton(tr("Open &folder"), filesBox);
    m_openFolder->setObjectName(QStringLiteral("openFolderButton"));
    filesLayout->addWidget(m_files);
    filesLayout->addWidget(m_openFolder, 0, Qt::AlignLeft);
    side->addWidget(filesBox);

    auto* pplBox = new QGroupBox(tr("Perplexity: float vs compiled"), this);
    auto* pplForm = new QFormLayout(pplBox);
    auto* fileRow = new QHBoxLayout();
    m_textFile = new QLineEdit(pplBox);
    m_textFile->setObjectName(QStringLiteral("perplexityTextEdit"));
    m_textFile->setPlaceholderText(tr("a UTF-8 text file"));
    m_textBrowse = new QPushButton(tr("Bro&wse…"), pplBox);
    m_textBrowse->setObjectName(QStringLiteral("perplexityBrowseButton"));
    fileRow->addWidget(m_textFile, 1);
    fileRow->addWidget(m_textBrowse);
    addBuddyRow(pplForm, tr("&Text:"), m_textFile, fileRow);
    m_dropLine = new QLineEdit(pplBox);
    m_dropLine->setObjectName(QStringLiteral("dropLineEdit"));
    m_dropLine->setPlaceholderText(tr("e.g. <|endoftext|>"));
    m_dropLine->setToolTip(tr("Lines equal to this text are removed before tokenizing (story separators)"));
    addBuddyRow(pplForm, tr("&Remove lines:"), m_dropLine);
    m_ctx = new QSpinBox(pplBox);
    m_ctx->setObjectName(QStringLiteral("perplexityCtxSpin"));
    m_ctx->setRange(0, 1 << 20);
    m_ctx->setSpecialValueText(tr("model context (at most 2048)"));
    m_ctx->setSuffix(tr(" tokens"));
    addBuddyRow(pplForm, tr("&Window:"), m_ctx);
    auto* runRow = new QHBoxLayout();
    m_compare = new QPushButton(tr("&Measure"), pplBox);
    m_compare->setObjectName(QStringLiteral("runCompareButton"));
    m_cancelCompare = new QPushButton(tr("Cancel"), pplBox);
    m_cancelCompare->setObjectName(QStringLiteral("cancelCompareButton"));
    m_compareProgress = new QProgressBar(pplBox);
    m_compareProgress->setObjectName(QStringLiteral("compareProgressBar"));
    m_compareProgress->setRange(0, 100);
    m_compareProgress->setValue(0);
    runRow->addWidget(m_compare);
    runRow->addWidget(m_cancelCompare);
    runRow->addWidget(m_compareProgress, 1);
    pplForm->addRow(runRow);
    auto value = [pplBox](const char* name) {
        auto* label = new QLabel(QStringLiteral("—"), pplBox);
        label->setObjectName(QLatin1String(name));
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        return label;
    };
    m_floatPpl = value("floatPerplexityLabel");
    m_compiledPpl = value("compiledPerplexityLabel");
    m_ratio = value("perplexityRatioLabel");
    m_agreement = value("top1AgreementLabel");
    pplForm->addRow(tr("Float model:"), m_floatPpl);
    pplForm->addRow(tr("Compiled model:"), m_compiledPpl);
    pplForm->addRow(tr("Ratio:"), m_ratio);
    pplForm->addRow(tr("Same top token:"), m_agreement);
    m_compareError = makeMessageLabel(QStringLiteral("compareErrorLabel"), pplBox);
    pplForm->addRow(m_compareError);
    side->addWidget(pplBox);
    side->addStretch(1);
    columns->addLayout(side, 2);

    // Bottom: try it.
    auto* tryBox = new QGroupBox(tr("Try it"), this);
    auto* tryLayout = new QGridLayout(tryBox);
    m_prompt = new QLineEdit(tryBox);
    m_prompt->setObjectName(QStringLiteral("promptEdit"));
    m_prompt->setText(tr("Once upon a time"));
    m_prompt->setAccessibleName(tr("Prompt"));
    m_maxTokens = new QSpinBox(tryBox);
    m_maxTokens->setObjectName(QStringLiteral("maxNewTokensSpin"));
    m_maxTokens->setRange(1, 4096);
    m_maxTokens->setValue(kDefaultNewTokens);
    m_maxTokens->setSuffix(tr(" tokens"));
    m_maxTokens->setAccessibleName(tr("Tokens to generate"));
    m_generate = new QPushButton(tr("&Generate"), tryBox);
    m_generate->setObjectName(QStringLiteral("generateButton"));
    m_stopGenerate = new QPushButton(tr("Stop"), tryBox);
    m_stopGenerate->setObjectName(QStringLiteral("stopGenerateButton"));
    auto* promptLabel = new QLabel(tr("Pro&mpt:"), tryBox);
    promptLabel->setBuddy(m_prompt);
    tryLayout->addWidget(promptLabel, 0, 0);
    tryLayout->addWidget(m_prompt, 0, 1, 1, 2);
    auto* buttons = new QHBoxLayout();
    buttons->addWidget(m_maxTokens);
    buttons->addWidget(m_generate);
    buttons->addWidget(m_stopGenerate);
    tryLayout->addLayout(buttons, 0, 3);
    auto output = [tryBox](const char* name, const QString& accessible) {
        auto* edit = new QPlainTextEdit(tryBox);
        edit->setObjectName(QLatin1String(name));
        edit->setReadOnly(true);
        edit->setTabChangesFocus(true);
        edit->setAccessibleName(accessible);
        edit->setMinimumHeight(90);
        return edit;
    };
    m_floatOutput = output("floatOutput", tr("Float model output"));
    m_compiledOutput = output("compiledOutput", tr("Compiled model output"));
    tryLayout->addWidget(new QLabel(tr("Float model"), tryBox), 1, 0, 1, 2);
    tryLayout->addWidget(new QLabel(tr("Compiled model"), tryBox), 1, 2, 1, 2);
    tryLayout->addWidget(m_floatOutput, 2, 0, 1, 2);
    tryLayout->addWidget(m_compiledOutput, 2, 2, 1, 2);
    m_generateStatus = new QLabel(tryBox);
    m_generateStatus->setObjectName(QStringLiteral("generateStatusLabel"));
    m_generateStatus->setWordWrap(true);
    tryLayout->addWidget(m_generateStatus, 3, 0, 1, 4);
    tryLayout->setColumnStretch(1, 1);
    tryLayout->setColumnStretch(2, 1);
    body()->addWidget(tryBox);

    connect(m_isolated, &QRadioButton::toggled, this, [this](bool isolated) {
        m_sqnrChart->setMetric(isolated ? LayerMetric::SqnrIsolated : LayerMetric::SqnrPropagated);
    });
    connect(m_exportPng, &QPushButton::clicked, this, [this] { exportChart(QStringLiteral("png")); });
    connect(m_exportSvg, &QPushButton::clicked, this, [this] { exportChart(QStringLiteral("svg")); });
    connect(m_exportCsv, &QPushButton::clicked, this, &ResultsPage::exportCsv);
    connect(m_openFolder, &QPushButton::clicked, this, [this] {
        const QString folder = QString::fromStdString(state().settings().outputDir);
        if (!Dialogs::openUrl(QUrl::fromLocalFile(folder)))
            showMessage(m_exportStatus, tr("Cannot open %1").arg(QDir::toNativeSeparators(folder)), Tone::Error);
    });
    connect(m_textBrowse, &QPushButton::clicked, this, &ResultsPage::chooseTextFile);
    connect(m_textFile, &QLineEdit::textChanged, this, &ResultsPage::updateButtons);
    connect(m_compare, &QPushButton::clicked, this, &ResultsPage::startCompare);
    connect(m_cancelCompare, &QPushButton::clicked, m_compareJob, &Job::cancel);
    connect(m_compareJob, &Job::runningChanged, this, &ResultsPage::updateButtons);
    connect(m_compareJob, &Job::progressed, this, [this](const QVariant& value) {
        if (!value.canConvert<Progress>()) return;
        const auto p = value.value<Progress>();
        if (p.total > 0) m_compareProgress->setValue(static_cast<int>(p.done * 100 / p.total));
    });
    connect(m_generate, &QPushButton::clicked, this, &ResultsPage::startGenerate);
    connect(m_prompt, &QLineEdit::returnPressed, this, &ResultsPage::startGenerate);
    connect(m_stopGenerate, &QPushButton::clicked, m_generateJob, &Job::cancel);
    connect(m_generateJob, &Job::runningChanged, this, &ResultsPage::updateButtons);
    connect(m_generateJob, &Job::progressed, this, [this](const QVariant& value) {
        const QStringList texts = value.toStringList();
        if (texts.size() != 3) return;
        m_floatOutput->setPlainText(texts[0]);
        m_compiledOutput->setPlainText(texts[1]);
        if (texts[2] == QLatin1String("compiled")) m_generateStatus->setText(tr("Generating with the compiled model…"));
    });
    connect(&studio, &StudioState::outputsChanged, this, &ResultsPage::refresh);
    connect(&studio, &StudioState::settingsEdited, this, &ResultsPage::refresh);
    connect(&studio, &StudioState::modelChanged, this, &ResultsPage::updateButtons);
    clearReport(tr("Nothing compiled yet: compile the model on the Compile page."));
}

void ResultsPage::loadSettings()
{
    m_reportPath.clear();
    m_floatOutput->clear();
    m_compiledOutput->clear();
    for (QLabel* label : {m_floatPpl, m_compiledPpl, m_ratio, m_agreement}) {
        label->setText(QStringLiteral("—"));
        label->setProperty("value", QVariant());
    }
    refresh();
}

void ResultsPage::showEvent(QShowEvent* event)
{
    WizardPage::showEvent(event);
    refresh();
}

void ResultsPage::refresh()
{
    const QString path = compileReportPath(state().settings());
    const QFileInfo info(path);
    showFiles();
    if (!info.isFile()) {
        if (m_report || m_reportPath != path)
            clearReport(
                tr("Nothing compiled with these settings yet: compile the "
                   "model on the Compile page."));
        m_reportPath = path;
        return;
    }
    if (path == m_reportPath && info.lastModified() == m_reportTime && m_report) return;
    if (m_loadJob->isRunning()) {
        m_loadAgain = true;
        return;
    }
    const QDateTime time = info.lastModified();
    m_loadJob->start<compile::CompileReport>(
        [file = path.toStdString()](const StopToken&, const Job::Report&) { return compile::loadCompileReport(file); },
        [this, path, time](Result<compile::CompileReport> loaded) {
            if (m_loadAgain) {
                m_loadAgain = false;
                refresh();
                return;
            }
            m_reportPath = path;
            m_reportTime = time;
            if (!loaded) {
                clearReport(tr("Cannot read the report: %1").arg(QString::fromStdString(loaded.error().message)));
                return;
            }
            showReport(*loaded);
        });
}

void ResultsPage::showReport(const compile::CompileReport& report)
{
    m_report = report;
    const int layers = static_cast<int>(report.blocks.size());
    m_sqnrChart->setRows(report.linears, layers);
    m_clipChart->setRows(report.linears, layers);
    QString method = tr("%1, %2 weights, %3 activation scales")
                         .arg(QString::fromStdString(report.bitMode), QString::fromStdString(report.weightMethod),
                              QString::fromStdString(report.activationMethod));
    if (report.activationMethod == "percentile") method += tr(" (percentile %1)").arg(report.percentile);
    method += report.rotated ? tr(", rotated") : tr(", not rotated");
    QString lastBlock;
    if (!report.blocks.empty()) lastBlock = formatSqnr(report.blocks.back().outputSqnrDb);
    m_summary->setText(tr("%1 — %2. Calibrated on %3 samples (%4 tokens). Last block output SQNR %5; final KL "
                          "divergence %6 nats.")
                           .arg(QString::fromStdString(report.model), method)
                           .arg(report.calibSamples)
                           .arg(formatCount(report.calibTokens))
                           .arg(lastBlock.isEmpty() ? QStringLiteral("—") : lastBlock)
                           .arg(report.finalKlDivergence, 0, 'g', 4));
    showMessage(m_message, {});
    updateButtons();
}

void ResultsPage::clearReport(const QString& message)
{
    m_report.reset();
    m_reportTime = {};
    m_sqnrChart->setRows({}, 0);
    m_clipChart->setRows({}, 0);
    m_summary->clear();
    showMessage(m_message, message, Tone::Info);
    updateButtons();
}

void ResultsPage::showFiles()
{
    m_files->clear();
    for (const CompiledFile& f : existingCompiledFiles(state().settings())) {
        auto* item = new QTreeWidgetItem(m_files);
        item->setText(0, f.role);
        item->setText(1, formatBytes(QFileInfo(f.path).size()));
        item->setText(2, QDir::toNativeSeparators(f.path));
        item->setToolTip(2, QDir::toNativeSeparators(f.path));
        item->setData(0, Qt::UserRole, f.path);
    }
    m_openFolder->setEnabled(QFileInfo(QString::fromStdString(state().settings().outputDir)).isDir());
}

void ResultsPage::updateButtons()
{
    const bool haveReport = m_report.has_value();
    for (QPushButton* b : {m_exportPng, m_exportSvg, m_exportCsv}) b->setEnabled(haveReport);
    const bool haveModel = !state().modelDirectory().isEmpty();
    const bool comparing = m_compareJob->isRunning();
    m_compare->setEnabled(haveReport && haveModel && !comparing && !m_textFile->text().trimmed().isEmpty());
    m_cancelCompare->setEnabled(comparing);
    const bool generating = m_generateJob->isRunning();
    m_generate->setEnabled(haveReport && haveModel && !generating);
    m_stopGenerate->setEnabled(generating);
    const QString why = !haveReport  ? tr("Compile the model first.")
                        : !haveModel ? tr("The float model is not available: choose it on the Model page.")
                                     : QString();
    m_compare->setToolTip(why);
    m_generate->setToolTip(why);
}

LayerChart* ResultsPage::currentChart() const
{
    return m_tabs->currentIndex() == 1 ? m_clipChart : m_sqnrChart;
}

void ResultsPage::exportChart(const QString& format)
{
    if (!m_report) return;
    LayerChart* chart = currentChart();
    const QString kind = chart == m_clipChart                           ? QStringLiteral("clipping")
                         : chart->metric() == LayerMetric::SqnrIsolated ? QStringLiteral("sqnr-isolated")
                                                                        : QStringLiteral("sqnr-propagated");
    const QString suggestion = QDir(QString::fromStdString(state().settings().outputDir))
                                   .filePath(QStringLiteral("%1-%2-%3.%4")
                                                 .arg(QString::fromStdString(m_report->model),
                                                      QString::fromStdString(m_report->bitMode), kind, format));
    const QString filter = format == QLatin1String("png") ? tr("PNG images (*.png)") : tr("SVG drawings (*.svg)");
    QString path = Dialogs::saveFile(this, tr("Export chart"), suggestion, filter);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + format;
    const QString error =
        format == QLatin1String("png") ? exportPng(chart->plot(), path) : exportSvg(chart->plot(), path);
    if (error.isEmpty())
        showMessage(m_exportStatus, tr("Saved %1").arg(QDir::toNativeSeparators(path)), Tone::Success);
    else
        showMessage(m_exportStatus, error, Tone::Error);
}

void ResultsPage::exportCsv()
{
    if (!m_report) return;
    const QString suggestion =
        QDir(QString::fromStdString(state().settings().outputDir))
            .filePath(QStringLiteral("%1-%2-layers.csv")
                          .arg(QString::fromStdString(m_report->model), QString::fromStdString(m_report->bitMode)));
    QString path = Dialogs::saveFile(this, tr("Export data"), suggestion, tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".csv");
    const QString error = writeFileAtomically(path, reportCsv(m_report->linears));
    if (error.isEmpty())
        showMessage(m_exportStatus, tr("Saved %1").arg(QDir::toNativeSeparators(path)), Tone::Success);
    else
        showMessage(m_exportStatus, error, Tone::Error);
}

void ResultsPage::chooseTextFile()
{
    const QString current = m_textFile->text();
    const QString start = QFileInfo(current).exists() ? QFileInfo(current).absolutePath()
                                                      : StudioSettings::lastFolder(QStringLiteral("text"));
    const QString file =
        Dialogs::openFile(this, tr("Text to measure perplexity on"), start, tr("Text files (*.txt);;All files (*)"));
    if (file.isEmpty()) return;
    StudioSettings::setLastFolder(QStringLiteral("text"), QFileInfo(file).absolutePath());
    m_textFile->setText(file);
}

void ResultsPage::startCompare()
{
    if (!m_report || m_compareJob->isRunning() || state().modelDirectory().isEmpty()) return;
    EvalOptions options;
    options.modelPath = state().modelDirectory().toStdString();
    options.mxqPath = compiledModelPath(state().settings()).toStdString();
    options.embeddingPath = compiledEmbeddingPath(state().settings(), m_report->rotated).toStdString();
    options.textFile = m_textFile->text().trimmed().toStdString();
    if (!m_dropLine->text().isEmpty()) options.dropLines = {m_dropLine->text().toStdString()};
    options.ctx = m_ctx->value();
    showMessage(m_compareError, {});
    for (QLabel* label : {m_floatPpl, m_compiledPpl, m_ratio, m_agreement}) {
        label->setText(tr("measuring…"));
        label->setProperty("value", QVariant());
    }
    m_compareProgress->setValue(0);
    m_compareJob->start<CompareResult>(
        [options](const StopToken& stop, const Job::Report& report) {
            return compareModels(options, progressReporter(report), stop);
        },
        [this](Result<CompareResult> result) {
            if (!result) {
                for (QLabel* label : {m_floatPpl, m_compiledPpl, m_ratio, m_agreement})
                    label->setText(QStringLiteral("—"));
                m_compareProgress->setValue(0);
                if (result.error().code != ErrorCode::Cancelled)
                    showMessage(m_compareError, QString::fromStdString(result.error().message), Tone::Error);
                return;
            }
            m_compareProgress->setValue(100);
            const PerplexityResult& f = result->floatResult;
            m_floatPpl->setText(tr("%1 (%2 windows of %3 tokens, %4 tokens scored)")
                                    .arg(fourDecimals(f.perplexity))
                                    .arg(f.windows)
                                    .arg(f.ctx)
                                    .arg(formatCount(f.scoredTokens)));
            m_floatPpl->setProperty("value", f.perplexity);
            m_compiledPpl->setText(fourDecimals(result->compiledResult.perplexity));
            m_compiledPpl->setProperty("value", result->compiledResult.perplexity);
            m_ratio->setText(fourDecimals(result->perplexityRatio));
            m_ratio->setProperty("value", result->perplexityRatio);
            m_agreement->setText(tr("%1 % of positions").arg(result->top1Agreement * 100.0, 0, 'f', 2));
            m_agreement->setProperty("value", result->top1Agreement);
        });
}

void ResultsPage::startGenerate()
{
    if (!m_report || m_generateJob->isRunning() || state().modelDirectory().isEmpty()) return;
    GenerateOptions floatOptions;
    floatOptions.modelPath = state().modelDirectory().toStdString();
    floatOptions.prompt = m_prompt->text().toStdString();
    floatOptions.maxNewTokens = m_maxTokens->value();
    GenerateOptions compiledOptions = floatOptions;
    compiledOptions.mxqPath = compiledModelPath(state().settings()).toStdString();
    compiledOptions.embeddingPath = compiledEmbeddingPath(state().settings(), m_report->rotated).toStdString();
    m_floatOutput->clear();
    m_compiledOutput->clear();
    m_generateStatus->setText(tr("Generating with the float model…"));
    auto text = std::make_shared<GeneratedText>();
    m_generateJob->start<QStringList>(
        [floatOptions, compiledOptions, text](const StopToken& stop, const Job::Report& report) -> Result<QStringList> {
            auto run = [&](const GenerateOptions& options, std::string GeneratedText::*target) -> Result<void> {
                auto generated = generate(
                    options,
                    [&](std::string_view piece) {
                        {
                            std::lock_guard<std::mutex> lock(text->mutex);
                            ((*text).*target).append(piece);
                        }
                        report(text->snapshot());
                    },
                    stop);
                if (!generated) return generated.error();
                return {};
            };
            if (auto f = run(floatOptions, &GeneratedText::floatText); !f) return f.error();
            {
                std::lock_guard<std::mutex> lock(text->mutex);
                text->compiledStarted = true;
            }
            report(text->snapshot());
            if (auto c = run(compiledOptions, &GeneratedText::compiledText); !c) return c.error();
            return text->snapshot();
        },
        [this](Result<QStringList> result) {
            if (!result) {
                m_generateStatus->setText(result.error().code == ErrorCode::Cancelled
                                              ? tr("Stopped.")
                                              : QString::fromStdString(result.error().message));
                return;
            }
            m_floatOutput->setPlainText(result->value(0));
            m_compiledOutput->setPlainText(result->value(1));
            m_generateStatus->setText(tr("Done: greedy decoding, the same prompt for both models."));
        });
}

}  // namespace lathe::ui
