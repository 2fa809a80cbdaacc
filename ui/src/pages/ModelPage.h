#pragma once

#include "pages/WizardPage.h"

#include "model/ModelLookup.h"

#include <optional>

class QButtonGroup;
class QGroupBox;
class QLabel;
class QLayout;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QTimer;

namespace lathe::ui {

class Job;

// Step 3: choose the model. Hub search as you type (debounced) or a local folder; the model's details
// (parameters, architecture, size, licence, gated status and this account's access, revision); download with
// per-file and total progress, rate, ETA, pause/resume and cancel, reusing what the HF cache already holds.
class ModelPage : public WizardPage {
    Q_OBJECT
public:
    explicit ModelPage(StudioState& state, QWidget* parent = nullptr);

    static constexpr int kSearchDebounceMs = 300;
    static constexpr int kSearchLimit = 30;

protected:
    void loadSettings() override;

private:
    enum class DownloadState { Idle, Running, Paused };

    // The sections of the page, top to bottom; each creates its widgets and connects them.
    QLayout* buildSourceRow();
    QGroupBox* buildHubSection();
    QGroupBox* buildLocalSection();
    QGroupBox* buildDetailsSection();
    QGroupBox* buildDownloadSection();
    void setSource(const QString& source);
    void scheduleSearch();
    void startSearch();
    void selectRepo(const QString& repoId);
    void fetchDetails();
    void showHubDetails(const HubModelDetails& details);
    void clearDetails();
    void findInCache();
    void inspectLocal();
    void chooseLocalFolder();
    void startDownload();
    void pauseOrResume();
    void cancelDownload();
    void onDownloadProgress(const QVariant& value);
    void useModel(const DownloadedModel& model, const QString& statusText);
    void flagArchitecture(const std::vector<std::string>& architectures, const std::string& configError);
    void setDownloadState(DownloadState state);
    void resetProgress();
    void updateButtons();

    QRadioButton* m_hubSource = nullptr;
    QRadioButton* m_localSource = nullptr;
    QGroupBox* m_hubBox = nullptr;
    QGroupBox* m_localBox = nullptr;
    QLineEdit* m_search = nullptr;
    QTimer* m_searchTimer = nullptr;
    QListWidget* m_results = nullptr;
    QLabel* m_searchStatus = nullptr;
    QLineEdit* m_repoId = nullptr;
    QLineEdit* m_revision = nullptr;
    QPushButton* m_infoButton = nullptr;
    QLineEdit* m_localPath = nullptr;
    QPushButton* m_localBrowse = nullptr;

    QLabel* m_idValue = nullptr;
    QLabel* m_parametersValue = nullptr;
    QLabel* m_architectureValue = nullptr;
    QLabel* m_supportValue = nullptr;
    QLabel* m_sizeValue = nullptr;
    QLabel* m_licenseValue = nullptr;
    QLabel* m_gatedValue = nullptr;
    QLabel* m_accessValue = nullptr;
    QLabel* m_revisionValue = nullptr;
    QLabel* m_cacheValue = nullptr;

    QPushButton* m_download = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_fileLabel = nullptr;
    QProgressBar* m_fileProgress = nullptr;
    QProgressBar* m_totalProgress = nullptr;
    QLabel* m_rate = nullptr;
    QLabel* m_eta = nullptr;
    QLabel* m_downloadStatus = nullptr;
    QLabel* m_error = nullptr;

    Job* m_searchJob = nullptr;
    Job* m_infoJob = nullptr;
    Job* m_localJob = nullptr;
    Job* m_downloadJob = nullptr;
    bool m_searchAgain = false;
    bool m_infoAgain = false;
    bool m_pauseRequested = false;
    DownloadState m_downloadState = DownloadState::Idle;
    std::optional<HubModelDetails> m_details;
};

}  // namespace lathe::ui
