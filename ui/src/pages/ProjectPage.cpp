#include "pages/ProjectPage.h"

#include "StudioSettings.h"
#include "StudioState.h"
#include "lathe/ui/Dialogs.h"

#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace lathe::ui {

QString absoluteOutputFolder(const QString& typed, const QString& projectPath)
{
    const QString trimmed = typed.trimmed();
    if (trimmed.isEmpty()) return {};
    const QString base = projectPath.isEmpty() ? QDir::homePath() : QFileInfo(projectPath).absolutePath();
    return QDir::cleanPath(QDir(base).absoluteFilePath(trimmed));
}

ProjectPage::ProjectPage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Project"),
                 tr("A project holds every setting of the wizard, so a compile can be repeated here or with "
                    "<tt>lathe run-project</tt>. It never holds your Hugging Face token."),
                 parent)
{
    setObjectName(QStringLiteral("projectPage"));

    auto* buttons = new QHBoxLayout();
    auto* newButton = new QPushButton(tr("&New project"), this);
    newButton->setObjectName(QStringLiteral("newProjectButton"));
    auto* openButton = new QPushButton(tr("&Open project…"), this);
    openButton->setObjectName(QStringLiteral("openProjectButton"));
    auto* saveButton = new QPushButton(tr("&Save project"), this);
    saveButton->setObjectName(QStringLiteral("saveProjectButton"));
    buttons->addWidget(newButton);
    buttons->addWidget(openButton);
    buttons->addWidget(saveButton);
    buttons->addStretch(1);
    body()->addLayout(buttons);

    auto* settingsBox = new QGroupBox(tr("This project"), this);
    auto* form = new QFormLayout(settingsBox);
    m_name = new QLineEdit(settingsBox);
    m_name->setObjectName(QStringLiteral("projectNameEdit"));
    m_name->setPlaceholderText(tr("e.g. llama-3.2-1b w4v8"));
    form->addRow(tr("Project na&me:"), m_name);

    auto* outputRow = new QHBoxLayout();
    m_outputDir = new QLineEdit(settingsBox);
    m_outputDir->setObjectName(QStringLiteral("outputDirEdit"));
    m_outputDir->setToolTip(tr("Calibration samples, the embedding, the compiled model and its report go here."));
    m_browseOutput = new QPushButton(tr("&Browse…"), settingsBox);
    m_browseOutput->setObjectName(QStringLiteral("outputDirBrowseButton"));
    outputRow->addWidget(m_outputDir, 1);
    outputRow->addWidget(m_browseOutput);
    addBuddyRow(form, tr("&Output folder:"), m_outputDir, outputRow);

    m_path = new QLabel(settingsBox);
    m_path->setObjectName(QStringLiteral("projectPathLabel"));
    m_path->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_path->setWordWrap(true);
    form->addRow(tr("Project file:"), m_path);
    body()->addWidget(settingsBox);

    auto* recentBox = new QGroupBox(tr("Recent projects"), this);
    auto* recentLayout = new QVBoxLayout(recentBox);
    m_recent = new QListWidget(recentBox);
    m_recent->setObjectName(QStringLiteral("recentProjectsList"));
    m_recent->setAccessibleName(tr("Recent projects"));
    m_recent->setToolTip(tr("Double-click or press Enter to open"));
    recentLayout->addWidget(m_recent);
    body()->addWidget(recentBox, 1);

    m_error = makeMessageLabel(QStringLiteral("projectErrorLabel"), this);
    body()->addWidget(m_error);

    connect(newButton, &QPushButton::clicked, this, &ProjectPage::newProjectRequested);
    connect(openButton, &QPushButton::clicked, this, [this] { Q_EMIT openProjectRequested({}); });
    connect(saveButton, &QPushButton::clicked, this, &ProjectPage::saveProjectRequested);
    connect(m_name, &QLineEdit::textEdited, this,
            [this](const QString& text) { edit([&] { state().settings().name = text.toStdString(); }); });
    connect(m_outputDir, &QLineEdit::textEdited, this, [this](const QString& text) {
        edit([&] { state().settings().outputDir = absoluteOutputFolder(text, state().projectPath()).toStdString(); });
    });
    connect(m_outputDir, &QLineEdit::editingFinished, this, &ProjectPage::commitOutputFolder);
    connect(m_browseOutput, &QPushButton::clicked, this, &ProjectPage::chooseOutputFolder);
    connect(m_recent, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { Q_EMIT openProjectRequested(item->data(Qt::UserRole).toString()); });
    connect(&studio, &StudioState::projectPathChanged, this, &ProjectPage::updatePathLabel);

    setTabOrder(newButton, openButton);
    setTabOrder(openButton, saveButton);
    setTabOrder(saveButton, m_name);
    setTabOrder(m_name, m_outputDir);
    setTabOrder(m_outputDir, m_browseOutput);
    setTabOrder(m_browseOutput, m_recent);

    refreshRecentProjects();
    reload();
}

void ProjectPage::loadSettings()
{
    m_name->setText(QString::fromStdString(state().settings().name));
    m_outputDir->setText(QString::fromStdString(state().settings().outputDir));
    updatePathLabel();
    showMessage(m_error, {});
}

void ProjectPage::updatePathLabel()
{
    const QString path = state().projectPath();
    m_path->setText(path.isEmpty() ? tr("not saved yet") : QDir::toNativeSeparators(path));
    // Saving names an unnamed project after its file.
    if (m_name->text().isEmpty() && !state().settings().name.empty())
        m_name->setText(QString::fromStdString(state().settings().name));
}

void ProjectPage::commitOutputFolder()
{
    const QString absolute = QString::fromStdString(state().settings().outputDir);
    if (!absolute.isEmpty() && m_outputDir->text() != absolute) m_outputDir->setText(absolute);
}

void ProjectPage::chooseOutputFolder()
{
    const QString current = QString::fromStdString(state().settings().outputDir);
    const QString start = QFileInfo(current).isDir() ? current : StudioSettings::lastFolder(QStringLiteral("output"));
    const QString folder = Dialogs::directory(this, tr("Output folder"), start);
    if (folder.isEmpty()) return;
    StudioSettings::setLastFolder(QStringLiteral("output"), folder);
    m_outputDir->setText(QDir::cleanPath(folder));
    edit([&] { state().settings().outputDir = QDir::cleanPath(folder).toStdString(); });
}

void ProjectPage::refreshRecentProjects()
{
    m_recent->clear();
    for (const QString& path : StudioSettings::recentProjects()) {
        auto* item = new QListWidgetItem(
            QFileInfo(path).completeBaseName() + QStringLiteral("  —  ") + QDir::toNativeSeparators(path), m_recent);
        item->setData(Qt::UserRole, path);
        item->setToolTip(path);
    }
}

void ProjectPage::showError(const QString& message)
{
    showMessage(m_error, message, Tone::Error);
}

}  // namespace lathe::ui
