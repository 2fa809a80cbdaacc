#pragma once

#include "lathe/compile/CompileReport.h"

#include <QGroupBox>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace lathe::ui {

class Job;
class StudioState;

// The results page's prompt box: generates from one prompt with the float and then the compiled model (greedy, in
// the background) and shows the two texts side by side as they grow. For a model with a chat template (an Instruct
// model) the prompt is a user turn rendered with the template, unless the user turns that off.
class TryItPanel : public QGroupBox {
    Q_OBJECT
public:
    explicit TryItPanel(StudioState& state, QWidget* parent = nullptr);

    // The report of the compiled model to run; null when there is none. Not owned: the caller keeps it alive until
    // the next call.
    void setReport(const compile::CompileReport* report);
    // Why the models cannot run (empty when they can): Generate is disabled with it as its tooltip.
    void setUnavailableReason(const QString& reason);
    // Forgets the texts generated (another project).
    void clearOutputs();

private:
    void updateButtons();
    void startGenerate();
    // Offers the chat template when the current model has one, and says why not otherwise.
    void refreshChatTemplate();

    StudioState& m_state;
    const compile::CompileReport* m_report = nullptr;
    QString m_unavailableReason;

    QLineEdit* m_prompt = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QCheckBox* m_useChatTemplate = nullptr;
    QPushButton* m_generate = nullptr;
    QPushButton* m_stopGenerate = nullptr;
    QPlainTextEdit* m_floatOutput = nullptr;
    QPlainTextEdit* m_compiledOutput = nullptr;
    QLabel* m_generateStatus = nullptr;

    Job* m_generateJob = nullptr;
};

}  // namespace lathe::ui
