#include "lathe/ui/MainWindow.h"

#include "StudioSettings.h"
#include "StudioState.h"
#include "jobs/Job.h"
#include "lathe/project/Project.h"
#include "lathe/ui/Dialogs.h"
#include "pages/AccountPage.h"
#include "pages/CalibrationPage.h"
#include "pages/CompilePage.h"
#include "pages/ModelPage.h"
#include "pages/ProjectPage.h"
#include "pages/QuantizationPage.h"
#include "pages/ResultsPage.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QVBoxLayout>

namespace lathe::ui {

namespace {

constexpr int kStatusTimeoutMs = 8000;

project::ProjectSettings freshSettings()
{
    project::ProjectSettings settings;
    QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (documents.isEmpty()) documents = QDir::homePath();
    settings.outputDir = QDir::cleanPath(documents + QStringLiteral("/Lathe")).toStdString();
    return settings;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    resize(1100, 760);
    m_state = new StudioState(this);
    m_state->replaceSettings(freshSettings(), {});

    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    m_steps = new QListWidget(central);
    m_steps->setObjectName(QStringLiteral("stepList"));
    m_steps->setMaximumWidth(220);
    m_steps->setAccessibleName(tr("Steps"));
    auto* right = new QVBoxLayout();
    m_pages = new QStackedWidget(central);
    m_pages->setObjectName(QStringLiteral("pageStack"));
    auto* navigation = new QHBoxLayout();
    m_back = new QPushButton(tr("Back"), central);
    m_back->setObjectName(QStringLiteral("backButton"));
    m_back->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
    m_back->setToolTip(tr("Previous step (Alt+Left)"));
    m_next = new QPushButton(tr("Next"), central);
    m_next->setObjectName(QStringLiteral("nextButton"));
    m_next->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
    m_next->setToolTip(tr("Next step (Alt+Right)"));
    navigation->addStretch(1);
    navigation->addWidget(m_back);
    navigation->addWidget(m_next);
    right->addWidget(m_pages, 1);
    right->addLayout(navigation);
    layout->addWidget(m_steps);
    layout->addLayout(right, 1);
    setCentralWidget(central);

    buildSteps();
    buildMenus();
    setTabOrder(m_steps, m_back);
    setTabOrder(m_back, m_next);

    connect(m_steps, &QListWidget::currentRowChanged, this, [this](int row) {
        m_pages->setCurrentIndex(row);
        updateNavigation();
    });
    connect(m_back, &QPushButton::clicked, this,
            [this] { m_steps->setCurrentRow(std::max(0, m_steps->currentRow() - 1)); });
    connect(m_next, &QPushButton::clicked, this,
            [this] { m_steps->setCurrentRow(std::min(m_steps->count() - 1, m_steps->currentRow() + 1)); });
    connect(m_state, &StudioState::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_state, &StudioState::projectPathChanged, this, &MainWindow::updateTitle);
    connect(m_state, &StudioState::settingsEdited, this, &MainWindow::updateTitle);

    m_steps->setCurrentRow(0);
    updateTitle();
    const QByteArray geometry = StudioSettings::windowGeometry();
    if (!geometry.isEmpty()) restoreGeometry(geometry);
    statusBar()->showMessage(tr("Ready"));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildSteps()
{
    const QStringList steps = {tr("1. Project"),     tr("2. Hugging Face account"), tr("3. Model"),
                               tr("4. Calibration"), tr("5. Quantization"),         tr("6. Compile"),
                               tr("7. Results")};
    m_projectPage = new ProjectPage(*m_state);
    auto* compilePage = new CompilePage(*m_state);
    compilePage->setProjectSaver([this] { return saveProject(); });
    const QList<QWidget*> pages = {m_projectPage,
                                   new AccountPage(*m_state),
                                   new ModelPage(*m_state),
                                   new CalibrationPage(*m_state),
                                   new QuantizationPage(*m_state),
                                   compilePage,
                                   new ResultsPage(*m_state)};
    for (int i = 0; i < steps.size(); ++i) {
        m_steps->addItem(steps[i]);
        m_pages->addWidget(pages[i]);
    }

    connect(m_projectPage, &ProjectPage::newProjectRequested, this, &MainWindow::newProject);
    connect(m_projectPage, &ProjectPage::openProjectRequested, this,
            [this](const QString& path) { openProject(path); });
    connect(m_projectPage, &ProjectPage::saveProjectRequested, this, &MainWindow::saveProject);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* newAction = file->addAction(tr("&New project"), this, &MainWindow::newProject);
    newAction->setObjectName(QStringLiteral("actionNew"));
    newAction->setShortcut(QKeySequence::New);
    QAction* openAction = file->addAction(tr("&Open project…"), this, [this] { openProject(); });
    openAction->setObjectName(QStringLiteral("actionOpen"));
    openAction->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    file->addSeparator();
    QAction* saveAction = file->addAction(tr("&Save"), this, &MainWindow::saveProject);
    saveAction->setObjectName(QStringLiteral("actionSave"));
    saveAction->setShortcut(QKeySequence::Save);
    QAction* saveAsAction = file->addAction(tr("Save &as…"), this, [this] { saveProjectAs(); });
    saveAsAction->setObjectName(QStringLiteral("actionSaveAs"));
    saveAsAction->setShortcut(QKeySequence::SaveAs);
    file->addSeparator();
    QAction* quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setObjectName(QStringLiteral("actionQuit"));
    quitAction->setShortcut(QKeySequence::Quit);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = StudioSettings::recentProjects();
    for (const QString& path : recent) {
        QAction* action = m_recentMenu->addAction(QDir::toNativeSeparators(path));
        connect(action, &QAction::triggered, this, [this, path] { openProject(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
    m_projectPage->refreshRecentProjects();
}

void MainWindow::updateTitle()
{
    const QString path = m_state->projectPath();
    QString name = path.isEmpty() ? QString() : QFileInfo(path).completeBaseName();
    if (name.isEmpty()) name = QString::fromStdString(m_state->settings().name);
    if (name.isEmpty()) name = tr("Untitled");
    setWindowTitle(tr("%1[*] — Lathe Studio").arg(name));
    setWindowModified(m_state->isModified());
}

void MainWindow::updateNavigation()
{
    const int row = m_steps->currentRow();
    m_back->setEnabled(row > 0);
    m_next->setEnabled(row >= 0 && row + 1 < m_steps->count());
}

QString MainWindow::projectPath() const
{
    return m_state->projectPath();
}

bool MainWindow::isProjectModified() const
{
    return m_state->isModified();
}

void MainWindow::showFileError(const QString& message)
{
    m_projectPage->showError(message);
    statusBar()->showMessage(message, kStatusTimeoutMs);
    m_steps->setCurrentRow(0);
}

bool MainWindow::maybeSave()
{
    if (!m_state->isModified()) return true;
    const auto answer =
        Dialogs::question(this, tr("Unsaved changes"), tr("The project has unsaved changes. Save them first?"),
                          QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save) return saveProject();
    return answer == QMessageBox::Discard;
}

bool MainWindow::maybeStopTasks(const QString& action)
{
    QStringList tasks;
    for (const Job* job : findChildren<Job*>())
        if (job->isRunning() && !job->taskName().isEmpty()) tasks << job->taskName();
    if (tasks.isEmpty()) return true;
    QString names = tasks.size() == 1
                        ? tasks.first()
                        : tr("%1 and %2").arg(tasks.mid(0, tasks.size() - 1).join(QStringLiteral(", ")), tasks.last());
    names[0] = names[0].toUpper();
    const auto answer = Dialogs::question(
        this, tr("Task running"),
        (tasks.size() == 1 ? tr("%1 is still running. Stop it and %2?") : tr("%1 are still running. Stop them and %2?"))
            .arg(names, action),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    return answer == QMessageBox::Yes;
}

void MainWindow::stopTasksThen(std::function<void()> action)
{
    m_afterStop = std::move(action);
    centralWidget()->setEnabled(false);
    statusBar()->showMessage(tr("Stopping…"));
    onTaskStopped();
}

void MainWindow::onTaskStopped()
{
    if (!m_afterStop) return;
    // A task's own completion may start another (a queued restart), so look again each time one stops.
    bool running = false;
    for (Job* job : findChildren<Job*>()) {
        if (!job->isRunning()) continue;
        running = true;
        connect(job, &Job::runningChanged, this, &MainWindow::onTaskStopped, Qt::UniqueConnection);
        job->abandon();
    }
    if (running) return;
    centralWidget()->setEnabled(true);
    statusBar()->clearMessage();
    auto action = std::move(m_afterStop);
    m_afterStop = nullptr;
    action();
}

bool MainWindow::newProject()
{
    if (isSwitchingProject() || !maybeStopTasks(tr("start a new project")) || !maybeSave()) return false;
    stopTasksThen([this] {
        m_state->replaceSettings(freshSettings(), {});
        m_steps->setCurrentRow(0);
        statusBar()->showMessage(tr("New project"), kStatusTimeoutMs);
    });
    return true;
}

bool MainWindow::openProject(const QString& requested)
{
    if (isSwitchingProject() || !maybeStopTasks(tr("open another project")) || !maybeSave()) return false;
    QString path = requested;
    if (path.isEmpty()) {
        path = Dialogs::openFile(this, tr("Open project"), StudioSettings::lastFolder(QStringLiteral("project")),
                                 tr("Lathe projects (*.lathe);;All files (*)"));
        if (path.isEmpty()) return false;
    }
    auto loaded = project::loadProject(path.toStdString());
    if (!loaded) {
        showFileError(tr("Cannot open %1: %2")
                          .arg(QDir::toNativeSeparators(path), QString::fromStdString(loaded.error().message)));
        if (loaded.error().code == ErrorCode::NotFound) {
            StudioSettings::removeRecentProject(path);
            rebuildRecentMenu();
        }
        return false;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    StudioSettings::setLastFolder(QStringLiteral("project"), QFileInfo(absolute).absolutePath());
    StudioSettings::addRecentProject(absolute);
    rebuildRecentMenu();
    stopTasksThen([this, settings = *loaded, absolute] {
        m_state->replaceSettings(settings, absolute);
        statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(absolute)), kStatusTimeoutMs);
    });
    return true;
}

bool MainWindow::saveProject()
{
    if (m_state->projectPath().isEmpty()) return saveProjectAs();
    return saveProjectAs(m_state->projectPath());
}

bool MainWindow::saveProjectAs(const QString& requested)
{
    QString path = requested;
    if (path.isEmpty()) {
        QString suggestion = QString::fromStdString(m_state->settings().name);
        if (suggestion.isEmpty()) suggestion = tr("project");
        path = Dialogs::saveFile(this, tr("Save project"),
                                 StudioSettings::lastFolder(QStringLiteral("project")) + QLatin1Char('/') + suggestion +
                                     QStringLiteral(".lathe"),
                                 tr("Lathe projects (*.lathe)"));
        if (path.isEmpty()) return false;
        if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".lathe");
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    project::ProjectSettings settings = m_state->settings();
    if (settings.name.empty()) settings.name = QFileInfo(absolute).completeBaseName().toStdString();
    if (auto saved = lathe::project::saveProject(settings, absolute.toStdString()); !saved) {
        showFileError(tr("Cannot save %1: %2")
                          .arg(QDir::toNativeSeparators(absolute), QString::fromStdString(saved.error().message)));
        return false;
    }
    m_state->settings().name = settings.name;
    m_state->setProjectPath(absolute);
    m_state->setModified(false);
    StudioSettings::setLastFolder(QStringLiteral("project"), QFileInfo(absolute).absolutePath());
    StudioSettings::addRecentProject(absolute);
    rebuildRecentMenu();
    m_projectPage->showError({});
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(absolute)), kStatusTimeoutMs);
    updateTitle();
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // The tasks themselves stop as their pages are destroyed (a Job cancels and waits for its worker).
    if (!maybeStopTasks(tr("close Lathe Studio")) || !maybeSave()) {
        event->ignore();
        return;
    }
    StudioSettings::setWindowGeometry(saveGeometry());
    event->accept();
}

}  // namespace lathe::ui
