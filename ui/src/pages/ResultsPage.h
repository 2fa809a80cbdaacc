#pragma once

#include "pages/WizardPage.h"

#include "lathe/compile/CompileReport.h"
#include "lathe/project/ProjectRun.h"

#include <QDateTime>

#include <optional>

class QGroupBox;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace lathe::ui {

class Job;
class LayerErrorPanel;
class PerplexityPanel;
class TryItPanel;

// Step 7: what the compile produced. A summary of the report and the output files with "open folder" and "export
// GGUF" (the project's export step, on a worker thread, cancellable), beside three
// panels the page hands the report to: the per-layer quantization error as charts with their exports
// (LayerErrorPanel), float vs compiled perplexity on a text the user picks (PerplexityPanel), and a prompt box that
// generates with the float and the compiled model side by side (TryItPanel).
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
    QGroupBox* buildFilesBox();
    void refresh();
    void showReport(const compile::CompileReport& report);
    void clearReport(const QString& message);
    void updateButtons();
    void showFiles();
    // Runs the project's export step for one format ("gguf", "onnx") on the export job.
    void exportTo(const std::string& format);
    void showExported(const project::ProjectStepResult& result);

    QLabel* m_summary = nullptr;
    QLabel* m_message = nullptr;
    LayerErrorPanel* m_layerErrors = nullptr;
    QTreeWidget* m_files = nullptr;
    QPushButton* m_openFolder = nullptr;
    QPushButton* m_exportGguf = nullptr;
    QPushButton* m_exportOnnx = nullptr;
    QPushButton* m_exportRunning = nullptr;  // the button whose export runs (it reads "Cancel export")
    QLabel* m_exportStatus = nullptr;
    Job* m_exportJob = nullptr;
    PerplexityPanel* m_perplexity = nullptr;
    TryItPanel* m_tryIt = nullptr;

    Job* m_loadJob = nullptr;
    std::optional<compile::CompileReport> m_report;
    QString m_reportPath;
    QDateTime m_reportTime;
    bool m_loadAgain = false;
};

}  // namespace lathe::ui
