// The account page against the mock Hub: sign in with a good token (user, orgs and token source shown, token
// saved where `hf auth login` keeps it), a bad token (error on the page, nothing saved), show/hide, a token
// from the environment, signing out, and continuing without an account. The token never reaches a project.
#include "StudioHubSupport.h"
#include "TestSupport.h"
#include "lathe/ui/MainWindow.h"

#include <QCheckBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace lathe::test;
using lathe::ui::MainWindow;

namespace {
const QString kAlice = QStringLiteral("hf_aliceTOKENaliceTOKEN");
const QString kBob = QStringLiteral("hf_bobTOKENbobTOKENbob");
}  // namespace

class TestStudioAccount : public QObject {
    Q_OBJECT

    StudioSandbox m_sandbox;
    std::unique_ptr<MockHubServer> m_server;

    QString tokenFile() const { return m_sandbox.hfHome() + QStringLiteral("/token"); }

    template <typename T>
    static T* child(QWidget* root, const char* name)
    {
        return root->findChild<T*>(QLatin1String(name));
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_sandbox.setUp();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        MockHubServer::Options o;
        o.users = {{kAlice, QStringLiteral("alice"), QStringLiteral("alice-laptop"), true},
                   {kBob, QStringLiteral("bob"), QStringLiteral("bob-read"), false}};
        const QString started = startStudioHub(m_sandbox, m_server, o);
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }

    void init()
    {
        QFile::remove(tokenFile());
        QFile::remove(m_sandbox.hfHome() + QStringLiteral("/stored_tokens"));
        qunsetenv("HF_TOKEN");
    }

    void goodTokenShowsUserAndIsSaved()
    {
        DialogAnswers answers;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("accountPage"));
        QVERIFY(page);
        auto* token = child<QLineEdit>(page, "tokenEdit");
        auto* signIn = child<QPushButton>(page, "signInButton");
        QVERIFY(token && signIn);
        QCOMPARE(token->echoMode(), QLineEdit::Password);
        QVERIFY(!signIn->isEnabled());
        token->setFocus();
        QTest::keyClicks(token, kAlice);
        QVERIFY(signIn->isEnabled());
        QTest::mouseClick(signIn, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(page, "accountUserValue")->text(), QStringLiteral("alice (Alice)"),
                                  15000);
        QCOMPARE(child<QLabel>(page, "accountOrgsValue")->text(), QStringLiteral("mock-org"));
        QCOMPARE(child<QLabel>(page, "tokenRoleValue")->text(), QStringLiteral("alice-laptop (read)"));
        QCOMPARE(child<QLabel>(page, "tokenSourceValue")->text(),
                 QStringLiteral("entered here; saved to the token file ") + tokenFile());
        QVERIFY(!child<QLabel>(page, "accountErrorLabel")->isVisible());
        // Saved as `hf auth login` does: the token file holds exactly the token.
        QCOMPARE(readAll(tokenFile()), kAlice.toUtf8());
        QVERIFY(readAll(m_sandbox.hfHome() + QStringLiteral("/stored_tokens")).contains("[alice-laptop]"));

        // A saved project never holds the token.
        const QString project = m_sandbox.path(QStringLiteral("work/account.lathe"));
        QVERIFY(window.saveProjectAs(project));
        QVERIFY(!readAll(project).contains(kAlice.toUtf8()));
        QVERIFY(!readAll(project).contains("hf_"));

        // Signing out removes the saved token again.
        auto* signOut = child<QPushButton>(page, "signOutButton");
        QVERIFY(signOut->isEnabled());
        QTest::mouseClick(signOut, Qt::LeftButton);
        QCOMPARE(child<QLabel>(page, "accountUserValue")->text(), QStringLiteral("—"));
        QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(tokenFile()), 5000);
        QTRY_VERIFY(child<QLabel>(page, "accountStatusLabel")->text().startsWith(QStringLiteral("Signed out")));
        QVERIFY(answers.questions.isEmpty());
    }

    void badTokenShowsErrorOnThePage()
    {
        DialogAnswers answers;
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("accountPage"));
        auto* token = child<QLineEdit>(page, "tokenEdit");
        QTest::keyClicks(token, QStringLiteral("hf_notAValidTokenAtAll"));
        QTest::keyClick(token, Qt::Key_Return);
        auto* error = child<QLabel>(page, "accountErrorLabel");
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 15000);
        QVERIFY2(error->text().startsWith(QStringLiteral("Sign-in failed: ")), qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("token"), Qt::CaseInsensitive), qPrintable(error->text()));
        QVERIFY2(!error->text().contains(QStringLiteral("hf_notAValidTokenAtAll")),
                 "the token never appears in messages");
        QCOMPARE(child<QLabel>(page, "accountUserValue")->text(), QStringLiteral("—"));
        QVERIFY(!child<QPushButton>(page, "signOutButton")->isEnabled());
        QVERIFY(!QFile::exists(tokenFile()));
    }

    void showAndHideTheToken()
    {
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("accountPage"));
        auto* token = child<QLineEdit>(page, "tokenEdit");
        auto* show = child<QToolButton>(page, "showTokenButton");
        QTest::keyClicks(token, kBob);
        QCOMPARE(token->displayText(), QString(kBob.size(), token->displayText().at(0)));
        QVERIFY(token->displayText() != kBob);
        QTest::mouseClick(show, Qt::LeftButton);
        QCOMPARE(token->echoMode(), QLineEdit::Normal);
        QCOMPARE(token->displayText(), kBob);
        QTest::mouseClick(show, Qt::LeftButton);
        QCOMPARE(token->echoMode(), QLineEdit::Password);
    }

    void tokenFromTheEnvironment()
    {
        qputenv("HF_TOKEN", kBob.toUtf8());
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("accountPage"));
        QCOMPARE(child<QLabel>(page, "tokenSourceValue")->text(),
                 QStringLiteral("found in the HF_TOKEN environment variable (not verified yet)"));
        QCOMPARE(child<QLineEdit>(page, "tokenEdit")->text(), kBob);
        QTest::mouseClick(child<QPushButton>(page, "signInButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(page, "accountUserValue")->text(), QStringLiteral("bob (Bob)"), 15000);
        QCOMPARE(child<QLabel>(page, "tokenSourceValue")->text(), QStringLiteral("the HF_TOKEN environment variable"));
        QVERIFY2(!QFile::exists(tokenFile()), "a token from the environment is not copied into the token file");
        QTest::mouseClick(child<QPushButton>(page, "signOutButton"), Qt::LeftButton);
        QVERIFY(child<QLabel>(page, "accountStatusLabel")->text().contains(QStringLiteral("unset HF_TOKEN")));
        qunsetenv("HF_TOKEN");
    }

    void tokenFromTheTokenFile()
    {
        QVERIFY(writeFile(tokenFile(), kAlice.toUtf8()));
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("accountPage"));
        QCOMPARE(child<QLabel>(page, "tokenSourceValue")->text(),
                 QStringLiteral("found in the token file %1 (not verified yet)").arg(tokenFile()));
        QTest::mouseClick(child<QPushButton>(page, "signInButton"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(child<QLabel>(page, "accountUserValue")->text(), QStringLiteral("alice (Alice)"),
                                  15000);
        QCOMPARE(child<QLabel>(page, "tokenSourceValue")->text(), QStringLiteral("the token file ") + tokenFile());
    }

    void continueWithoutAnAccount()
    {
        MainWindow window;
        window.show();
        QWidget* page = showStep(window, QStringLiteral("accountPage"));
        QTest::mouseClick(child<QPushButton>(page, "continueAnonymousButton"), Qt::LeftButton);
        QCOMPARE(child<QLabel>(page, "tokenSourceValue")->text(), QStringLiteral("no token: public models only"));
        QCOMPARE(child<QLabel>(page, "accountStatusLabel")->text(),
                 QStringLiteral("Continuing without an account: public models only."));
    }
};

QTEST_MAIN(TestStudioAccount)
#include "TestStudioAccount.moc"
