#include "StudioTestSupport.h"
#include "lathe/ui/MainWindow.h"

#include <QListWidget>
#include <QPushButton>
#include <QStackedWidget>
#include <QTest>

using lathe::ui::MainWindow;

class TestMainWindow : public QObject {
    Q_OBJECT
    lathe::test::StudioSandbox m_sandbox;

private Q_SLOTS:
    void initTestCase()
    {
        const QString error = m_sandbox.setUp();
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void stepsSwitchPages()
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* steps = window.findChild<QListWidget*>(QStringLiteral("stepList"));
        auto* pages = window.findChild<QStackedWidget*>(QStringLiteral("pageStack"));
        QVERIFY(steps && pages);
        QCOMPARE(steps->count(), 7);
        QCOMPARE(pages->count(), 7);
        const QStringList ids = {"projectPage",      "accountPage", "modelPage",  "calibrationPage",
                                 "quantizationPage", "compilePage", "resultsPage"};
        for (int i = 0; i < ids.size(); ++i) {
            steps->setCurrentRow(i);
            QCOMPARE(pages->currentWidget()->objectName(), ids[i]);
        }
    }

    void backAndNextWalkTheSteps()
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* steps = window.findChild<QListWidget*>(QStringLiteral("stepList"));
        auto* back = window.findChild<QPushButton*>(QStringLiteral("backButton"));
        auto* next = window.findChild<QPushButton*>(QStringLiteral("nextButton"));
        QVERIFY(steps && back && next);
        QCOMPARE(steps->currentRow(), 0);
        QVERIFY(!back->isEnabled());
        for (int row = 1; row < steps->count(); ++row) {
            QTest::mouseClick(next, Qt::LeftButton);
            QCOMPARE(steps->currentRow(), row);
        }
        QVERIFY(!next->isEnabled());
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(&window, Qt::Key_Left, Qt::AltModifier);
        QTRY_COMPARE(steps->currentRow(), steps->count() - 2);  // a shortcut animates the click
        QTest::mouseClick(back, Qt::LeftButton);
        QCOMPARE(steps->currentRow(), steps->count() - 3);
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("Untitled[*]")));
        QVERIFY(!window.isWindowModified());
    }
};

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
