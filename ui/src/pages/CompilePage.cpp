#include "pages/CompilePage.h"

#include "Format.h"
#include "StudioState.h"
#include "compile/CompiledFiles.h"
#include "jobs/Job.h"
#include "lathe/project/ProjectLayout.h"
#include "lathe/ui/Dialogs.h"
#include "widgets/LayerChart.h"

#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QShowEvent>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace lathe::ui {

namespace {

constexpr int kClockIntervalMs = 250;
constexpr int kProgressScale = 1000;
constexpr int kLogLines = 5000;
constexpr int kStageColumn = 0, kProgressColumn = 1, kTimeColumn = 2;

QString stageTime(qint64 ms)
{
    if (ms < 60000) return CompilePage::tr("%1 s").arg(static_cast<double>(ms) / 1000.0, 0, 'f', 1);
    return formatDuration(static_cast<double>(ms) / 1000.0);
}

QString nativePath(const std::string& path)
{
    return QDir::toNativeSeparators(QString::fromStdString(path));
}

}  // namespace

CompilePage::CompilePage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Compile"),
                 tr("Quantizes the model one decoder layer at a time with the calibration samples, then writes the "
                    "compiled model, its report and, for rotated modes, the R1 rotation and the rotated embedding. "
                    "An interrupted compile continues from its last finished layer."),
                 parent)
{
    setObjectName(QStringLiteral("compilePage"));
    m_job = new Job(this);
    m_job->setTaskName(tr("the compile"));
    m_reportJob = new Job(this);

    auto* planBox = new QGroupBox(tr("What runs"), this);
    auto* planLayout = new QVBoxLayout(planBox);
    m_plan = new QLabel(planBox);
    m_plan->setObjectName(QStringLiteral("compilePlanLabel"));
    m_plan->setWordWrap(true);
    m_plan->setTextFormat(Qt::PlainText);
    m_plan->setTextInteractionFlags(Qt::TextSelectableByMouse);
    planLayout->addWidget(m_plan);
    m_validation = makeMessageLabel(QStringLiteral("compileValidationLabel"), planBox);
    planLayout->addWidget(m_validation);
    body()->addWidget(planBox);

    auto* runRow = new QHBoxLayout();
    m_compile = new QPushButton(tr("&Compile"), this);
    m_compile->setObjectName(QStringLiteral("compileButton"));
    m_cancel = new QPushButton(tr("Ca&ncel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelCompileButton"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("compileProgressBar"));
    m_progress->setRange(0, kProgressScale);
    m_progress->setValue(0);
    m_progress->setAccessibleName(tr("Compile progress"));
    m_elapsed = new QLabel(QStringLiteral("—"), this);
    m_elapsed->setObjectName(QStringLiteral("compileElapsedLabel"));
    m_eta = new QLabel(QStringLiteral("—"), this);
    m_eta->setObjectName(QStringLiteral("compileEtaLabel"));
    runRow->addWidget(m_compile);
    runRow->addWidget(m_cancel);
    runRow->addWidget(m_progress, 1);
    runRow->addWidget(new QLabel(tr("Elapsed:"), this));
    runRow->addWidget(m_elapsed);
    runRow->addWidget(new QLabel(tr("Left:"), this));
    runRow->addWidget(m_eta);
    body()->addLayout(runRow);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("compileStatusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    body()->addWidget(m_status);
    m_error = makeMessageLabel(QStringLiteral("compileErrorLabel"), this);
    body()->addWidget(m_error);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setChildrenCollapsible(false);
    m_stages = new QTableWidget(0, 3, split);
    m_stages->setObjectName(QStringLiteral("stageTable"));
    m_stages->setHorizontalHeaderLabels({tr("Stage"), tr("Progress"), tr("Time")});
    m_stages->verticalHeader()->setVisible(false);
    m_stages->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_stages->setSelectionMode(QAbstractItemView::NoSelection);
    m_stages->horizontalHeader()->setSectionResizeMode(kStageColumn, QHeaderView::ResizeToContents);
    m_stages->horizontalHeader()->setSectionResizeMode(kProgressColumn, QHeaderView::Stretch);
    m_stages->horizontalHeader()->setSectionResizeMode(kTimeColumn, QHeaderView::ResizeToContents);
    m_stages->setAccessibleName(tr("Compile stages"));
    m_stages->setMinimumWidth(260);
    m_chart = new LayerChart(QStringLiteral("liveSqnrChart"), LayerMetric::SqnrPropagated, split);
    m_chart->setMinimumHeight(260);
    split->addWidget(m_stages);
    split->addWidget(m_chart);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({360, 640});
    body()->addWidget(split, 1);

    m_log = new QPlainTextEdit(this);
    m_log->setObjectName(QStringLiteral("compileLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(kLogLines);
    m_log->setMinimumHeight(110);
    m_log->setTabChangesFocus(true);
    m_log->setAccessibleName(tr("Compile log"));
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    body()->addWidget(m_log);

    auto* outputsBox = new QGroupBox(tr("Outputs"), this);
    auto* outputsLayout = new QHBoxLayout(outputsBox);
    m_outputs = new QLabel(outputsBox);
    m_outputs->setObjectName(QStringLiteral("compileOutputsLabel"));
    m_outputs->setWordWrap(true);
    m_outputs->setTextFormat(Qt::PlainText);
    m_outputs->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* openFolder = new QPushButton(tr("Open &folder"), outputsBox);
    openFolder->setObjectName(QStringLiteral("compileOpenFolderButton"));
    outputsLayout->addWidget(m_outputs, 1);
    outputsLayout->addWidget(openFolder, 0, Qt::AlignTop);
    body()->addWidget(outputsBox);

    m_clock = new QTimer(this);
    m_clock->setInterval(kClockIntervalMs);

    connect(m_compile, &QPushButton::clicked, this, &CompilePage::startCompile);
    connect(m_cancel, &QPushButton::clicked, this, &CompilePage::cancelCompile);
    connect(openFolder, &QPushButton::clicked, this,
            [this] { Dialogs::openUrl(QUrl::fromLocalFile(QString::fromStdString(state().settings().outputDir))); });
    connect(m_clock, &QTimer::timeout, this, &CompilePage::updateClock);
    connect(m_job, &Job::progressed, this, &CompilePage::onFeed);
    connect(&studio, &StudioState::settingsEdited, this, &CompilePage::refresh);
    connect(&studio, &StudioState::modelChanged, this, &CompilePage::refresh);
    connect(&studio, &StudioState::outputsChanged, this, &CompilePage::refresh);
    refresh();
}

void CompilePage::loadSettings()
{
    if (isRunning()) return;
    m_status->clear();
    showMessage(m_error, {});
    m_log->clear();
    m_stages->setRowCount(0);
    m_stageBars.clear();
    m_progress->setValue(0);
    m_elapsed->setText(QStringLiteral("—"));
    m_eta->setText(QStringLiteral("—"));
    m_chart->clear();
    refresh();
    showFinishedCompile();
}

void CompilePage::showFinishedCompile()
{
    if (!outputsExist()) return;
    const QString path = compileReportPath(state().settings());
    m_reportJob->abandon();
    m_reportJob->whenIdle([this, path] {
        m_reportJob->start<compile::CompileReport>(
            [file = path.toStdString()](const StopToken&, const Job::Report&) {
                return compile::loadCompileReport(file);
            },
            [this, path](Result<compile::CompileReport> report) {
                if (isRunning() || compileReportPath(state().settings()) != path) return;
                if (!report) {
                    showMessage(m_error,
                                tr("Cannot read the report of the earlier compile: %1")
                                    .arg(QString::fromStdString(report.error().message)),
                                Tone::Error);
                    return;
                }
                const int layers = static_cast<int>(report->blocks.size());
                buildStages(layers);
                for (int row = 0; row < m_stageBars.size(); ++row) setStageState(row, StageState::Done);
                m_chart->setRows(report->linears, layers);
                m_progress->setValue(kProgressScale);
                m_status->setText(tr("Compiled earlier: %1 layers, %2 calibration samples (%3 tokens), final KL "
                                     "divergence %4 nats.")
                                      .arg(layers)
                                      .arg(report->calibSamples)
                                      .arg(formatCount(report->calibTokens))
                                      .arg(report->finalKlDivergence, 0, 'g', 4));
            });
    });
}

void CompilePage::showEvent(QShowEvent* event)
{
    WizardPage::showEvent(event);
    refresh();
}

bool CompilePage::isRunning() const
{
    return m_job->isRunning();
}

QString CompilePage::validationMessage() const
{
    const project::ProjectSettings& s = state().settings();
    QStringList problems;
    if (state().modelDirectory().isEmpty())
        problems << tr("Choose a model on the Model page (download it, or pick a local folder) first.");
    if (s.outputDir.empty()) problems << tr("Choose an output folder on the Project page.");
    if (auto valid = validateProject(s); !valid) problems << QString::fromStdString(valid.error().message);
    if (!s.outputDir.empty() && !QFileInfo::exists(QString::fromStdString(projectLayout(s).calibManifestPath)))
        problems << tr("No calibration samples for these settings yet: generate them on the Calibration page.");
    return problems.join(QLatin1Char('\n'));
}

bool CompilePage::outputsExist() const
{
    return QFileInfo(compiledModelPath(state().settings())).isFile() &&
           QFileInfo(compileReportPath(state().settings())).isFile();
}

void CompilePage::refresh()
{
    const project::ProjectSettings& s = state().settings();
    const auto& q = s.quantization;
    QStringList plan;
    plan << tr("Model: %1")
                .arg(state().modelDirectory().isEmpty()
                         ? tr("none yet")
                         : QStringLiteral("%1 (%2)").arg(state().modelTag(),
                                                         QDir::toNativeSeparators(state().modelDirectory())));
    plan << tr("Calibration samples: %1").arg(nativePath(projectLayout(s).calibSamplesDir));
    QString method =
        tr("%1, %2 weights, %3 activation scales")
            .arg(QString::fromLatin1(quant::toString(q.bitMode)), q.gptq ? tr("GPTQ") : tr("round-to-nearest"),
                 QString::fromLatin1(quant::toString(q.activationMethod)));
    if (q.activationMethod == quant::ActivationMethod::Percentile) method += tr(" (percentile %1)").arg(q.percentile);
    method += q.rotation ? tr(", rotated (seed %1)").arg(q.seed) : tr(", not rotated");
    if (q.groupSize > 0) method += tr(", groups of %1").arg(q.groupSize);
    if (!q.keep16BitActivations.empty())
        method += tr(", 16-bit activations for %1 linears").arg(q.keep16BitActivations.size());
    plan << tr("Quantization: %1").arg(method);
    plan << tr("Compiled model: %1").arg(QDir::toNativeSeparators(compiledModelPath(s)));
    m_plan->setText(plan.join(QLatin1Char('\n')));

    const bool running = isRunning();
    const QString problems = running ? QString() : validationMessage();
    showMessage(m_validation, problems, Tone::Error);
    m_compile->setEnabled(!running && problems.isEmpty());
    m_compile->setText(outputsExist() ? tr("&Compile again") : tr("&Compile"));
    m_cancel->setEnabled(running && !m_job->stopRequested());
    if (!running) showOutputs();
}

void CompilePage::showOutputs()
{
    const QList<CompiledFile> files = existingCompiledFiles(state().settings());
    if (!outputsExist()) {
        m_outputs->setText(tr("Nothing compiled with these settings yet."));
        return;
    }
    QStringList lines;
    for (const CompiledFile& f : files)
        lines << tr("%1: %2 — %3").arg(f.role, QDir::toNativeSeparators(f.path), formatBytes(QFileInfo(f.path).size()));
    m_outputs->setText(lines.join(QLatin1Char('\n')));
}

void CompilePage::startCompile()
{
    if (isRunning() || !validationMessage().isEmpty()) return;
    if (outputsExist()) {
        const auto answer =
            Dialogs::question(this, tr("Compile again"),
                              tr("%1 already holds a model compiled with these settings. Compile again and replace it?")
                                  .arg(QDir::toNativeSeparators(compiledModelPath(state().settings()))),
                              QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) return;
    }
    // Saved first, so an interrupted compile can be picked up from the project file (here or with the CLI).
    const bool saved = m_saveProject && m_saveProject();

    CompileRequest request{state().settings(), state().modelDirectory().toStdString()};
    m_feed = std::make_shared<CompileFeed>();
    const int layers = state().modelConfig() ? state().modelConfig()->numLayers : 0;
    buildStages(layers);
    m_chart->setRows({}, layers);
    m_log->clear();
    showMessage(m_error, {});
    m_progress->setRange(0, kProgressScale);
    m_progress->setValue(0);
    m_eta->setText(QStringLiteral("—"));
    m_status->setText(tr("Compiling…"));
    m_finishedLayers = 0;
    m_stepsPerLayer = 0;
    m_firstSteps = -1;
    m_currentRow = -1;
    m_latest = Progress();
    appendLog(tr("Compiling %1 (%2) into %3")
                  .arg(state().modelTag(), QString::fromLatin1(quant::toString(request.settings.quantization.bitMode)),
                       QDir::toNativeSeparators(compiledModelPath(request.settings))));
    appendLog(saved ? tr("Project saved to %1").arg(QDir::toNativeSeparators(state().projectPath()))
                    : tr("The project is not saved: an interrupted compile can still continue from this page."));
    m_runTimer.start();
    updateClock();
    m_clock->start();
    auto feed = m_feed;
    m_job->start<compile::CompileSummary>(
        [request, feed](const StopToken& stop, const Job::Report& report) {
            return runCompile(
                request, *feed, [report] { report(QVariant()); }, stop);
        },
        [this](Result<compile::CompileSummary> result) { onFinished(std::move(result)); });
    refresh();
}

void CompilePage::cancelCompile()
{
    if (!isRunning()) return;
    m_status->setText(tr("Cancelling…"));
    appendLog(tr("Cancel requested"));
    m_job->cancel();
    m_cancel->setEnabled(false);
}

void CompilePage::buildStages(int layers)
{
    m_layers = layers;
    QStringList names = {tr("Validate")};
    for (int i = 1; i <= layers; ++i) names << tr("Layer %1/%2").arg(i).arg(layers);
    names << tr("Head") << tr("Write");
    m_stages->setRowCount(0);
    m_stageBars.clear();
    m_stages->setRowCount(static_cast<int>(names.size()));
    for (int row = 0; row < names.size(); ++row) {
        m_stages->setItem(row, kStageColumn, new QTableWidgetItem(names[row]));
        auto* bar = new QProgressBar(m_stages);
        bar->setObjectName(QStringLiteral("stageProgress%1").arg(row));
        bar->setRange(0, kProgressScale);
        bar->setValue(0);
        bar->setFormat(tr("waiting"));
        bar->setAccessibleName(names[row]);
        m_stages->setCellWidget(row, kProgressColumn, bar);
        m_stages->setItem(row, kTimeColumn, new QTableWidgetItem(QString()));
        m_stageBars << bar;
    }
    m_stageStartSteps = QVector<qint64>(names.size(), -1);
    m_stageStates = QVector<StageState>(names.size(), StageState::Waiting);
    m_stageStartMs = QVector<qint64>(names.size(), -1);
}

int CompilePage::stageRow(const std::string& stage) const
{
    if (stage == "validate") return 0;
    if (stage == "head") return m_layers + 1;
    if (stage == "write") return m_layers + 2;
    if (stage.rfind("layer ", 0) == 0) {
        const int layer = std::atoi(stage.c_str() + 6);
        if (layer >= 1 && layer <= m_layers) return layer;
    }
    return -1;
}

void CompilePage::setStageState(int row, StageState stageState)
{
    if (row < 0 || row >= m_stageBars.size()) return;
    QProgressBar* bar = m_stageBars[row];
    switch (stageState) {
        case StageState::Waiting:
            bar->setRange(0, kProgressScale);
            bar->setValue(0);
            bar->setFormat(tr("waiting"));
            break;
        case StageState::Running:
            bar->setFormat(QStringLiteral("%p%"));
            break;
        case StageState::Done:
            bar->setRange(0, kProgressScale);
            bar->setValue(kProgressScale);
            bar->setFormat(tr("done"));
            break;
        case StageState::Resumed:
            bar->setRange(0, kProgressScale);
            bar->setValue(kProgressScale);
            bar->setFormat(tr("from the earlier run"));
            break;
    }
    bar->setProperty("stageState", static_cast<int>(stageState));
    m_stageStates[row] = stageState;
}

void CompilePage::enterStage(int row, const Progress& progress)
{
    const qint64 now = m_runTimer.elapsed();
    const bool steps = progress.unit == "steps";
    const bool layerRow = row >= 1 && row <= m_layers;
    // Layers an earlier run finished are skipped: the first layer this run reports comes with their steps done.
    const bool resuming = layerRow && m_currentRow <= 0 && row > 1 && steps && progress.done > 0;
    if (resuming) m_stepsPerLayer = progress.done / (row - 1);
    for (int r = std::max(m_currentRow, 0); r < row; ++r) {
        if (r == m_currentRow) {
            // All layers take the same number of steps; measure one to size the next layers' bars.
            if (r >= 1 && r <= m_layers && steps && m_stageStartSteps[r] >= 0)
                m_stepsPerLayer = progress.done - m_stageStartSteps[r];
            finishStage(r);
            continue;
        }
        const bool skipped = r >= 1 && r <= m_layers && resuming;
        setStageState(r, skipped ? StageState::Resumed : StageState::Done);
    }
    m_currentRow = row;
    m_stageStartMs[row] = now;
    m_stageStartSteps[row] = steps ? progress.done : -1;
    setStageState(row, StageState::Running);
    m_stages->scrollToItem(m_stages->item(row, kStageColumn));
}

void CompilePage::finishStage(int row)
{
    if (row < 0 || row >= m_stageStates.size() || m_stageStates[row] != StageState::Running) return;
    if (m_stageStartMs[row] >= 0)
        m_stages->item(row, kTimeColumn)->setText(stageTime(m_runTimer.elapsed() - m_stageStartMs[row]));
    setStageState(row, StageState::Done);
}

void CompilePage::updateStageProgress(const Progress& p)
{
    const bool steps = p.unit == "steps" && p.total > 0;
    if (steps) {
        m_progress->setValue(
            static_cast<int>(std::clamp<qint64>(p.done * kProgressScale / p.total, 0, kProgressScale)));
        const qint64 now = m_runTimer.elapsed();
        if (m_firstSteps < 0 || p.done < m_firstSteps) {
            m_firstSteps = p.done;
            m_firstStepsMs = now;
        } else if (p.done > m_firstSteps && now - m_firstStepsMs >= 500) {
            const double perMs = static_cast<double>(p.done - m_firstSteps) / static_cast<double>(now - m_firstStepsMs);
            m_eta->setText(formatDuration(static_cast<double>(p.total - p.done) / perMs / 1000.0));
        }
    }
    const int row = m_currentRow;
    if (row < 0 || row >= m_stageBars.size() || m_stageStates[row] != StageState::Running) return;
    QProgressBar* bar = m_stageBars[row];
    double fraction = -1;
    if (steps && row >= 1 && row <= m_layers && m_stageStartSteps[row] >= 0) {
        const double perLayer = m_stepsPerLayer > 0 ? static_cast<double>(m_stepsPerLayer)
                                                    : static_cast<double>(p.total) / (m_layers + 0.4);
        // A layer is done when the next stage begins, not before.
        fraction = std::min(0.99, static_cast<double>(p.done - m_stageStartSteps[row]) / perLayer);
    } else if (steps && row == m_layers + 1 && m_stageStartSteps[row] >= 0) {
        const qint64 left = p.total - m_stageStartSteps[row];
        fraction = left > 0 ? static_cast<double>(p.done - m_stageStartSteps[row]) / static_cast<double>(left) : 1.0;
    } else if (!steps && p.total > 0) {
        fraction = static_cast<double>(p.done) / static_cast<double>(p.total);
    }
    if (fraction < 0) {
        bar->setRange(0, 0);  // busy: no measure of this stage's progress
        return;
    }
    bar->setRange(0, kProgressScale);
    bar->setValue(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * kProgressScale));
}

void CompilePage::onFeed()
{
    if (!m_feed) return;
    CompileFeed::Batch batch = m_feed->take();
    for (const Progress& change : batch.changes) {
        QString line = QString::fromStdString(change.stage);
        if (!change.detail.empty()) line += QStringLiteral(": ") + QString::fromStdString(change.detail);
        appendLog(line);
        const int row = stageRow(change.stage);
        if (row > m_currentRow) enterStage(row, change);
    }
    std::vector<compile::LinearReport> rows;
    for (const LayerResult& layer : batch.layers) {
        if (layer.block.layer >= 0) {
            ++m_finishedLayers;
            finishStage(layer.block.layer + 1);
            appendLog(tr("layer %1 finished: block output SQNR %2")
                          .arg(layer.block.layer)
                          .arg(formatSqnr(layer.block.outputSqnrDb)));
        }
        rows.insert(rows.end(), layer.linears.begin(), layer.linears.end());
    }
    if (!rows.empty()) m_chart->appendRows(rows);
    if (batch.hasProgress) {
        m_latest = batch.latest;
        updateStageProgress(batch.latest);
    }
}

void CompilePage::updateClock()
{
    const qint64 now = m_runTimer.isValid() ? m_runTimer.elapsed() : 0;
    m_elapsed->setText(formatDuration(static_cast<double>(now) / 1000.0));
    if (isRunning() && m_currentRow >= 0 && m_currentRow < m_stages->rowCount() &&
        m_stageStates[m_currentRow] == StageState::Running && m_stageStartMs[m_currentRow] >= 0)
        m_stages->item(m_currentRow, kTimeColumn)->setText(stageTime(now - m_stageStartMs[m_currentRow]));
}

void CompilePage::appendLog(const QString& line)
{
    const qint64 ms = m_runTimer.isValid() ? m_runTimer.elapsed() : 0;
    m_log->appendPlainText(QStringLiteral("[%1] %2").arg(formatDuration(static_cast<double>(ms) / 1000.0), line));
}

void CompilePage::onFinished(Result<compile::CompileSummary> result)
{
    onFeed();
    m_clock->stop();
    updateClock();
    m_eta->setText(QStringLiteral("—"));
    if (result) {
        const compile::CompileSummary& summary = *result;
        finishStage(m_currentRow);
        for (int row = std::max(m_currentRow, 0); row < m_stageBars.size(); ++row)
            if (m_stageStates[row] == StageState::Waiting) setStageState(row, StageState::Done);
        m_progress->setValue(kProgressScale);
        // The finished report is the reference: the live rows came from the same run, this makes sure.
        m_chart->setRows(summary.report.linears, summary.layers);
        QString text = tr("Compiled in %1: %2 layers, %3 calibration samples (%4 tokens), final KL divergence %5 nats.")
                           .arg(formatDuration(summary.seconds))
                           .arg(summary.layers)
                           .arg(summary.samples)
                           .arg(formatCount(summary.calibTokens))
                           .arg(summary.finalKlDivergence, 0, 'g', 4);
        if (summary.resumedLayers > 0)
            text += QLatin1Char(' ') + tr("Layers taken from the interrupted run: %1.").arg(summary.resumedLayers);
        m_status->setText(text);
        appendLog(tr("Wrote %1").arg(nativePath(summary.savePath)));
        state().notifyOutputsChanged();
    } else if (result.error().code == ErrorCode::Cancelled) {
        if (m_currentRow >= 0 && m_stageStates[m_currentRow] == StageState::Running) {
            setStageState(m_currentRow, StageState::Waiting);  // it starts over next time
            m_stages->item(m_currentRow, kTimeColumn)->setText(QString());
        }
        m_status->setText(
            m_finishedLayers > 0
                ? tr("Cancelled. No output was written. Finished layers kept: %1; compiling again continues "
                     "from layer %2.")
                      .arg(m_finishedLayers)
                      .arg(m_finishedLayers + 1)
                : tr("Cancelled. No output was written."));
        appendLog(tr("Cancelled"));
    } else {
        if (m_currentRow >= 0) m_stageBars[m_currentRow]->setFormat(tr("failed"));
        m_status->setText(tr("Compile failed."));
        showMessage(m_error, QString::fromStdString(result.error().message), Tone::Error);
        appendLog(tr("Failed: %1").arg(QString::fromStdString(result.error().message)));
    }
    refresh();
}

}  // namespace lathe::ui
