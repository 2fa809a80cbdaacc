#include "lathe/ui/MainWindow.h"

#include <QListWidget>
#include <QStackedWidget>
#include <QTest>

using lathe::ui::MainWindow;

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
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
        const QStringList ids = {"projectPage", "accountPage", "modelPage", "calibrationPage",
                                 "quantizationPage", "compilePage", "resultsPage"};
        for (int i = 0; i < ids.size(); ++i) {
            steps->setCurrentRow(i);
            QCOMPARE(pages->currentWidget()->objectName(), ids[i]);
        }
    }
};

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
