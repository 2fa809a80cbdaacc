#include "lathe/ui/Dialogs.h"

#include <QDesktopServices>
#include <QFileDialog>

namespace lathe::ui {

namespace {
DialogHooks& hooks()
{
    static DialogHooks instance;
    return instance;
}
}  // namespace

void Dialogs::setHooks(DialogHooks newHooks)
{
    hooks() = std::move(newHooks);
}

QMessageBox::StandardButton Dialogs::question(QWidget* parent, const QString& title, const QString& text,
                                              QMessageBox::StandardButtons buttons,
                                              QMessageBox::StandardButton defaultButton)
{
    if (hooks().question) return hooks().question(title, text, buttons);
    return QMessageBox::question(parent, title, text, buttons, defaultButton);
}

QString Dialogs::openFile(QWidget* parent, const QString& caption, const QString& startDir, const QString& filter)
{
    if (hooks().openFile) return hooks().openFile(caption, startDir, filter);
    return QFileDialog::getOpenFileName(parent, caption, startDir, filter);
}

QString Dialogs::saveFile(QWidget* parent, const QString& caption, const QString& startDir, const QString& filter)
{
    if (hooks().saveFile) return hooks().saveFile(caption, startDir, filter);
    return QFileDialog::getSaveFileName(parent, caption, startDir, filter);
}

QString Dialogs::directory(QWidget* parent, const QString& caption, const QString& startDir)
{
    if (hooks().directory) return hooks().directory(caption, startDir);
    return QFileDialog::getExistingDirectory(parent, caption, startDir);
}

bool Dialogs::openUrl(const QUrl& url)
{
    if (hooks().openUrl) return hooks().openUrl(url);
    return QDesktopServices::openUrl(url);
}

}  // namespace lathe::ui
