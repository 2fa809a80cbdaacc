#include "pages/AccountPage.h"

#include "StudioState.h"
#include "jobs/Job.h"
#include "lathe/hub/HubClient.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QToolButton>

#include <utility>

namespace lathe::ui {

namespace {

struct SignInResult {
    hub::WhoAmI who;
    std::string storedName;  // empty when the token was not saved
};

QString describeSource(const hub::HubToken& token)
{
    return QString::fromStdString(token.describe());
}

}  // namespace

AccountPage::AccountPage(StudioState& studio, QWidget* parent)
    : WizardPage(studio, tr("Hugging Face account"),
                 tr("Gated models such as Llama need an account that has accepted the model's licence. Create a "
                    "read token at <a href=\"https://huggingface.co/settings/tokens\">huggingface.co/settings/"
                    "tokens</a>. Public models work without an account."),
                 parent)
{
    setObjectName(QStringLiteral("accountPage"));
    m_job = new Job(this);

    auto* signInBox = new QGroupBox(tr("Sign in"), this);
    auto* form = new QFormLayout(signInBox);
    auto* tokenRow = new QHBoxLayout();
    m_token = new QLineEdit(signInBox);
    m_token->setObjectName(QStringLiteral("tokenEdit"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("hf_…"));
    m_token->setAccessibleName(tr("Access token"));
    m_showToken = new QToolButton(signInBox);
    m_showToken->setObjectName(QStringLiteral("showTokenButton"));
    m_showToken->setCheckable(true);
    m_showToken->setText(tr("Show"));
    m_showToken->setToolTip(tr("Show or hide the token"));
    m_showToken->setFocusPolicy(Qt::StrongFocus);
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_showToken);
    addBuddyRow(form, tr("Access &token:"), m_token, tokenRow);
    m_remember = new QCheckBox(tr("&Remember on this computer (the token file shared with hf auth login)"), signInBox);
    m_remember->setObjectName(QStringLiteral("rememberTokenCheck"));
    m_remember->setChecked(true);
    form->addRow(QString(), m_remember);

    auto* buttons = new QHBoxLayout();
    m_signIn = new QPushButton(tr("S&ign in"), signInBox);
    m_signIn->setObjectName(QStringLiteral("signInButton"));
    m_signIn->setDefault(true);
    m_signOut = new QPushButton(tr("Sign o&ut"), signInBox);
    m_signOut->setObjectName(QStringLiteral("signOutButton"));
    m_anonymous = new QPushButton(tr("&Continue without an account"), signInBox);
    m_anonymous->setObjectName(QStringLiteral("continueAnonymousButton"));
    buttons->addWidget(m_signIn);
    buttons->addWidget(m_signOut);
    buttons->addStretch(1);
    buttons->addWidget(m_anonymous);
    form->addRow(buttons);
    body()->addWidget(signInBox);

    auto* accountBox = new QGroupBox(tr("Account"), this);
    auto* accountForm = new QFormLayout(accountBox);
    auto value = [accountBox](const char* name) {
        auto* label = new QLabel(QStringLiteral("—"), accountBox);
        label->setObjectName(QLatin1String(name));
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->setWordWrap(true);
        return label;
    };
    m_user = value("accountUserValue");
    m_orgs = value("accountOrgsValue");
    m_role = value("tokenRoleValue");
    m_source = value("tokenSourceValue");
    accountForm->addRow(tr("User:"), m_user);
    accountForm->addRow(tr("Organisations:"), m_orgs);
    accountForm->addRow(tr("Token:"), m_role);
    accountForm->addRow(tr("Token from:"), m_source);
    body()->addWidget(accountBox);

    m_status = makeMessageLabel(QStringLiteral("accountStatusLabel"), this);
    m_error = makeMessageLabel(QStringLiteral("accountErrorLabel"), this);
    body()->addWidget(m_status);
    body()->addWidget(m_error);
    body()->addStretch(1);

    connect(m_showToken, &QToolButton::toggled, this, [this](bool shown) {
        m_token->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_showToken->setText(shown ? tr("Hide") : tr("Show"));
    });
    connect(m_token, &QLineEdit::returnPressed, this, &AccountPage::signIn);
    connect(m_token, &QLineEdit::textChanged, this, &AccountPage::updateButtons);
    connect(m_signIn, &QPushButton::clicked, this, &AccountPage::signIn);
    connect(m_signOut, &QPushButton::clicked, this, &AccountPage::signOut);
    connect(m_anonymous, &QPushButton::clicked, this, &AccountPage::continueWithoutAccount);
    connect(m_job, &Job::runningChanged, this, &AccountPage::updateButtons);

    setTabOrder(m_token, m_showToken);
    setTabOrder(m_showToken, m_remember);
    setTabOrder(m_remember, m_signIn);
    setTabOrder(m_signIn, m_signOut);
    setTabOrder(m_signOut, m_anonymous);

    // Reading HF_TOKEN and the small token file is instant; validating the token is left to "Sign in".
    m_found = hub::findToken();
    if (m_found) {
        m_token->setText(QString::fromStdString(m_found->value));
        m_source->setText(tr("found in %1 (not verified yet)").arg(describeSource(*m_found)));
        showMessage(m_status, tr("A token was found in %1. Press Sign in to use it.").arg(describeSource(*m_found)));
    }
    updateButtons();
}

void AccountPage::updateButtons()
{
    const bool busy = m_job->isRunning();
    m_signIn->setEnabled(!busy && !m_token->text().trimmed().isEmpty());
    m_signOut->setEnabled(!busy && state().account().has_value());
    m_anonymous->setEnabled(!busy);
    m_token->setEnabled(!busy);
}

void AccountPage::signIn()
{
    const std::string token = hub::cleanToken(m_token->text().toStdString());
    showMessage(m_error, {});
    if (token.empty()) {
        showMessage(m_error, tr("Enter an access token first."), Tone::Error);
        return;
    }
    if (token.rfind("api_org", 0) == 0) {
        showMessage(m_error, tr("Organisation API tokens cannot sign in: use a personal access token."), Tone::Error);
        return;
    }
    const bool fromFound = m_found && m_found->value == token;
    // A token already in the environment or the token file stays where it is; a typed one is saved on request.
    const bool save = !fromFound && m_remember->isChecked();
    hub::HubConfig config = state().hubConfig();
    showMessage(m_status, tr("Checking the token with %1…").arg(QString::fromStdString(config.endpoint)));
    m_job->start<SignInResult>(
        [config, token, save](const StopToken&, const Job::Report&) -> Result<SignInResult> {
            hub::HubClient client(config);
            auto who = client.whoami(token);
            if (!who) return who.error();
            SignInResult result{who.value(), {}};
            if (save) {
                const std::string name = !who->tokenName.empty() ? who->tokenName : "oauth-" + who->name;
                if (auto stored = hub::storeLogin(token, name); !stored)
                    return stored.error().withContext("the token is valid but could not be saved");
                result.storedName = name;
            }
            return result;
        },
        [this, token, fromFound, save](Result<SignInResult> result) {
            if (!result) {
                showMessage(m_status, {});
                showMessage(m_error, tr("Sign-in failed: %1").arg(QString::fromStdString(result.error().message)),
                            Tone::Error);
                return;
            }
            QString source;
            if (fromFound) {
                source = describeSource(*m_found);
                state().useImplicitAccount(result->who);
            } else {
                source = save ? tr("entered here; saved to the token file %1")
                                    .arg(QString::fromStdString(hub::tokenFilePath()))
                              : tr("entered here; used for this session only");
                state().signIn(QString::fromStdString(token), result->who);
            }
            m_storedName = QString::fromStdString(result->storedName);
            showAccount(result->who, source);
            showMessage(m_status, tr("Signed in as %1.").arg(QString::fromStdString(result->who.name)), Tone::Success);
            updateButtons();
        });
}

void AccountPage::showAccount(const hub::WhoAmI& who, const QString& source)
{
    QString user = QString::fromStdString(who.name);
    if (!who.fullname.empty() && who.fullname != who.name)
        user += QStringLiteral(" (%1)").arg(QString::fromStdString(who.fullname));
    m_user->setText(user);
    QStringList orgs;
    for (const auto& o : who.orgs) orgs << QString::fromStdString(o);
    m_orgs->setText(orgs.isEmpty() ? tr("none") : orgs.join(QStringLiteral(", ")));
    m_role->setText(QStringLiteral("%1 (%2)").arg(
        who.tokenName.empty() ? QStringLiteral("—") : QString::fromStdString(who.tokenName),
        who.tokenRole.empty() ? tr("unknown role") : QString::fromStdString(who.tokenRole)));
    m_source->setText(source);
}

void AccountPage::clearAccount()
{
    for (QLabel* label : {m_user, m_orgs, m_role, m_source}) label->setText(QStringLiteral("—"));
}

void AccountPage::signOut()
{
    showMessage(m_error, {});
    const bool fromEnvironment = state().accountMode() == StudioState::AccountMode::Implicit && m_found &&
                                 m_found->source != hub::TokenSource::File;
    const bool fromFile = state().accountMode() == StudioState::AccountMode::Implicit && m_found &&
                          m_found->source == hub::TokenSource::File;
    std::optional<std::string> name;
    if (!m_storedName.isEmpty()) name = m_storedName.toStdString();
    const bool removeStored = !m_storedName.isEmpty() || fromFile;
    state().continueAnonymously();
    clearAccount();
    m_token->clear();
    m_storedName.clear();
    m_found.reset();
    updateButtons();
    if (fromEnvironment) {
        showMessage(m_status,
                    tr("Signed out for this session. The token still comes from the environment: unset "
                       "HF_TOKEN to sign out for good."),
                    Tone::Warning);
        return;
    }
    if (!removeStored) {
        showMessage(m_status, tr("Signed out."), Tone::Info);
        return;
    }
    m_job->start<std::string>(
        [name](const StopToken&, const Job::Report&) -> Result<std::string> {
            auto removed = hub::removeLogin(name);
            // A token file written by another tool may have no named entry; then remove the active token.
            if (!removed && name && removed.error().code == ErrorCode::NotFound)
                removed = hub::removeLogin(std::nullopt);
            return removed;
        },
        [this](Result<std::string> removed) {
            if (!removed) {
                showMessage(m_error,
                            tr("Signed out, but the saved token could not be removed: %1")
                                .arg(QString::fromStdString(removed.error().message)),
                            Tone::Error);
                return;
            }
            showMessage(m_status, tr("Signed out; the saved token was removed from %1.")
                                      .arg(QString::fromStdString(hub::tokenFilePath())));
        });
}

void AccountPage::continueWithoutAccount()
{
    showMessage(m_error, {});
    state().continueAnonymously();
    clearAccount();
    m_source->setText(tr("no token: public models only"));
    showMessage(m_status, tr("Continuing without an account: public models only."));
    updateButtons();
}

}  // namespace lathe::ui
