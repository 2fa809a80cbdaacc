#pragma once

#include "pages/WizardPage.h"

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace lathe::ui {

// Step 1: new or saved project, recent projects, and the folder every output goes to.
class ProjectPage : public WizardPage {
    Q_OBJECT
public:
    explicit ProjectPage(StudioState& state, QWidget* parent = nullptr);

    void refreshRecentProjects();
    void showError(const QString& message);

Q_SIGNALS:
    void newProjectRequested();
    void openProjectRequested(const QString& path);  // empty = ask for a file
    void saveProjectRequested();

protected:
    void loadSettings() override;

private:
    void chooseOutputFolder();
    void commitOutputFolder();
    void updatePathLabel();

    QLineEdit* m_name = nullptr;
    QLineEdit* m_outputDir = nullptr;
    QPushButton* m_browseOutput = nullptr;
    QLabel* m_path = nullptr;
    QListWidget* m_recent = nullptr;
    QLabel* m_error = nullptr;
};

// An output folder typed as a relative path is taken relative to the project file's folder (or the home
// folder for a project not saved yet), as the project file stores it.
QString absoluteOutputFolder(const QString& typed, const QString& projectPath);

}  // namespace lathe::ui
