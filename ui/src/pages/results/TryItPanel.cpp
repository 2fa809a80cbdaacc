#include "pages/results/TryItPanel.h"

#include "StudioState.h"
#include "compile/CompiledFiles.h"
#include "jobs/Job.h"
#include "lathe/runtime/Chat.h"
#include "lathe/runtime/Generate.h"
#include "lathe/tokenize/ChatTemplateSource.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>

#include <memory>
#include <mutex>

namespace lathe::ui {

namespace {

constexpr int kDefaultNewTokens = 64;

// Text generated so far by each model; the worker appends, the GUI reads the latest copy.
struct GeneratedText {
    std::mutex mutex;
    std::string floatText, compiledText;
    bool compiledStarted = false;
    // {float text, compiled text, "float" or "compiled": the model running}
    QStringList snapshot()
    {
        std::lock_guard<std::mutex> lock(mutex);
        return {QString::fromStdString(floatText), QString::fromStdString(compiledText),
                compiledStarted ? QStringLiteral("compiled") : QStringLiteral("float")};
    }
};

}  // namespace

TryItPanel::TryItPanel(StudioState& state, QWidget* parent) : QGroupBox(tr("Try it"), parent), m_state(state)
{
    setObjectName(QStringLiteral("tryItPanel"));
    m_generateJob = new Job(this);
    m_generateJob->setTaskName(tr("the generation"));

    auto* tryLayout = new QGridLayout(this);
    m_prompt = new QLineEdit(this);
    m_prompt->setObjectName(QStringLiteral("promptEdit"));
    m_prompt->setText(tr("Once upon a time"));
    m_prompt->setAccessibleName(tr("Prompt"));
    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setObjectName(QStringLiteral("maxNewTokensSpin"));
    m_maxTokens->setRange(1, 4096);
    m_maxTokens->setValue(kDefaultNewTokens);
    m_maxTokens->setSuffix(tr(" tokens"));
    m_maxTokens->setAccessibleName(tr("Tokens to generate"));
    m_generate = new QPushButton(tr("&Generate"), this);
    m_generate->setObjectName(QStringLiteral("generateButton"));
    m_stopGenerate = new QPushButton(tr("Stop"), this);
    m_stopGenerate->setObjectName(QStringLiteral("stopGenerateButton"));
    auto* promptLabel = new QLabel(tr("Pro&mpt:"), this);
    promptLabel->setBuddy(m_prompt);
    tryLayout->addWidget(promptLabel, 0, 0);
    tryLayout->addWidget(m_prompt, 0, 1, 1, 2);
    m_useChatTemplate = new QCheckBox(tr("&Chat template"), this);
    m_useChatTemplate->setObjectName(QStringLiteral("useChatTemplateCheck"));
    m_useChatTemplate->setAccessibleName(tr("Use the model's chat template"));
    auto* buttons = new QHBoxLayout();
    buttons->addWidget(m_useChatTemplate);
    buttons->addWidget(m_maxTokens);
    buttons->addWidget(m_generate);
    buttons->addWidget(m_stopGenerate);
    tryLayout->addLayout(buttons, 0, 3);
    auto output = [this](const char* name, const QString& accessible) {
        auto* edit = new QPlainTextEdit(this);
        edit->setObjectName(QLatin1String(name));
        edit->setReadOnly(true);
        edit->setTabChangesFocus(true);
        edit->setAccessibleName(accessible);
        edit->setMinimumHeight(90);
        return edit;
    };
    m_floatOutput = output("floatOutput", tr("Float model output"));
    m_compiledOutput = output("compiledOutput", tr("Compiled model output"));
    tryLayout->addWidget(new QLabel(tr("Float model"), this), 1, 0, 1, 2);
    tryLayout->addWidget(new QLabel(tr("Compiled model"), this), 1, 2, 1, 2);
    tryLayout->addWidget(m_floatOutput, 2, 0, 1, 2);
    tryLayout->addWidget(m_compiledOutput, 2, 2, 1, 2);
    m_generateStatus = new QLabel(this);
    m_generateStatus->setObjectName(QStringLiteral("generateStatusLabel"));
    m_generateStatus->setWordWrap(true);
    tryLayout->addWidget(m_generateStatus, 3, 0, 1, 4);
    tryLayout->setColumnStretch(1, 1);
    tryLayout->setColumnStretch(2, 1);

    connect(&m_state, &StudioState::modelChanged, this, &TryItPanel::refreshChatTemplate);
    refreshChatTemplate();
    connect(m_generate, &QPushButton::clicked, this, &TryItPanel::startGenerate);
    connect(m_prompt, &QLineEdit::returnPressed, this, &TryItPanel::startGenerate);
    connect(m_stopGenerate, &QPushButton::clicked, m_generateJob, &Job::cancel);
    connect(m_generateJob, &Job::runningChanged, this, &TryItPanel::updateButtons);
    connect(m_generateJob, &Job::progressed, this, [this](const QVariant& value) {
        const QStringList texts = value.toStringList();
        if (texts.size() != 3) return;
        m_floatOutput->setPlainText(texts[0]);
        m_compiledOutput->setPlainText(texts[1]);
        if (texts[2] == QLatin1String("compiled")) m_generateStatus->setText(tr("Generating with the compiled model…"));
    });
}

void TryItPanel::setReport(const compile::CompileReport* report)
{
    m_report = report;
}

void TryItPanel::refreshChatTemplate()
{
    const QString dir = m_state.modelDirectory();
    auto found = dir.isEmpty() ? Result<tokenize::ChatTemplateSource>(makeError(ErrorCode::NotFound, ""))
                               : tokenize::ChatTemplateSource::find(dir.toStdString());
    m_useChatTemplate->setEnabled(found.ok());
    m_useChatTemplate->setChecked(found.ok());
    m_useChatTemplate->setToolTip(
        found.ok() ? tr("The prompt is sent as a user turn, written with the model's chat template (%1).")
                         .arg(QString::fromStdString(found->origin))
                   : tr("This model has no chat template: the prompt is continued as plain text."));
}

void TryItPanel::setUnavailableReason(const QString& reason)
{
    m_unavailableReason = reason;
    updateButtons();
}

void TryItPanel::clearOutputs()
{
    m_floatOutput->clear();
    m_compiledOutput->clear();
}

void TryItPanel::updateButtons()
{
    const bool generating = m_generateJob->isRunning();
    m_generate->setEnabled(m_unavailableReason.isEmpty() && !generating);
    m_stopGenerate->setEnabled(generating);
    m_generate->setToolTip(m_unavailableReason);
}

void TryItPanel::startGenerate()
{
    if (!m_report || m_generateJob->isRunning() || m_state.modelDirectory().isEmpty()) return;
    runtime::GenerateOptions floatOptions;
    floatOptions.modelPath = m_state.modelDirectory().toStdString();
    floatOptions.prompt = m_prompt->text().toStdString();
    floatOptions.maxNewTokens = m_maxTokens->value();
    const bool chat = m_useChatTemplate->isEnabled() && m_useChatTemplate->isChecked();
    runtime::GenerateOptions compiledOptions = floatOptions;
    compiledOptions.mxqPath = compiledModelPath(m_state.settings()).toStdString();
    compiledOptions.embeddingPath = compiledEmbeddingPath(m_state.settings(), m_report->rotated).toStdString();
    m_floatOutput->clear();
    m_compiledOutput->clear();
    m_generateStatus->setText(tr("Generating with the float model…"));
    auto text = std::make_shared<GeneratedText>();
    m_generateJob->start<QStringList>(
        [floatOptions, compiledOptions, text, chat](const StopToken& stop,
                                                    const Job::Report& report) -> Result<QStringList> {
            auto run = [&](const runtime::GenerateOptions& options,
                           std::string GeneratedText::*target) -> Result<void> {
                const auto onText = [&](std::string_view piece) {
                    {
                        std::lock_guard<std::mutex> lock(text->mutex);
                        ((*text).*target).append(piece);
                    }
                    report(text->snapshot());
                };
                if (chat) {
                    runtime::ChatOptions chatOptions;
                    chatOptions.generate = options;
                    bool asked = false;
                    auto turns = runtime::chat(
                        chatOptions,
                        [&]() -> std::optional<std::string> {
                            if (asked) return std::nullopt;
                            asked = true;
                            return options.prompt;
                        },
                        onText, {}, stop);
                    if (!turns) return turns.error();
                    return {};
                }
                auto generated = generate(options, onText, stop);
                if (!generated) return generated.error();
                return {};
            };
            if (auto f = run(floatOptions, &GeneratedText::floatText); !f) return f.error();
            {
                std::lock_guard<std::mutex> lock(text->mutex);
                text->compiledStarted = true;
            }
            report(text->snapshot());
            if (auto c = run(compiledOptions, &GeneratedText::compiledText); !c) return c.error();
            return text->snapshot();
        },
        [this, chat](Result<QStringList> result) {
            if (!result) {
                m_generateStatus->setText(result.error().code == ErrorCode::Cancelled
                                              ? tr("Stopped.")
                                              : QString::fromStdString(result.error().message));
                return;
            }
            m_floatOutput->setPlainText(result->value(0));
            m_compiledOutput->setPlainText(result->value(1));
            m_generateStatus->setText(chat ? tr("Done: greedy decoding, the same user turn for both models.")
                                           : tr("Done: greedy decoding, the same prompt for both models."));
        });
}

}  // namespace lathe::ui
