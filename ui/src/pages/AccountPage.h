#pragma once

#include "pages/WizardPage.h"

#include "lathe/hub/HubToken.h"
#include "lathe/hub/HubTypes.h"

#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QToolButton;

namespace lathe::ui {

class Job;

// Step 2: the Hugging Face account. Signs in with whoami on a worker, shows the user, orgs and where the token
// came from, signs out, or continues without an account (public models only). The token is shared with
// `hf auth login` through the token file and never written into a project.
class AccountPage : public WizardPage {
    Q_OBJECT
public:
    explicit AccountPage(StudioState& state, QWidget* parent = nullptr);

protected:
    void loadSettings() override {}

private:
    void signIn();
    void signOut();
    void continueWithoutAccount();
    void showAccount(const hub::WhoAmI& who, const QString& source);
    void clearAccount();
    void updateButtons();

    QLineEdit* m_token = nullptr;
    QToolButton* m_showToken = nullptr;
    QCheckBox* m_remember = nullptr;
    QPushButton* m_signIn = nullptr;
    QPushButton* m_signOut = nullptr;
    QPushButton* m_anonymous = nullptr;
    QLabel* m_user = nullptr;
    QLabel* m_orgs = nullptr;
    QLabel* m_role = nullptr;
    QLabel* m_source = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_error = nullptr;
    Job* m_job = nullptr;
    std::optional<hub::HubToken> m_found;  // what HF_TOKEN / the token file held when the page opened
    QString m_storedName;                  // the stored_tokens entry this session's token lives under
};

}  // namespace lathe::ui
