#include "lathe/ui/MainWindow.h"

#include "StudioSettings.h"
#include "StudioState.h"
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

ProjectSettings freshSettings()
{
    ProjectSettings settings;
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

bool MainWindow::newProject()
{
    if (!maybeSave()) return false;
    m_state->replaceSettings(freshSettings(), {});
    m_steps->setCurrentRow(0);
    statusBar()->showMessage(tr("New project"), kStatusTimeoutMs);
    return true;
}

bool MainWindow::openProject(const QString& requested)
{
    if (!maybeSave()) return false;
    QString path = requested;
    if (path.isEmpty()) {
        path = Dialogs::openFile(this, tr("Open project"), StudioSettings::lastFolder(QStringLiteral("project")),
                                 tr("Lathe projects (*.lathe);;All files (*)"));
        if (path.isEmpty()) return false;
    }
    auto loaded = loadProject(path.toStdString());
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
    m_state->replaceSettings(*loaded, absolute);
    StudioSettings::setLastFolder(QStringLiteral("project"), QFileInfo(absolute).absolutePath());
    StudioSettings::addRecentProject(absolute);
    rebuildRecentMenu();
    statusBar()->showMessage(tr("Opened %1").arg(QDir::toNativeSeparators(absolute)), kStatusTimeoutMs);
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
    ProjectSettings settings = m_state->settings();
    if (settings.name.empty()) settings.name = QFileInfo(absolute).completeBaseName().toStdString();
    if (auto saved = lathe::saveProject(settings, absolute.toStdString()); !saved) {
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
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    StudioSettings::setWindowGeometry(saveGeometry());
    event->accept();
}

}  // namespace lathe::ui
