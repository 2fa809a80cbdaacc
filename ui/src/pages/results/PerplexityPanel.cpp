#include "pages/results/PerplexityPanel.h"

#include "Format.h"
#include "StudioSettings.h"
#include "StudioState.h"
#include "compile/CompiledFiles.h"
#include "jobs/Job.h"
#include "lathe/runtime/Compare.h"
#include "lathe/ui/Dialogs.h"
#include "pages/WizardPage.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>

namespace lathe::ui {

namespace {

QString fourDecimals(double value)
{
    return QString::number(value, 'f', 4);
}

}  // namespace

PerplexityPanel::PerplexityPanel(StudioState& state, QWidget* parent)
    : QGroupBox(tr("Perplexity: float vs compiled"), parent), m_state(state)
{
    setObjectName(QStringLiteral("perplexityPanel"));
    m_compareJob = new Job(this);
    m_compareJob->setTaskName(tr("the perplexity comparison"));

    auto* pplForm = new QFormLayout(this);
    auto* fileRow = new QHBoxLayout();
    m_textFile = new QLineEdit(this);
    m_textFile->setObjectName(QStringLiteral("perplexityTextEdit"));
    m_textFile->setPlaceholderText(tr("a UTF-8 text file"));
    m_textBrowse = new QPushButton(tr("Bro&wse…"), this);
    m_textBrowse->setObjectName(QStringLiteral("perplexityBrowseButton"));
    fileRow->addWidget(m_textFile, 1);
    fileRow->addWidget(m_textBrowse);
    WizardPage::addBuddyRow(pplForm, tr("&Text:"), m_textFile, fileRow);
    m_dropLine = new QLineEdit(this);
    m_dropLine->setObjectName(QStringLiteral("dropLineEdit"));
    m_dropLine->setPlaceholderText(tr("e.g. <|endoftext|>"));
    m_dropLine->setToolTip(tr("Lines equal to this text are removed before tokenizing (story separators)"));
    WizardPage::addBuddyRow(pplForm, tr("&Remove lines:"), m_dropLine);
    m_ctx = new QSpinBox(this);
    m_ctx->setObjectName(QStringLiteral("perplexityCtxSpin"));
    m_ctx->setRange(0, 1 << 20);
    m_ctx->setSpecialValueText(tr("model context (at most 2048)"));
    m_ctx->setSuffix(tr(" tokens"));
    WizardPage::addBuddyRow(pplForm, tr("&Window:"), m_ctx);
    auto* runRow = new QHBoxLayout();
    m_compare = new QPushButton(tr("&Measure"), this);
    m_compare->setObjectName(QStringLiteral("runCompareButton"));
    m_cancelCompare = new QPushButton(tr("Cancel"), this);
    m_cancelCompare->setObjectName(QStringLiteral("cancelCompareButton"));
    m_compareProgress = new QProgressBar(this);
    m_compareProgress->setObjectName(QStringLiteral("compareProgressBar"));
    m_compareProgress->setRange(0, 100);
    m_compareProgress->setValue(0);
    runRow->addWidget(m_compare);
    runRow->addWidget(m_cancelCompare);
    runRow->addWidget(m_compareProgress, 1);
    pplForm->addRow(runRow);
    auto value = [this](const char* name) {
        auto* label = new QLabel(QStringLiteral("—"), this);
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
    m_compareError = WizardPage::makeMessageLabel(QStringLiteral("compareErrorLabel"), this);
    pplForm->addRow(m_compareError);

    connect(m_textBrowse, &QPushButton::clicked, this, &PerplexityPanel::chooseTextFile);
    connect(m_textFile, &QLineEdit::textChanged, this, &PerplexityPanel::updateButtons);
    connect(m_compare, &QPushButton::clicked, this, &PerplexityPanel::startCompare);
    connect(m_cancelCompare, &QPushButton::clicked, m_compareJob, &Job::cancel);
    connect(m_compareJob, &Job::runningChanged, this, &PerplexityPanel::updateButtons);
    connect(m_compareJob, &Job::progressed, this, [this](const QVariant& value) {
        if (!value.canConvert<Progress>()) return;
        const auto p = value.value<Progress>();
        if (p.total > 0) m_compareProgress->setValue(static_cast<int>(p.done * 100 / p.total));
    });
}

void PerplexityPanel::setReport(const compile::CompileReport* report)
{
    m_report = report;
}

void PerplexityPanel::setUnavailableReason(const QString& reason)
{
    m_unavailableReason = reason;
    updateButtons();
}

void PerplexityPanel::clearResults()
{
    for (QLabel* label : {m_floatPpl, m_compiledPpl, m_ratio, m_agreement}) {
        label->setText(QStringLiteral("—"));
        label->setProperty("value", QVariant());
    }
}

void PerplexityPanel::updateButtons()
{
    const bool comparing = m_compareJob->isRunning();
    m_compare->setEnabled(m_unavailableReason.isEmpty() && !comparing && !m_textFile->text().trimmed().isEmpty());
    m_cancelCompare->setEnabled(comparing);
    m_compare->setToolTip(m_unavailableReason);
}

void PerplexityPanel::chooseTextFile()
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

void PerplexityPanel::startCompare()
{
    if (!m_report || m_compareJob->isRunning() || m_state.modelDirectory().isEmpty()) return;
    runtime::EvalOptions options;
    options.modelPath = m_state.modelDirectory().toStdString();
    options.mxqPath = compiledModelPath(m_state.settings()).toStdString();
    options.embeddingPath = compiledEmbeddingPath(m_state.settings(), m_report->rotated).toStdString();
    options.textFile = m_textFile->text().trimmed().toStdString();
    if (!m_dropLine->text().isEmpty()) options.dropLines = {m_dropLine->text().toStdString()};
    options.ctx = m_ctx->value();
    WizardPage::showMessage(m_compareError, {});
    for (QLabel* label : {m_floatPpl, m_compiledPpl, m_ratio, m_agreement}) {
        label->setText(tr("measuring…"));
        label->setProperty("value", QVariant());
    }
    m_compareProgress->setValue(0);
    m_compareJob->start<runtime::CompareResult>(
        [options](const StopToken& stop, const Job::Report& report) {
            return compareModels(options, progressReporter(report), stop);
        },
        [this](Result<runtime::CompareResult> result) {
            if (!result) {
                for (QLabel* label : {m_floatPpl, m_compiledPpl, m_ratio, m_agreement})
                    label->setText(QStringLiteral("—"));
                m_compareProgress->setValue(0);
                if (result.error().code != ErrorCode::Cancelled)
                    WizardPage::showMessage(m_compareError, QString::fromStdString(result.error().message),
                                            WizardPage::Tone::Error);
                return;
            }
            m_compareProgress->setValue(100);
            const runtime::PerplexityResult& f = result->floatResult;
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

}  // namespace lathe::ui
