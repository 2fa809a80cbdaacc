#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace lathe::ui {

// What Lathe Studio remembers between runs (QSettings, organisation "Lathe"): window geometry, the folders
// last used in file choosers, and recent projects. Never a token, never project content.
class StudioSettings {
public:
    static constexpr int kMaxRecentProjects = 10;

    static QStringList recentProjects();  // most recent first; files that no longer exist are dropped
    static void addRecentProject(const QString& path);
    static void removeRecentProject(const QString& path);

    // `kind`: "project", "output", "model", "text".
    static QString lastFolder(const QString& kind);
    static void setLastFolder(const QString& kind, const QString& folder);

    static QByteArray windowGeometry();
    static void setWindowGeometry(const QByteArray& geometry);
};

}  // namespace lathe::ui
