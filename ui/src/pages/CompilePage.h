#pragma once

#include "pages/WizardPage.h"

#include "compile/CompileRun.h"

#include <QElapsedTimer>
#include <QVector>

#include <functional>
#include <memory>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace lathe::ui {

class Job;
class LayerChart;

// Step 6: compile. Shows what will run (model, calibration samples, settings, output files), runs
// lathe::compile::compileModel on a worker with the options `lathe run-project` uses, and follows it: one row
// per stage (validate, each layer, head, write) with its progress bar and time, overall progress with elapsed
// time and ETA, a live log, and the per-layer SQNR chart filling in as layers finish. Cancel returns within
// seconds and leaves no output under a final name; the finished layers are kept, so compiling again continues
// where it stopped. The project is saved when a compile starts. Finished outputs stay listed; compiling again
// asks first.
class CompilePage : public WizardPage {
    Q_OBJECT
public:
    explicit CompilePage(StudioState& state, QWidget* parent = nullptr);

    // Saves the project (MainWindow::saveProject); returns whether it was saved.
    void setProjectSaver(std::function<bool()> saver) { m_saveProject = std::move(saver); }

    // Empty when a compile can start; else what to do first, one line per problem.
    QString validationMessage() const;
    bool isRunning() const;

protected:
    void loadSettings() override;
    void showEvent(QShowEvent* event) override;

private:
    enum class StageState { Waiting, Running, Done, Resumed };

    void refresh();
    // A reopened project whose compile finished: its report on the chart and every stage done.
    void showFinishedCompile();
    void startCompile();
    void cancelCompile();
    void onFeed();
    void onFinished(Result<compile::CompileSummary> result);
    void buildStages(int layers);
    int stageRow(const std::string& stage) const;
    void enterStage(int row, const Progress& progress);
    void setStageState(int row, StageState state);
    void finishStage(int row);  // a running stage is done: its time is final
    void updateStageProgress(const Progress& progress);
    void updateClock();
    void appendLog(const QString& line);
    void showOutputs();
    bool outputsExist() const;

    QLabel* m_plan = nullptr;
    QLabel* m_validation = nullptr;
    QPushButton* m_compile = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_elapsed = nullptr;
    QLabel* m_eta = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_error = nullptr;
    QTableWidget* m_stages = nullptr;
    QVector<QProgressBar*> m_stageBars;
    LayerChart* m_chart = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QLabel* m_outputs = nullptr;
    QTimer* m_clock = nullptr;

    Job* m_job = nullptr;
    Job* m_reportJob = nullptr;
    std::shared_ptr<CompileFeed> m_feed;
    std::function<bool()> m_saveProject;

    // The run being followed.
    QElapsedTimer m_runTimer;
    int m_layers = 0;
    int m_currentRow = -1;
    int m_finishedLayers = 0;
    QVector<StageState> m_stageStates;
    QVector<qint64> m_stageStartSteps;
    QVector<qint64> m_stageStartMs;
    qint64 m_stepsPerLayer = 0;
    qint64 m_firstSteps = -1;
    qint64 m_firstStepsMs = 0;
    Progress m_latest;
};

}  // namespace lathe::ui
