#include "StudioState.h"

#include "lathe/project/ProjectLayout.h"

namespace lathe::ui {

StudioState::StudioState(QObject* parent) : QObject(parent) {}

void StudioState::replaceSettings(const project::ProjectSettings& settings, const QString& projectPath)
{
    m_settings = settings;
    setProjectPath(projectPath);
    clearModel();
    Q_EMIT settingsReplaced();
    setModified(false);
}

void StudioState::setProjectPath(const QString& path)
{
    if (path == m_projectPath) return;
    m_projectPath = path;
    Q_EMIT projectPathChanged(path);
}

void StudioState::setModified(bool modified)
{
    if (modified) Q_EMIT settingsEdited();
    if (modified == m_modified) return;
    m_modified = modified;
    Q_EMIT modifiedChanged(modified);
}

hub::HubConfig StudioState::hubConfig() const
{
    hub::HubConfig config = hub::HubConfig::fromEnvironment();
    switch (m_accountMode) {
        case AccountMode::Implicit:
            break;
        case AccountMode::Token:
            config.token = m_sessionToken.toStdString();
            break;
        case AccountMode::Anonymous:
            config.implicitToken = false;
            config.token.reset();
            break;
    }
    return config;
}

void StudioState::signIn(const QString& token, const hub::WhoAmI& who)
{
    m_accountMode = AccountMode::Token;
    m_sessionToken = token;
    m_account = who;
    Q_EMIT accountChanged();
}

void StudioState::useImplicitAccount(const hub::WhoAmI& who)
{
    m_accountMode = AccountMode::Implicit;
    m_sessionToken.clear();
    m_account = who;
    Q_EMIT accountChanged();
}

void StudioState::continueAnonymously()
{
    m_accountMode = AccountMode::Anonymous;
    m_sessionToken.clear();
    m_account.reset();
    Q_EMIT accountChanged();
}

void StudioState::setModel(const QString& directory, const std::optional<model::ModelConfig>& config)
{
    m_modelDirectory = directory;
    m_modelConfig = config;
    Q_EMIT modelChanged();
}

void StudioState::clearModel()
{
    if (m_modelDirectory.isEmpty() && !m_modelConfig) return;
    m_modelDirectory.clear();
    m_modelConfig.reset();
    Q_EMIT modelChanged();
}

QString StudioState::modelTag() const
{
    return QString::fromStdString(projectModelTag(m_settings));
}

}  // namespace lathe::ui
