#pragma once

// Shared set-up for the Lathe Studio tests: a sandbox (HF_HOME, QSettings and the token variables pointed
// away from the user's real ones), dialog answers, stories260K imported for the mock Hub, and widget lookup.
#include "lathe/ui/Dialogs.h"

#include <QJsonObject>
#include <QMessageBox>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>
#include <QWidget>

#include <memory>

namespace lathe::ui {
class MainWindow;
}

namespace lathe::test {

class StudioSandbox {
public:
    // Creates the temporary folders and sets HF_HOME, QSettings' path and HF_HUB_DISABLE_* defaults; removes
    // HF_TOKEN and friends so the user's token is never read. Returns an error message, empty on success.
    QString setUp();
    QString path(const QString& relative = {}) const;  // inside the sandbox
    QString hfHome() const { return path(QStringLiteral("hf-home")); }
    void setEndpoint(const QString& endpoint);

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

// Answers every modal dialog of the window under test and records the questions asked.
class DialogAnswers {
public:
    DialogAnswers();
    ~DialogAnswers();

    QMessageBox::StandardButton questionAnswer = QMessageBox::Cancel;
    QList<QMessageBox::StandardButton> nextAnswers;  // answered first, one per question, before questionAnswer
    QString openPath, savePath, directoryPath;
    QStringList questions;  // "title: text"
    int fileDialogs = 0;
    QList<QUrl> openedUrls;  // what "open folder" and the like asked the desktop to open
};

// `lathe import` of stories260K (GGUF + tok512.model) into `dir`. Error message, empty on success.
QString importStories(const QString& dir);

// GET `url` with Debian's python3 (an HTTP client independent of Lathe's). Sets `error` on failure.
QJsonObject fetchJson(const QString& url, QString* error);

// Writes `bytes` to `path` (created or truncated); false when it cannot.
bool writeFile(const QString& path, const QByteArray& bytes);

// On the model page under `root`, once a hub model's details are shown: Download, wait until it is done, and
// return the snapshot folder the page names. Empty with `error` set on failure.
QString downloadShownModel(QWidget* root, QString* error);

// Replaces the text of a line edit or spin box by typing, then presses Return, as a user does.
void typeInto(QWidget* widget, const QString& text);

// Shows wizard step `pageId` ("projectPage", ...) through the step list; returns the page.
QWidget* showStep(ui::MainWindow& window, const QString& pageId);

// The first digits group of a label such as "292,160 (292.2 K)" or "1.2 MB (1,234,567 bytes)" as a number.
qint64 leadingCount(const QString& text);
qint64 bytesInParentheses(const QString& text);

}  // namespace lathe::test
