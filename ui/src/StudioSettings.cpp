#include "StudioSettings.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace lathe::ui {

namespace {
const char* kRecentKey = "recentProjects";
}

QStringList StudioSettings::recentProjects()
{
    QStringList out;
    for (const QString& path : QSettings().value(QLatin1String(kRecentKey)).toStringList())
        if (QFileInfo::exists(path) && !out.contains(path)) out << path;
    return out;
}

void StudioSettings::addRecentProject(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = recentProjects();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMaxRecentProjects) list.removeLast();
    QSettings().setValue(QLatin1String(kRecentKey), list);
}

void StudioSettings::removeRecentProject(const QString& path)
{
    QStringList list = QSettings().value(QLatin1String(kRecentKey)).toStringList();
    list.removeAll(QFileInfo(path).absoluteFilePath());
    QSettings().setValue(QLatin1String(kRecentKey), list);
}

QString StudioSettings::lastFolder(const QString& kind)
{
    const QString folder = QSettings().value(QStringLiteral("folders/") + kind).toString();
    return !folder.isEmpty() && QFileInfo(folder).isDir() ? folder : QDir::homePath();
}

void StudioSettings::setLastFolder(const QString& kind, const QString& folder)
{
    if (!folder.isEmpty()) QSettings().setValue(QStringLiteral("folders/") + kind, folder);
}

QByteArray StudioSettings::windowGeometry()
{
    return QSettings().value(QStringLiteral("window/geometry")).toByteArray();
}

void StudioSettings::setWindowGeometry(const QByteArray& geometry)
{
    QSettings().setValue(QStringLiteral("window/geometry"), geometry);
}

}  // namespace lathe::ui
