#include "pages/ResultsPage.h"

#include "Format.h"
#include "StudioState.h"
#include "compile/CompiledFiles.h"
#include "jobs/Job.h"
#include "lathe/ui/Dialogs.h"
#include "pages/results/LayerErrorPanel.h"
#include "pages/results/PerplexityPanel.h"
#include "pages/results/TryItPanel.h"
#include "report/LayerSeries.h"

#include <QDir>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QShowEvent>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace lathe::ui {

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
    m_exportJob = new Job(this);
    m_exportJob->setTaskName(tr("the GGUF export"));

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
    m_layerErrors = new LayerErrorPanel(studio, this);
    columns->addWidget(m_layerErrors, 3);

    // Right: files and perplexity.
    auto* side = new QVBoxLayout();
    side->addWidget(buildFilesBox());
    m_perplexity = new PerplexityPanel(studio, this);
    side->addWidget(m_perplexity);
    side->addStretch(1);
    columns->addLayout(side, 2);

    // Bottom: try it.
    m_tryIt = new TryItPanel(studio, this);
    body()->addWidget(m_tryIt);

    connect(m_openFolder, &QPushButton::clicked, this, [this] {
        const QString folder = QString::fromStdString(state().settings().outputDir);
        if (!Dialogs::openUrl(QUrl::fromLocalFile(folder)))
            m_layerErrors->showStatus(tr("Cannot open %1").arg(QDir::toNativeSeparators(folder)), Tone::Error);
    });
    for (auto [button, format] : {std::pair{m_exportGguf, "gguf"}, std::pair{m_exportOnnx, "onnx"}}) {
        connect(button, &QPushButton::clicked, this, [this, button = button, format = std::string(format)] {
            if (m_exportJob->isRunning()) {
                m_exportJob->cancel();
                return;
            }
            m_exportRunning = button;
            exportTo(format);
        });
    }
    connect(m_exportJob, &Job::runningChanged, this, &ResultsPage::updateButtons);
    connect(m_exportJob, &Job::progressed, this, [this](const QVariant& value) {
        showMessage(m_exportStatus, tr("Exporting: %1").arg(value.toString()), Tone::Info);
    });
    connect(&studio, &StudioState::outputsChanged, this, &ResultsPage::refresh);
    connect(&studio, &StudioState::settingsEdited, this, &ResultsPage::refresh);
    connect(&studio, &StudioState::modelChanged, this, &ResultsPage::updateButtons);
    clearReport(tr("Nothing compiled yet: compile the model on the Compile page."));
}

QGroupBox* ResultsPage::buildFilesBox()
{
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
    m_exportGguf = new QPushButton(tr("Export &GGUF"), filesBox);
    m_exportGguf->setObjectName(QStringLiteral("exportGgufButton"));
    m_exportGguf->setToolTip(
        tr("Write the compiled model as a GGUF file for llama.cpp, its weights stored exactly "
           "(compile with the GGUF target on the Quantization page)"));
    m_exportOnnx = new QPushButton(tr("Export &ONNX"), filesBox);
    m_exportOnnx->setObjectName(QStringLiteral("exportOnnxButton"));
    m_exportOnnx->setToolTip(
        tr("Write the compiled model as an ONNX folder with static QuantizeLinear / DequantizeLinear quantization, "
           "for ONNX Runtime, transformers.js and NPU toolchains (opset as the project file says, 21 by default)"));
    m_exportStatus = makeMessageLabel(QStringLiteral("ggufStatusLabel"), filesBox);
    auto* buttons = new QHBoxLayout();
    buttons->addWidget(m_openFolder);
    buttons->addWidget(m_exportGguf);
    buttons->addWidget(m_exportOnnx);
    buttons->addStretch(1);
    filesLayout->addWidget(m_files);
    filesLayout->addLayout(buttons);
    filesLayout->addWidget(m_exportStatus);
    return filesBox;
}

void ResultsPage::loadSettings()
{
    m_reportPath.clear();
    m_tryIt->clearOutputs();
    m_perplexity->clearResults();
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
    m_layerErrors->setReport(&*m_report);
    m_perplexity->setReport(&*m_report);
    m_tryIt->setReport(&*m_report);
    QString method = tr("%1, %2 weights, %3 activation scales")
                         .arg(QString::fromLatin1(quant::toString(report.bitMode)),
                              QString::fromLatin1(quant::toString(report.weightMethod)),
                              QString::fromLatin1(quant::toString(report.activationMethod)));
    if (report.activationMethod == quant::ActivationMethod::Percentile)
        method += tr(" (percentile %1)").arg(report.percentile);
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
    m_layerErrors->setReport(nullptr);
    m_perplexity->setReport(nullptr);
    m_tryIt->setReport(nullptr);
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

void ResultsPage::exportTo(const std::string& format)
{
    project::ProjectSettings settings = state().settings();
    settings.exports.formats = {format};
    project::ProjectStepOptions options;
    options.modelDir = state().modelDirectory().toStdString();
    showMessage(m_exportStatus, tr("Exporting…"), Tone::Info);
    m_exportJob->start<project::ProjectStepResult>(
        [settings, options](const StopToken& stop, const Job::Report& report) {
            const ProgressFn progress = [report](const Progress& p) { report(QString::fromStdString(p.detail)); };
            return project::runProjectStep(settings, project::ProjectStep::Export, options, progress, stop);
        },
        [this, format](Result<project::ProjectStepResult> result) {
            showFiles();
            if (!result) {
                QString message = QString::fromStdString(result.error().message);
                if (format == "gguf" && result.error().code == ErrorCode::InvalidArgument)
                    message +=
                        tr(" — in the Studio: choose the GGUF target on the Quantization page and compile "
                           "again.");
                showMessage(m_exportStatus,
                            result.error().code == ErrorCode::Cancelled ? tr("Export cancelled.") : message,
                            result.error().code == ErrorCode::Cancelled ? Tone::Info : Tone::Error);
                return;
            }
            showExported(*result);
        });
}

void ResultsPage::showExported(const project::ProjectStepResult& result)
{
    if (!result.gguf.empty()) {
        const deploy::GgufExportSummary& s = result.gguf.front();
        showMessage(
            m_exportStatus,
            tr("Wrote %1 (%2, %3 bits per weight; %n linear(s) stored exactly).", "", s.exactLinears)
                .arg(QDir::toNativeSeparators(QString::fromStdString(s.outputPath)), formatBytes(qint64(s.bytes)))
                .arg(s.bitsPerWeight, 0, 'f', 3),
            Tone::Success);
    } else if (!result.onnx.empty()) {
        const deploy::OnnxExportSummary& s = result.onnx.front();
        showMessage(m_exportStatus,
                    tr("Wrote %1 (ONNX opset %2, %3, %n node(s)).", "", s.nodes)
                        .arg(QDir::toNativeSeparators(QString::fromStdString(s.outputDir)))
                        .arg(s.opset)
                        .arg(formatBytes(qint64(s.modelBytes + s.dataBytes))),
                    Tone::Success);
    }
}

// Measuring and generating run both models: the panels are told which one is missing.
void ResultsPage::updateButtons()
{
    const bool haveReport = m_report.has_value();
    const bool running = m_exportJob->isRunning();
    m_exportGguf->setEnabled(running ? m_exportRunning == m_exportGguf : haveReport);
    m_exportOnnx->setEnabled(running ? m_exportRunning == m_exportOnnx : haveReport);
    m_exportGguf->setText(running && m_exportRunning == m_exportGguf ? tr("Cancel e&xport") : tr("Export &GGUF"));
    m_exportOnnx->setText(running && m_exportRunning == m_exportOnnx ? tr("Cancel e&xport") : tr("Export &ONNX"));
    const bool haveModel = !state().modelDirectory().isEmpty();
    const QString why = !haveReport  ? tr("Compile the model first.")
                        : !haveModel ? tr("The float model is not available: choose it on the Model page.")
                                     : QString();
    m_perplexity->setUnavailableReason(why);
    m_tryIt->setUnavailableReason(why);
}

}  // namespace lathe::ui
