#pragma once

#include "lathe/hub/HubConfig.h"
#include "lathe/hub/HubTypes.h"
#include "lathe/model/ModelConfig.h"
#include "lathe/project/Project.h"

#include <QObject>
#include <QString>

#include <optional>

namespace lathe::ui {

// The one state object every wizard page shares: the project's settings (saved in the .lathe file) plus what
// this session learned (the signed-in account, the model folder on disk). Only the GUI thread touches it;
// workers get copies of what they need.
class StudioState : public QObject {
    Q_OBJECT
public:
    // How Hub requests authenticate: as the CLI does (HF_TOKEN, then the token file), with the token the
    // account page signed in with, or with no token at all.
    enum class AccountMode { Implicit, Token, Anonymous };

    explicit StudioState(QObject* parent = nullptr);

    project::ProjectSettings& settings() { return m_settings; }
    const project::ProjectSettings& settings() const { return m_settings; }
    // Replaces every setting (new/open project); pages reload their widgets on settingsReplaced().
    void replaceSettings(const project::ProjectSettings& settings, const QString& projectPath);

    QString projectPath() const { return m_projectPath; }
    void setProjectPath(const QString& path);

    bool isModified() const { return m_modified; }
    void setModified(bool modified);
    // Pages call this after writing a user's edit into settings().
    void markModified() { setModified(true); }

    // Hub access for worker calls: the environment's configuration plus this session's account choice.
    hub::HubConfig hubConfig() const;
    AccountMode accountMode() const { return m_accountMode; }
    const std::optional<hub::WhoAmI>& account() const { return m_account; }
    void signIn(const QString& token, const hub::WhoAmI& who);
    void useImplicitAccount(const hub::WhoAmI& who);
    void continueAnonymously();

    // The model folder the later steps read (a cache snapshot or a local folder) and its config.json.
    QString modelDirectory() const { return m_modelDirectory; }
    const std::optional<model::ModelConfig>& modelConfig() const { return m_modelConfig; }
    void setModel(const QString& directory, const std::optional<model::ModelConfig>& config);
    void clearModel();
    // Names the calibration folder: the repo id, or the local model's name (projectModelTag).
    QString modelTag() const;

    // The compile page wrote new outputs (or removed them): the results page reloads.
    void notifyOutputsChanged() { Q_EMIT outputsChanged(); }

Q_SIGNALS:
    void settingsReplaced();
    void modifiedChanged(bool modified);
    void projectPathChanged(const QString& path);
    void accountChanged();
    void modelChanged();
    // Output folder, bit settings and the like changed: dependent pages refresh their validation.
    void settingsEdited();
    void outputsChanged();

private:
    project::ProjectSettings m_settings;
    QString m_projectPath;
    bool m_modified = false;
    AccountMode m_accountMode = AccountMode::Implicit;
    QString m_sessionToken;
    std::optional<hub::WhoAmI> m_account;
    QString m_modelDirectory;
    std::optional<model::ModelConfig> m_modelConfig;
};

}  // namespace lathe::ui
