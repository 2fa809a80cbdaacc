#pragma once

#include "pages/WizardPage.h"

#include "lathe/compile/CompileReport.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QRadioButton;
class QTabWidget;

namespace lathe::ui {

class LayerChart;
class StudioState;

// The results page's charts of the per-layer quantization error: SQNR (isolated or propagated, one series per
// projection type, worst points marked, exact values on hover) and activation clipping rate, exported as PNG/SVG
// (the chart on screen) or CSV (every report row) into the project's output folder by default.
class LayerErrorPanel : public QWidget {
    Q_OBJECT
public:
    explicit LayerErrorPanel(StudioState& state, QWidget* parent = nullptr);

    // The report to chart and export; null clears the charts and disables the exports. Not owned: the caller keeps
    // it alive until the next call.
    void setReport(const compile::CompileReport* report);
    // Shows the outcome of a file action under the export buttons.
    void showStatus(const QString& text, WizardPage::Tone tone);

private:
    LayerChart* currentChart() const;
    void exportChart(const QString& format);
    void exportCsv();

    StudioState& m_state;
    const compile::CompileReport* m_report = nullptr;

    QTabWidget* m_tabs = nullptr;
    QRadioButton* m_isolated = nullptr;
    QRadioButton* m_propagated = nullptr;
    LayerChart* m_sqnrChart = nullptr;
    LayerChart* m_clipChart = nullptr;
    QPushButton* m_exportPng = nullptr;
    QPushButton* m_exportSvg = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QLabel* m_exportStatus = nullptr;
};

}  // namespace lathe::ui
