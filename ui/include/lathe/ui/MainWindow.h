#pragma once

#include <QMainWindow>
#include <QString>

#include <functional>

class QListWidget;
class QMenu;
class QPushButton;
class QStackedWidget;

namespace lathe::ui {

class StudioState;
class ProjectPage;

// The Lathe Studio main window: a step list on the left, the current wizard page on the right, Back/Next
// below, and the File menu (new, open, recent, save, save as). The title carries the project name and the
// unsaved-changes marker; closing with unsaved changes asks first (through Dialogs, so tests can answer), and so
// do closing, starting a new project and opening another while a task (compile, download…) runs.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // File operations behind the menu. Each asks about unsaved changes where that applies, shows errors on
    // the Project page and the status bar, and returns whether it went through. While tasks run, new and open
    // ask first; once agreed they cancel the tasks and switch as soon as the last one has stopped (a moment
    // later: isSwitchingProject() says so meanwhile).
    bool newProject();
    bool openProject(const QString& path = {});  // empty: ask for a file
    bool saveProject();                          // asks for a path when the project has none
    bool saveProjectAs(const QString& path = {});

    QString projectPath() const;
    bool isProjectModified() const;
    bool isSwitchingProject() const { return static_cast<bool>(m_afterStop); }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildSteps();
    bool maybeSave();
    // Asks whether to stop the named tasks that run (true when none run); `action` says what follows.
    bool maybeStopTasks(const QString& action);
    // Cancels every running task and runs `action` once all have stopped, their pages having shown it.
    void stopTasksThen(std::function<void()> action);
    void onTaskStopped();
    void updateTitle();
    void updateNavigation();
    void rebuildRecentMenu();
    void showFileError(const QString& message);

    StudioState* m_state = nullptr;
    QListWidget* m_steps = nullptr;
    QStackedWidget* m_pages = nullptr;
    QPushButton* m_back = nullptr;
    QPushButton* m_next = nullptr;
    ProjectPage* m_projectPage = nullptr;
    QMenu* m_recentMenu = nullptr;
    std::function<void()> m_afterStop;
};

}  // namespace lathe::ui
