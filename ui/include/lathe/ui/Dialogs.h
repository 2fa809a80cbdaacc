#pragma once

#include <QMessageBox>
#include <QString>
#include <QUrl>

#include <functional>

class QWidget;

namespace lathe::ui {

// Every modal question and file chooser of Lathe Studio goes through here, so tests can answer them without a
// user (a real modal dialog would block an offscreen test forever). An empty hook means the real dialog.
struct DialogHooks {
    std::function<QMessageBox::StandardButton(const QString& title, const QString& text,
                                              QMessageBox::StandardButtons buttons)>
        question;
    // Return the chosen path, or an empty string for "cancelled".
    std::function<QString(const QString& caption, const QString& startDir, const QString& filter)> openFile;
    std::function<QString(const QString& caption, const QString& startDir, const QString& filter)> saveFile;
    std::function<QString(const QString& caption, const QString& startDir)> directory;
    // Opening a folder or file in the desktop's own program (QDesktopServices); return whether it opened.
    std::function<bool(const QUrl& url)> openUrl;
};

class Dialogs {
public:
    static void setHooks(DialogHooks hooks);
    static void clearHooks() { setHooks({}); }

    static QMessageBox::StandardButton question(QWidget* parent, const QString& title, const QString& text,
                                                QMessageBox::StandardButtons buttons,
                                                QMessageBox::StandardButton defaultButton);
    static QString openFile(QWidget* parent, const QString& caption, const QString& startDir, const QString& filter);
    static QString saveFile(QWidget* parent, const QString& caption, const QString& startDir, const QString& filter);
    static QString directory(QWidget* parent, const QString& caption, const QString& startDir);
    static bool openUrl(const QUrl& url);
};

}  // namespace lathe::ui
