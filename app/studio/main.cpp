#include "lathe/ui/MainWindow.h"

#include "../common/SleepingOpenMp.h"

#include <QApplication>

int main(int argc, char** argv)
{
    lathe::app::useSleepingOpenMpThreads(argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Lathe Studio"));
    QApplication::setOrganizationName(QStringLiteral("Lathe"));
    lathe::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
