#pragma once

#include "pages/WizardPage.h"

#include "lathe/compile/CompileReport.h"

#include <QDateTime>

#include <optional>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTabWidget;
class QTreeWidget;

namespace lathe::ui {

class Job;
class LayerChart;

// Step 7: what the compile produced. The report's per-layer SQNR (isolated or propagated, one series per
// projection type, worst points marked, exact values on hover) and activation clipping rate, exported as
// PNG/SVG (chart) or CSV (report rows); float vs compiled perplexity on a text the user picks
// (lathe::compareModels, in the background); the output files with "open folder"; and a prompt box that
// generates with the float and the compiled model side by side.
class ResultsPage : public WizardPage {
    Q_OBJECT
public:
    explicit ResultsPage(StudioState& state, QWidget* parent = nullptr);

    // The report on screen (empty until a compile of these settings exists).
    const std::optional<compile::CompileReport>& report() const { return m_report; }

protected:
    void loadSettings() override;
    void showEvent(QShowEvent* event) override;

private:
    void refresh();
    void showReport(const compile::CompileReport& report);
    void clearReport(const QString& message);
    void updateButtons();
    void showFiles();
    LayerChart* currentChart() const;
    void exportChart(const QString& format);
    void exportCsv();
    void chooseTextFile();
    void startCompare();
    void startGenerate();

    QLabel* m_summary = nullptr;
    QLabel* m_message = nullptr;
    QTabWidget* m_tabs = nullptr;
    QRadioButton* m_isolated = nullptr;
    QRadioButton* m_propagated = nullptr;
    LayerChart* m_sqnrChart = nullptr;
    LayerChart* m_clipChart = nullptr;
    QPushButton* m_exportPng = nullptr;
    QPushButton* m_exportSvg = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QLabel* m_exportStatus = nullptr;

    QTreeWidget* m_files = nullptr;
    QPushButton* m_openFolder = nullptr;

    QLineEdit* m_textFile = nullptr;
    QPushButton* m_textBrowse = nullptr;
    QLineEdit* m_dropLine = nullptr;
    QSpinBox* m_ctx = nullptr;
    QPushButton* m_compare = nullptr;
    QPushButton* m_cancelCompare = nullptr;
    QProgressBar* m_compareProgress = nullptr;
    QLabel* m_floatPpl = nullptr;
    QLabel* m_compiledPpl = nullptr;
    QLabel* m_ratio = nullptr;
    QLabel* m_agreement = nullptr;
    QLabel* m_compareError = nullptr;

    QLineEdit* m_prompt = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_stopGenerate = nullptr;
    QPlainTextEdit* m_floatOutput = nullptr;
    QPlainTextEdit* m_compiledOutput = nullptr;
    QLabel* m_generateStatus = nullptr;

    Job* m_loadJob = nullptr;
    Job* m_compareJob = nullptr;
    Job* m_generateJob = nullptr;
    std::optional<compile::CompileReport> m_report;
    QString m_reportPath;
    QDateTime m_reportTime;
    bool m_loadAgain = false;
};

}  // namespace lathe::ui
