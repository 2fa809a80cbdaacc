#pragma once

#include "lathe/compile/CompileReport.h"

#include <QGroupBox>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace lathe::ui {

class Job;
class StudioState;

// The results page's float vs compiled perplexity on a text the user picks (lathe::compareModels, in the
// background): both perplexities, their ratio and how often the two models agree on the top token.
class PerplexityPanel : public QGroupBox {
    Q_OBJECT
public:
    explicit PerplexityPanel(StudioState& state, QWidget* parent = nullptr);

    // The report of the compiled model to measure; null when there is none. Not owned: the caller keeps it alive
    // until the next call.
    void setReport(const compile::CompileReport* report);
    // Why the models cannot be measured (empty when they can): Measure is disabled with it as its tooltip.
    void setUnavailableReason(const QString& reason);
    // Forgets the values measured (another project).
    void clearResults();

private:
    void updateButtons();
    void chooseTextFile();
    void startCompare();

    StudioState& m_state;
    const compile::CompileReport* m_report = nullptr;
    QString m_unavailableReason;

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

    Job* m_compareJob = nullptr;
};

}  // namespace lathe::ui
