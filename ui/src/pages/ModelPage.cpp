#include "pages/ModelPage.h"

#include "Format.h"
#include "StudioSettings.h"
#include "StudioState.h"
#include "jobs/Job.h"
#include "lathe/hub/ModelLocator.h"
#include "lathe/ui/Dialogs.h"

#include <QButtonGroup>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QTimer>
#include <QVBoxLayout>

Q_DECLARE_METATYPE(lathe::hub::DownloadProgress)

namespace lathe::ui {

namespace {

QString gatedText(hub::GatedMode mode)
{
    switch (mode) {
        case hub::GatedMode::None:
            return ModelPage::tr("no");
        case hub::GatedMode::Auto:
            return ModelPage::tr("yes (approved automatically)");
        case hub::GatedMode::Manual:
            return ModelPage::tr("yes (approved by the authors)");
    }
    return {};
}

int percent(std::int64_t done, std::int64_t total)
{
    if (total <= 0) return 0;
    return static_cast<int>(std::min<std::int64_t>(100, done * 100 / total));
}

}  // namespace

ModelPage::ModelPage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Model"),
                 tr("Choose a Llama, Mistral or Qwen2 causal language model from the Hugging Face Hub, or a model "
                    "folder on this computer. Downloads go to the Hugging Face cache, shared with Python tools."),
                 parent)
{
    setObjectName(QStringLiteral("modelPage"));
    m_searchJob = new Job(this);
    m_infoJob = new Job(this);
    m_localJob = new Job(this);
    m_downloadJob = new Job(this);
    m_downloadJob->setTaskName(tr("the download"));

    body()->addLayout(buildSourceRow());
    body()->addWidget(buildHubSection());
    body()->addWidget(buildLocalSection());
    body()->addWidget(buildDetailsSection());
    body()->addWidget(buildDownloadSection());

    m_error = makeMessageLabel(QStringLiteral("modelErrorLabel"), this);
    body()->addWidget(m_error);

    connect(m_downloadJob, &Job::progressed, this, &ModelPage::onDownloadProgress);
    for (Job* job : {m_searchJob, m_infoJob, m_localJob, m_downloadJob})
        connect(job, &Job::runningChanged, this, &ModelPage::updateButtons);

    setTabOrder(m_hubSource, m_localSource);
    setTabOrder(m_localSource, m_search);
    setTabOrder(m_search, m_results);
    setTabOrder(m_results, m_repoId);
    setTabOrder(m_repoId, m_revision);
    setTabOrder(m_revision, m_infoButton);
    setTabOrder(m_infoButton, m_localPath);
    setTabOrder(m_localPath, m_localBrowse);
    setTabOrder(m_localBrowse, m_download);
    setTabOrder(m_download, m_pause);
    setTabOrder(m_pause, m_cancel);

    reload();
}

// Hub or local folder.
QLayout* ModelPage::buildSourceRow()
{
    auto* sourceRow = new QHBoxLayout();
    m_hubSource = new QRadioButton(tr("&Hugging Face Hub"), this);
    m_hubSource->setObjectName(QStringLiteral("hubSourceRadio"));
    m_localSource = new QRadioButton(tr("&Local folder"), this);
    m_localSource->setObjectName(QStringLiteral("localSourceRadio"));
    auto* sourceGroup = new QButtonGroup(this);
    sourceGroup->addButton(m_hubSource);
    sourceGroup->addButton(m_localSource);
    sourceRow->addWidget(m_hubSource);
    sourceRow->addWidget(m_localSource);
    sourceRow->addStretch(1);

    connect(m_hubSource, &QRadioButton::toggled, this, [this](bool on) {
        if (on) setSource(QStringLiteral("hub"));
    });
    connect(m_localSource, &QRadioButton::toggled, this, [this](bool on) {
        if (on) setSource(QStringLiteral("local"));
    });
    return sourceRow;
}

// Hub: search, results, repo id and revision.
QGroupBox* ModelPage::buildHubSection()
{
    m_hubBox = new QGroupBox(tr("Hub model"), this);
    auto* hubLayout = new QGridLayout(m_hubBox);
    m_search = new QLineEdit(m_hubBox);
    m_search->setObjectName(QStringLiteral("modelSearchEdit"));
    m_search->setPlaceholderText(tr("Search models, e.g. llama 3.2 1b"));
    m_search->setClearButtonEnabled(true);
    auto* searchLabel = new QLabel(tr("&Search:"), m_hubBox);
    searchLabel->setBuddy(m_search);
    m_searchStatus = new QLabel(m_hubBox);
    m_searchStatus->setObjectName(QStringLiteral("searchStatusLabel"));
    m_results = new QListWidget(m_hubBox);
    m_results->setObjectName(QStringLiteral("searchResultsList"));
    m_results->setAccessibleName(tr("Search results"));
    m_results->setMinimumHeight(90);
    m_results->setMaximumHeight(170);
    m_repoId = new QLineEdit(m_hubBox);
    m_repoId->setObjectName(QStringLiteral("repoIdEdit"));
    m_repoId->setPlaceholderText(tr("Org/Name"));
    auto* repoLabel = new QLabel(tr("&Repository:"), m_hubBox);
    repoLabel->setBuddy(m_repoId);
    m_revision = new QLineEdit(m_hubBox);
    m_revision->setObjectName(QStringLiteral("revisionEdit"));
    m_revision->setPlaceholderText(QStringLiteral("main"));
    m_revision->setMaximumWidth(200);
    auto* revisionLabel = new QLabel(tr("Re&vision:"), m_hubBox);
    revisionLabel->setBuddy(m_revision);
    m_infoButton = new QPushButton(tr("&Get details"), m_hubBox);
    m_infoButton->setObjectName(QStringLiteral("modelInfoButton"));
    hubLayout->addWidget(searchLabel, 0, 0);
    hubLayout->addWidget(m_search, 0, 1, 1, 4);
    hubLayout->addWidget(m_results, 1, 1, 1, 4);
    hubLayout->addWidget(m_searchStatus, 2, 1, 1, 4);
    hubLayout->addWidget(repoLabel, 3, 0);
    hubLayout->addWidget(m_repoId, 3, 1);
    hubLayout->addWidget(revisionLabel, 3, 2);
    hubLayout->addWidget(m_revision, 3, 3);
    hubLayout->addWidget(m_infoButton, 3, 4);
    hubLayout->setColumnStretch(1, 1);

    m_searchTimer = new QTimer(this);
    m_searchTimer->setObjectName(QStringLiteral("searchDebounceTimer"));
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(kSearchDebounceMs);

    connect(m_search, &QLineEdit::textEdited, this, &ModelPage::scheduleSearch);
    connect(m_searchTimer, &QTimer::timeout, this, &ModelPage::startSearch);
    connect(m_results, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item) selectRepo(item->data(Qt::UserRole).toString());
    });
    connect(m_results, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        if (item) selectRepo(item->data(Qt::UserRole).toString());
    });
    connect(m_repoId, &QLineEdit::editingFinished, this, [this] { selectRepo(m_repoId->text().trimmed()); });
    connect(m_revision, &QLineEdit::editingFinished, this, [this] {
        const QString revision =
            m_revision->text().trimmed().isEmpty() ? QStringLiteral("main") : m_revision->text().trimmed();
        if (revision.toStdString() == state().settings().model.revision) return;
        edit([&] { state().settings().model.revision = revision.toStdString(); });
        state().clearModel();
        fetchDetails();
    });
    connect(m_infoButton, &QPushButton::clicked, this, &ModelPage::fetchDetails);
    return m_hubBox;
}

QGroupBox* ModelPage::buildLocalSection()
{
    m_localBox = new QGroupBox(tr("Local model folder"), this);
    auto* localLayout = new QHBoxLayout(m_localBox);
    m_localPath = new QLineEdit(m_localBox);
    m_localPath->setObjectName(QStringLiteral("localPathEdit"));
    m_localPath->setPlaceholderText(tr("A folder with config.json, *.safetensors and the tokenizer"));
    m_localBrowse = new QPushButton(tr("Br&owse…"), m_localBox);
    m_localBrowse->setObjectName(QStringLiteral("localBrowseButton"));
    localLayout->addWidget(m_localPath, 1);
    localLayout->addWidget(m_localBrowse);

    connect(m_localPath, &QLineEdit::editingFinished, this, [this] {
        const QString path = QDir::cleanPath(m_localPath->text().trimmed());
        if (m_localPath->text().trimmed().isEmpty() || path.toStdString() == state().settings().model.localPath) return;
        edit([&] { state().settings().model.localPath = path.toStdString(); });
        inspectLocal();
    });
    connect(m_localBrowse, &QPushButton::clicked, this, &ModelPage::chooseLocalFolder);
    return m_localBox;
}

// What the Hub or the folder says about the model.
QGroupBox* ModelPage::buildDetailsSection()
{
    auto* detailsBox = new QGroupBox(tr("Details"), this);
    auto* details = new QFormLayout(detailsBox);
    auto value = [detailsBox](const char* name) {
        auto* label = new QLabel(QStringLiteral("—"), detailsBox);
        label->setObjectName(QLatin1String(name));
        label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::LinksAccessibleByMouse |
                                       Qt::LinksAccessibleByKeyboard);
        label->setOpenExternalLinks(true);
        label->setWordWrap(true);
        return label;
    };
    m_idValue = value("modelIdValue");
    m_parametersValue = value("parametersValue");
    m_architectureValue = value("architectureValue");
    m_supportValue = value("architectureSupportValue");
    m_sizeValue = value("sizeOnDiskValue");
    m_licenseValue = value("licenseValue");
    m_gatedValue = value("gatedValue");
    m_accessValue = value("accessValue");
    m_revisionValue = value("revisionValue");
    m_cacheValue = value("cacheValue");
    details->addRow(tr("Model:"), m_idValue);
    details->addRow(tr("Parameters:"), m_parametersValue);
    details->addRow(tr("Architecture:"), m_architectureValue);
    details->addRow(tr("Supported:"), m_supportValue);
    details->addRow(tr("Size on disk:"), m_sizeValue);
    details->addRow(tr("Licence:"), m_licenseValue);
    details->addRow(tr("Gated:"), m_gatedValue);
    details->addRow(tr("Your access:"), m_accessValue);
    details->addRow(tr("Revision:"), m_revisionValue);
    details->addRow(tr("Local copy:"), m_cacheValue);
    return detailsBox;
}

QGroupBox* ModelPage::buildDownloadSection()
{
    auto* downloadBox = new QGroupBox(tr("Download"), this);
    auto* download = new QGridLayout(downloadBox);
    m_fileLabel = new QLabel(tr("File:"), downloadBox);
    m_fileLabel->setObjectName(QStringLiteral("downloadFileLabel"));
    m_fileProgress = new QProgressBar(downloadBox);
    m_fileProgress->setObjectName(QStringLiteral("fileProgressBar"));
    m_fileProgress->setRange(0, 100);
    m_fileProgress->setValue(0);
    m_totalProgress = new QProgressBar(downloadBox);
    m_totalProgress->setObjectName(QStringLiteral("totalProgressBar"));
    m_totalProgress->setRange(0, 100);
    m_totalProgress->setValue(0);
    m_rate = new QLabel(QStringLiteral("—"), downloadBox);
    m_rate->setObjectName(QStringLiteral("downloadRateLabel"));
    m_eta = new QLabel(QStringLiteral("—"), downloadBox);
    m_eta->setObjectName(QStringLiteral("downloadEtaLabel"));
    m_download = new QPushButton(tr("&Download"), downloadBox);
    m_download->setObjectName(QStringLiteral("downloadButton"));
    m_pause = new QPushButton(tr("&Pause"), downloadBox);
    m_pause->setObjectName(QStringLiteral("pauseDownloadButton"));
    m_cancel = new QPushButton(tr("Ca&ncel"), downloadBox);
    m_cancel->setObjectName(QStringLiteral("cancelDownloadButton"));
    m_downloadStatus = new QLabel(downloadBox);
    m_downloadStatus->setObjectName(QStringLiteral("downloadStatusLabel"));
    m_downloadStatus->setWordWrap(true);
    m_downloadStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    download->addWidget(m_fileLabel, 0, 0);
    download->addWidget(m_fileProgress, 0, 1, 1, 3);
    download->addWidget(new QLabel(tr("Total:"), downloadBox), 1, 0);
    download->addWidget(m_totalProgress, 1, 1, 1, 3);
    download->addWidget(new QLabel(tr("Rate:"), downloadBox), 2, 0);
    download->addWidget(m_rate, 2, 1);
    download->addWidget(new QLabel(tr("Time left:"), downloadBox), 2, 2);
    download->addWidget(m_eta, 2, 3);
    auto* buttons = new QHBoxLayout();
    buttons->addWidget(m_download);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    download->addLayout(buttons, 3, 0, 1, 4);
    download->addWidget(m_downloadStatus, 4, 0, 1, 4);
    download->setColumnStretch(1, 1);
    download->setColumnStretch(3, 1);

    connect(m_download, &QPushButton::clicked, this, &ModelPage::startDownload);
    connect(m_pause, &QPushButton::clicked, this, &ModelPage::pauseOrResume);
    connect(m_cancel, &QPushButton::clicked, this, &ModelPage::cancelDownload);
    return downloadBox;
}

void ModelPage::loadSettings()
{
    const auto& model = state().settings().model;
    const bool local = model.source == "local";
    (local ? m_localSource : m_hubSource)->setChecked(true);
    m_hubBox->setEnabled(!local);
    m_localBox->setEnabled(local);
    m_repoId->setText(QString::fromStdString(model.repoId));
    m_revision->setText(QString::fromStdString(model.revision));
    m_localPath->setText(QString::fromStdString(model.localPath));
    m_search->clear();
    m_results->clear();
    m_searchStatus->clear();
    clearDetails();
    setDownloadState(DownloadState::Idle);
    resetProgress();
    m_downloadStatus->clear();
    showMessage(m_error, {});
    if (local && !model.localPath.empty())
        inspectLocal();
    else if (!local && !model.repoId.empty())
        findInCache();
    updateButtons();
}

void ModelPage::setSource(const QString& source)
{
    m_hubBox->setEnabled(source == QLatin1String("hub"));
    m_localBox->setEnabled(source == QLatin1String("local"));
    if (isLoading() || source.toStdString() == state().settings().model.source) return;
    edit([&] { state().settings().model.source = source.toStdString(); });
    state().clearModel();
    clearDetails();
    showMessage(m_error, {});
    if (source == QLatin1String("local") && !state().settings().model.localPath.empty()) inspectLocal();
    if (source == QLatin1String("hub") && !state().settings().model.repoId.empty()) findInCache();
    updateButtons();
}

void ModelPage::scheduleSearch()
{
    m_searchTimer->start();
}

void ModelPage::startSearch()
{
    const QString text = m_search->text().trimmed();
    if (m_searchJob->isRunning()) {
        // The running search answers an older text: stop it, and search again once it has returned.
        m_searchAgain = true;
        m_searchJob->cancel();
        return;
    }
    if (text.size() < 2) {
        m_results->clear();
        m_searchStatus->setText(text.isEmpty() ? QString() : tr("Type at least two characters."));
        return;
    }
    m_searchStatus->setText(tr("Searching…"));
    const hub::HubConfig config = state().hubConfig();
    m_searchJob->start<std::vector<hub::ModelSummary>>(
        [config, query = text.toStdString()](const StopToken& stop, const Job::Report&) {
            return searchHubModels(config, query, kSearchLimit, stop);
        },
        [this, text](Result<std::vector<hub::ModelSummary>> found) {
            if (m_searchAgain || text != m_search->text().trimmed()) {
                m_searchAgain = false;
                startSearch();
                return;
            }
            if (!found) {
                m_searchStatus->setText(tr("Search failed: %1").arg(QString::fromStdString(found.error().message)));
                return;
            }
            const QSignalBlocker block(m_results);
            m_results->clear();
            for (const hub::ModelSummary& m : *found) {
                QString text = QString::fromStdString(m.id);
                QStringList facts;
                facts << tr("%1 downloads").arg(formatCount(m.downloads));
                if (m.parameterCount > 0) facts << tr("%1 parameters").arg(formatParameters(m.parameterCount));
                if (m.gated != hub::GatedMode::None) facts << tr("gated");
                auto* item = new QListWidgetItem(
                    text + QStringLiteral("   (") + facts.join(QStringLiteral(", ")) + QLatin1Char(')'), m_results);
                item->setData(Qt::UserRole, text);
            }
            if (found->empty())
                m_searchStatus->setText(tr("No model matches “%1”.").arg(text));
            else if (found->size() == 1)
                m_searchStatus->setText(tr("1 model found."));
            else
                m_searchStatus->setText(tr("%1 models found.").arg(found->size()));
        });
}

void ModelPage::selectRepo(const QString& repoId)
{
    if (repoId.isEmpty()) return;
    if (m_repoId->text() != repoId) m_repoId->setText(repoId);
    if (repoId.toStdString() == state().settings().model.repoId && m_details) return;
    if (!hub::looksLikeRepoId(repoId.toStdString())) {
        showMessage(m_error, tr("“%1” is not a Hub repository id (Org/Name).").arg(repoId), Tone::Error);
        return;
    }
    if (repoId.toStdString() != state().settings().model.repoId) {
        edit([&] { state().settings().model.repoId = repoId.toStdString(); });
        state().clearModel();
        setDownloadState(DownloadState::Idle);
        resetProgress();
        m_downloadStatus->clear();
    }
    fetchDetails();
}

void ModelPage::fetchDetails()
{
    const std::string repoId = state().settings().model.repoId;
    if (repoId.empty()) return;
    if (m_infoJob->isRunning()) {
        m_infoAgain = true;
        m_infoJob->cancel();
        return;
    }
    showMessage(m_error, {});
    clearDetails();
    m_idValue->setText(tr("%1 (loading…)").arg(QString::fromStdString(repoId)));
    const hub::HubConfig config = state().hubConfig();
    const std::string revision = state().settings().model.revision;
    m_infoJob->start<HubModelDetails>(
        [config, repoId, revision](const StopToken& stop, const Job::Report&) {
            return fetchHubModelDetails(config, repoId, revision, stop);
        },
        [this, repoId, revision](Result<HubModelDetails> details) {
            const auto& model = state().settings().model;
            if (m_infoAgain || model.repoId != repoId || model.revision != revision) {
                m_infoAgain = false;
                fetchDetails();
                return;
            }
            if (!details) {
                clearDetails();
                showMessage(m_error, QString::fromStdString(details.error().message), Tone::Error);
                return;
            }
            showHubDetails(*details);
        });
}

void ModelPage::clearDetails()
{
    m_details.reset();
    for (QLabel* label : {m_idValue, m_parametersValue, m_architectureValue, m_supportValue, m_sizeValue,
                          m_licenseValue, m_gatedValue, m_accessValue, m_revisionValue, m_cacheValue}) {
        label->setText(QStringLiteral("—"));
        label->setStyleSheet({});
    }
}

void ModelPage::showHubDetails(const HubModelDetails& details)
{
    m_details = details;
    const hub::ModelInfo& info = details.info;
    m_idValue->setText(QString::fromStdString(info.id) + (info.isPrivate ? tr(" (private)") : QString()));
    m_parametersValue->setText(info.parameterCount > 0 ? formatParameters(info.parameterCount) : tr("unknown"));
    QStringList architectures;
    for (const auto& a : info.architectures) architectures << QString::fromStdString(a);
    m_architectureValue->setText(architectures.isEmpty() ? tr("unknown") : architectures.join(QStringLiteral(", ")));
    m_architectureValue->setToolTip(QString::fromStdString(info.modelType));
    flagArchitecture(info.architectures, details.cachedConfigError);
    m_sizeValue->setText(details.totalBytes >= 0 ? formatBytesExact(details.totalBytes) : tr("unknown"));
    m_licenseValue->setText(info.license.empty() ? tr("not stated") : QString::fromStdString(info.license));
    m_gatedValue->setText(gatedText(info.gated));
    const QString page = QString::fromStdString(details.endpoint + "/" + info.id);
    const QString link = QStringLiteral("<a href=\"%1\">%1</a>").arg(page.toHtmlEscaped());
    switch (info.access) {
        case hub::Access::Granted:
            m_accessValue->setText(info.gated == hub::GatedMode::None && !info.isPrivate ? tr("granted (public)")
                                                                                         : tr("granted"));
            m_accessValue->setStyleSheet({});
            break;
        case hub::Access::NeedsLogin:
            m_accessValue->setText(tr("sign in on the Account page, then request access at %1").arg(link));
            m_accessValue->setStyleSheet(QStringLiteral("color: #b00020;"));
            break;
        case hub::Access::NotApproved:
            m_accessValue->setText(tr("not approved for this account: request access at %1").arg(link));
            m_accessValue->setStyleSheet(QStringLiteral("color: #b00020;"));
            break;
        case hub::Access::Unknown:
            m_accessValue->setText(tr("unknown"));
            m_accessValue->setStyleSheet({});
            break;
    }
    m_revisionValue->setText(QStringLiteral("%1 → %2").arg(QString::fromStdString(state().settings().model.revision),
                                                           QString::fromStdString(info.sha)));
    if (!details.cachedSnapshot.empty()) {
        m_cacheValue->setText(tr("in the Hugging Face cache: %1")
                                  .arg(QDir::toNativeSeparators(QString::fromStdString(details.cachedSnapshot))));
        DownloadedModel cached;
        cached.download.snapshotDir = details.cachedSnapshot;
        cached.download.commit = info.sha;
        cached.config = details.cachedConfig;
        cached.configError = details.cachedConfigError;
        if (m_downloadState == DownloadState::Idle)
            useModel(cached, tr("Using the copy in the cache. Download checks it and fetches anything missing."));
    } else {
        m_cacheValue->setText(tr("not downloaded"));
    }
    updateButtons();
}

void ModelPage::flagArchitecture(const std::vector<std::string>& architectures, const std::string& configError)
{
    QString text;
    bool supported = true;
    if (!configError.empty()) {
        supported = false;
        text = QString::fromStdString(configError);
    } else if (architectures.empty()) {
        text = tr("checked once config.json is downloaded");
    } else if (!isSupportedArchitecture(architectures.front())) {
        supported = false;
        QStringList names;
        for (const auto& n : model::supportedArchitectures()) names << QString::fromStdString(n);
        text = tr("no: Lathe compiles %1, not %2")
                   .arg(names.join(QStringLiteral(", ")), QString::fromStdString(architectures.front()));
    } else {
        text = tr("yes");
    }
    m_supportValue->setText(text);
    m_supportValue->setStyleSheet(supported ? QString() : QStringLiteral("color: #b00020; font-weight: bold;"));
    m_supportValue->setProperty("supported", supported);
}

void ModelPage::findInCache()
{
    const std::string repoId = state().settings().model.repoId;
    const std::string revision = state().settings().model.revision;
    const hub::HubConfig config = state().hubConfig();
    m_idValue->setText(QString::fromStdString(repoId));
    m_localJob->cancel();
    m_localJob->whenIdle([this, config, repoId, revision] {
        m_localJob->start<DownloadedModel>(
            [config, repoId, revision](const StopToken&, const Job::Report&) {
                return findCachedModel(config, repoId, revision);
            },
            [this, repoId, revision](Result<DownloadedModel> cached) {
                const auto& model = state().settings().model;
                if (model.source != "hub" || model.repoId != repoId || model.revision != revision) return;
                if (!cached) {
                    m_cacheValue->setText(tr("not downloaded"));
                    return;
                }
                m_cacheValue->setText(
                    tr("in the Hugging Face cache: %1")
                        .arg(QDir::toNativeSeparators(QString::fromStdString(cached->download.snapshotDir))));
                if (cached->config) {
                    m_architectureValue->setText(QString::fromStdString(cached->config->architecture));
                    flagArchitecture({cached->config->architecture}, {});
                } else {
                    flagArchitecture({}, cached->configError);
                }
                useModel(*cached, tr("Using the copy in the cache."));
            });
    });
}

void ModelPage::chooseLocalFolder()
{
    const QString current = m_localPath->text();
    const QString start = QFileInfo(current).isDir() ? current : StudioSettings::lastFolder(QStringLiteral("model"));
    const QString folder = Dialogs::directory(this, tr("Model folder"), start);
    if (folder.isEmpty()) return;
    StudioSettings::setLastFolder(QStringLiteral("model"), QFileInfo(folder).absolutePath());
    m_localPath->setText(QDir::cleanPath(folder));
    edit([&] { state().settings().model.localPath = QDir::cleanPath(folder).toStdString(); });
    inspectLocal();
}

void ModelPage::inspectLocal()
{
    const std::string dir = state().settings().model.localPath;
    if (dir.empty()) return;
    state().clearModel();
    clearDetails();
    showMessage(m_error, {});
    m_idValue->setText(tr("%1 (reading…)").arg(QString::fromStdString(dir)));
    m_localJob->cancel();
    m_localJob->whenIdle([this, dir] {
        m_localJob->start<LocalModelDetails>(
            [dir](const StopToken& stop, const Job::Report&) { return inspectLocalModel(dir, stop); },
            [this, dir](Result<LocalModelDetails> details) {
                if (state().settings().model.localPath != dir || state().settings().model.source != "local") return;
                if (!details) {
                    clearDetails();
                    if (details.error().code == ErrorCode::Unsupported) flagArchitecture({}, details.error().message);
                    showMessage(m_error, QString::fromStdString(details.error().message), Tone::Error);
                    return;
                }
                m_idValue->setText(QDir::toNativeSeparators(QString::fromStdString(details->directory)));
                m_parametersValue->setText(formatParameters(details->parameterCount));
                const std::string arch = details->config ? details->config->architecture : std::string();
                m_architectureValue->setText(arch.empty() ? tr("unknown") : QString::fromStdString(arch));
                flagArchitecture(arch.empty() ? std::vector<std::string>{} : std::vector<std::string>{arch}, {});
                m_sizeValue->setText(formatBytesExact(details->bytesOnDisk));
                m_licenseValue->setText(tr("see the folder's README or LICENSE"));
                m_gatedValue->setText(tr("not applicable"));
                m_accessValue->setText(tr("local files"));
                m_revisionValue->setText(tr("not applicable"));
                m_cacheValue->setText(tr("local folder"));
                state().setModel(QString::fromStdString(details->directory), details->config);
            });
    });
}

void ModelPage::setDownloadState(DownloadState downloadState)
{
    m_downloadState = downloadState;
    m_pause->setText(downloadState == DownloadState::Paused ? tr("Res&ume") : tr("&Pause"));
    updateButtons();
}

void ModelPage::resetProgress()
{
    m_fileProgress->setValue(0);
    m_totalProgress->setValue(0);
    m_totalProgress->resetFormat();
    m_fileLabel->setText(tr("File:"));
    m_rate->setText(QStringLiteral("—"));
    m_eta->setText(QStringLiteral("—"));
}

void ModelPage::updateButtons()
{
    const bool hub = state().settings().model.source == "hub";
    const bool haveRepo = !state().settings().model.repoId.empty();
    const bool downloading = m_downloadJob->isRunning();
    m_download->setEnabled(hub && haveRepo && !downloading && m_downloadState != DownloadState::Paused);
    m_pause->setEnabled(hub && (downloading || m_downloadState == DownloadState::Paused));
    m_cancel->setEnabled(hub && (downloading || m_downloadState == DownloadState::Paused));
    m_infoButton->setEnabled(hub && haveRepo);
    m_hubSource->setEnabled(!downloading);
    m_localSource->setEnabled(!downloading);
    m_repoId->setEnabled(!downloading);
    m_revision->setEnabled(!downloading);
    m_results->setEnabled(!downloading);
}

void ModelPage::startDownload()
{
    const std::string repoId = state().settings().model.repoId;
    const std::string revision = state().settings().model.revision;
    if (repoId.empty() || m_downloadJob->isRunning()) return;
    showMessage(m_error, {});
    m_pauseRequested = false;
    if (m_downloadState != DownloadState::Paused) resetProgress();
    setDownloadState(DownloadState::Running);
    m_downloadStatus->setText(tr("Downloading %1…").arg(QString::fromStdString(repoId)));
    const hub::HubConfig config = state().hubConfig();
    m_downloadJob->start<DownloadedModel>(
        [config, repoId, revision](const StopToken& stop, const Job::Report& report) {
            auto onProgress = [report](const hub::DownloadProgress& p) { report(QVariant::fromValue(p)); };
            return downloadHubModel(config, repoId, revision, onProgress, stop);
        },
        [this, repoId](Result<DownloadedModel> result) {
            if (!result) {
                if (result.error().code == ErrorCode::Cancelled && m_pauseRequested) {
                    setDownloadState(DownloadState::Paused);
                    m_rate->setText(QStringLiteral("—"));
                    m_eta->setText(QStringLiteral("—"));
                    m_downloadStatus->setText(tr("Paused. Resume continues from the partial file."));
                } else if (result.error().code == ErrorCode::Cancelled) {
                    setDownloadState(DownloadState::Idle);
                    m_downloadStatus->setText(
                        tr("Cancelled. The partial file is kept; Download continues from it later."));
                } else {
                    setDownloadState(DownloadState::Idle);
                    m_downloadStatus->setText(tr("Download failed."));
                    showMessage(m_error, QString::fromStdString(result.error().message), Tone::Error);
                }
                return;
            }
            setDownloadState(DownloadState::Idle);
            m_fileProgress->setValue(100);
            m_totalProgress->setValue(100);
            const auto& d = result->download;
            QString status;
            if (d.fromCacheFallback)
                status = tr("The Hub could not be reached; using the complete copy in the cache.");
            else if (d.bytesDownloaded == 0)
                status = tr("Already in the cache; nothing to download.");
            else
                status = tr("Downloaded %1.").arg(formatBytes(d.bytesDownloaded));
            m_cacheValue->setText(tr("in the Hugging Face cache: %1")
                                      .arg(QDir::toNativeSeparators(QString::fromStdString(d.snapshotDir))));
            if (result->config) {
                flagArchitecture({result->config->architecture}, {});
            } else {
                flagArchitecture({}, result->configError);
            }
            useModel(*result, status);
        });
}

void ModelPage::useModel(const DownloadedModel& model, const QString& statusText)
{
    m_downloadStatus->setText(statusText);
    if (!model.config) showMessage(m_error, QString::fromStdString(model.configError), Tone::Error);
    state().setModel(QString::fromStdString(model.download.snapshotDir), model.config);
    updateButtons();
}

void ModelPage::onDownloadProgress(const QVariant& value)
{
    if (!value.canConvert<hub::DownloadProgress>()) return;
    const auto p = value.value<hub::DownloadProgress>();
    m_fileLabel->setText(tr("File %1 of %2: %3").arg(p.fileIndex).arg(p.fileCount).arg(QString::fromStdString(p.file)));
    m_fileProgress->setValue(percent(p.fileDone, p.fileTotal));
    m_totalProgress->setValue(percent(p.totalDone, p.totalTotal));
    m_totalProgress->setFormat(
        QStringLiteral("%p% — %1 of %2").arg(formatBytes(p.totalDone), formatBytes(p.totalTotal)));
    m_rate->setText(formatRate(p.bytesPerSecond));
    m_eta->setText(formatDuration(p.etaSeconds));
}

void ModelPage::pauseOrResume()
{
    if (m_downloadJob->isRunning()) {
        m_pauseRequested = true;
        m_downloadStatus->setText(tr("Pausing…"));
        m_downloadJob->cancel();
    } else if (m_downloadState == DownloadState::Paused) {
        startDownload();
    }
}

void ModelPage::cancelDownload()
{
    if (m_downloadJob->isRunning()) {
        m_pauseRequested = false;
        m_downloadStatus->setText(tr("Cancelling…"));
        m_downloadJob->cancel();
    } else if (m_downloadState == DownloadState::Paused) {
        setDownloadState(DownloadState::Idle);
        m_downloadStatus->setText(tr("Cancelled. The partial file is kept; Download continues from it later."));
    }
}

}  // namespace lathe::ui
