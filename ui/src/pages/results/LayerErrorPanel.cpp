#include "pages/results/LayerErrorPanel.h"

#include "StudioState.h"
#include "lathe/ui/Dialogs.h"
#include "report/ReportExport.h"
#include "widgets/LayerChart.h"

#include <QButtonGroup>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace lathe::ui {

LayerErrorPanel::LayerErrorPanel(StudioState& state, QWidget* parent) : QWidget(parent), m_state(state)
{
    setObjectName(QStringLiteral("layerErrorPanel"));
    auto* chartColumn = new QVBoxLayout(this);
    chartColumn->setContentsMargins(0, 0, 0, 0);
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
    m_exportStatus = WizardPage::makeMessageLabel(QStringLiteral("exportStatusLabel"), this);
    chartColumn->addWidget(m_exportStatus);

    connect(m_isolated, &QRadioButton::toggled, this, [this](bool isolated) {
        m_sqnrChart->setMetric(isolated ? LayerMetric::SqnrIsolated : LayerMetric::SqnrPropagated);
    });
    connect(m_exportPng, &QPushButton::clicked, this, [this] { exportChart(QStringLiteral("png")); });
    connect(m_exportSvg, &QPushButton::clicked, this, [this] { exportChart(QStringLiteral("svg")); });
    connect(m_exportCsv, &QPushButton::clicked, this, &LayerErrorPanel::exportCsv);
}

void LayerErrorPanel::setReport(const compile::CompileReport* report)
{
    m_report = report;
    if (report) {
        const int layers = static_cast<int>(report->blocks.size());
        m_sqnrChart->setRows(report->linears, layers);
        m_clipChart->setRows(report->linears, layers);
    } else {
        m_sqnrChart->setRows({}, 0);
        m_clipChart->setRows({}, 0);
    }
    for (QPushButton* b : {m_exportPng, m_exportSvg, m_exportCsv}) b->setEnabled(report != nullptr);
}

void LayerErrorPanel::showStatus(const QString& text, WizardPage::Tone tone)
{
    WizardPage::showMessage(m_exportStatus, text, tone);
}

LayerChart* LayerErrorPanel::currentChart() const
{
    return m_tabs->currentIndex() == 1 ? m_clipChart : m_sqnrChart;
}

void LayerErrorPanel::exportChart(const QString& format)
{
    if (!m_report) return;
    LayerChart* chart = currentChart();
    const QString kind = chart == m_clipChart                           ? QStringLiteral("clipping")
                         : chart->metric() == LayerMetric::SqnrIsolated ? QStringLiteral("sqnr-isolated")
                                                                        : QStringLiteral("sqnr-propagated");
    const QString suggestion =
        QDir(QString::fromStdString(m_state.settings().outputDir))
            .filePath(QStringLiteral("%1-%2-%3.%4")
                          .arg(QString::fromStdString(m_report->model),
                               QString::fromLatin1(quant::toString(m_report->bitMode)), kind, format));
    const QString filter = format == QLatin1String("png") ? tr("PNG images (*.png)") : tr("SVG drawings (*.svg)");
    QString path = Dialogs::saveFile(this, tr("Export chart"), suggestion, filter);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + format;
    const QString error =
        format == QLatin1String("png") ? exportPng(chart->plot(), path) : exportSvg(chart->plot(), path);
    if (error.isEmpty())
        showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(path)), WizardPage::Tone::Success);
    else
        showStatus(error, WizardPage::Tone::Error);
}

void LayerErrorPanel::exportCsv()
{
    if (!m_report) return;
    const QString suggestion = QDir(QString::fromStdString(m_state.settings().outputDir))
                                   .filePath(QStringLiteral("%1-%2-layers.csv")
                                                 .arg(QString::fromStdString(m_report->model),
                                                      QString::fromLatin1(quant::toString(m_report->bitMode))));
    QString path = Dialogs::saveFile(this, tr("Export data"), suggestion, tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".csv");
    const QString error = writeFileAtomically(path, reportCsv(m_report->linears));
    if (error.isEmpty())
        showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(path)), WizardPage::Tone::Success);
    else
        showStatus(error, WizardPage::Tone::Error);
}

}  // namespace lathe::ui
