#include "StudioTestSupport.h"

#include "TestSupport.h"
#include "lathe/ui/MainWindow.h"

#include <QAbstractSpinBox>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QStackedWidget>
#include <QTest>

namespace lathe::test {

QString StudioSandbox::setUp()
{
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) return QStringLiteral("cannot create a temporary folder");
    for (const char* name : {"hf-home", "settings", "work"}) QDir(m_dir->path()).mkpath(QLatin1String(name));
    QCoreApplication::setOrganizationName(QStringLiteral("Lathe"));
    QCoreApplication::setApplicationName(QStringLiteral("Lathe Studio Test"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, path(QStringLiteral("settings")));
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, path(QStringLiteral("settings")));
    qputenv("HF_HOME", hfHome().toUtf8());
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE",
                             "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                             "HF_HUB_DISABLE_IMPLICIT_TOKEN", "HF_HUB_DISABLE_SYMLINKS", "HF_ENDPOINT"})
        qunsetenv(name);
    return {};
}

QString StudioSandbox::path(const QString& relative) const
{
    return relative.isEmpty() ? m_dir->path() : m_dir->filePath(relative);
}

void StudioSandbox::setEndpoint(const QString& endpoint)
{
    qputenv("HF_ENDPOINT", endpoint.toUtf8());
}

DialogAnswers::DialogAnswers()
{
    ui::DialogHooks hooks;
    hooks.question = [this](const QString& title, const QString& text, QMessageBox::StandardButtons) {
        questions << title + QStringLiteral(": ") + text;
        return nextAnswers.isEmpty() ? questionAnswer : nextAnswers.takeFirst();
    };
    hooks.openFile = [this](const QString&, const QString&, const QString&) {
        ++fileDialogs;
        return openPath;
    };
    hooks.saveFile = [this](const QString&, const QString&, const QString&) {
        ++fileDialogs;
        return savePath;
    };
    hooks.directory = [this](const QString&, const QString&) {
        ++fileDialogs;
        return directoryPath;
    };
    hooks.openUrl = [this](const QUrl& url) {
        openedUrls << url;
        return true;
    };
    ui::Dialogs::setHooks(hooks);
}

DialogAnswers::~DialogAnswers()
{
    ui::Dialogs::clearHooks();
}

QString importStories(const QString& dir)
{
    const ProcessResult r =
        runCli({QStringLiteral("import"), QStringLiteral("--from"),
                sharedData(QStringLiteral("models/stories260K/stories260K.gguf")), QStringLiteral("--tokenizer"),
                sharedData(QStringLiteral("models/stories260K/tok512.model")), QStringLiteral("--out"), dir});
    if (r.crashed || r.exitCode != 0) return QStringLiteral("lathe import failed: ") + QString::fromUtf8(r.err);
    return {};
}

QJsonObject fetchJson(const QString& url, QString* error)
{
    const ProcessResult r = runProcess(
        QStringLiteral("/usr/bin/python3"),
        {QStringLiteral("-c"),
         QStringLiteral(
             "import sys, urllib.request\nsys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())"),
         url},
        {}, 30000);
    if (r.crashed || r.exitCode != 0) {
        *error = QString::fromUtf8(r.err);
        return {};
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out, &parseError);
    if (!doc.isObject()) *error = QStringLiteral("not a JSON object: ") + parseError.errorString();
    return doc.object();
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

QString downloadShownModel(QWidget* root, QString* error)
{
    auto label = [root](const char* name) {
        auto* widget = root->findChild<QLabel*>(QLatin1String(name));
        return widget ? widget->text() : QString();
    };
    if (!QTest::qWaitFor([&] { return label("revisionValue").startsWith(QStringLiteral("main → ")); }, 15000)) {
        *error = QStringLiteral("no details shown: ") + label("revisionValue");
        return {};
    }
    auto* download = root->findChild<QPushButton*>(QStringLiteral("downloadButton"));
    if (!download || !download->isEnabled()) {
        *error = QStringLiteral("the download button is missing or disabled");
        return {};
    }
    QTest::mouseClick(download, Qt::LeftButton);
    if (!QTest::qWaitFor([&] { return label("downloadStatusLabel").startsWith(QStringLiteral("Downloaded ")); },
                         30000)) {
        *error = QStringLiteral("the download did not finish: ") + label("downloadStatusLabel");
        return {};
    }
    return label("cacheValue").section(QStringLiteral(": "), 1);
}

void typeInto(QWidget* widget, const QString& text)
{
    widget->setFocus();
    if (auto* line = qobject_cast<QLineEdit*>(widget)) line->selectAll();
    if (auto* spin = qobject_cast<QAbstractSpinBox*>(widget)) spin->selectAll();
    QTest::keyClicks(widget, text);
    QTest::keyClick(widget, Qt::Key_Return);
}

QWidget* showStep(ui::MainWindow& window, const QString& pageId)
{
    auto* steps = window.findChild<QListWidget*>(QStringLiteral("stepList"));
    auto* pages = window.findChild<QStackedWidget*>(QStringLiteral("pageStack"));
    if (!steps || !pages) return nullptr;
    for (int i = 0; i < pages->count(); ++i) {
        if (pages->widget(i)->objectName() == pageId) {
            steps->setCurrentRow(i);
            return pages->currentWidget();
        }
    }
    return nullptr;
}

qint64 leadingCount(const QString& text)
{
    const auto match = QRegularExpression(QStringLiteral("^([0-9,]+)")).match(text);
    return match.hasMatch() ? match.captured(1).remove(QLatin1Char(',')).toLongLong() : -1;
}

qint64 bytesInParentheses(const QString& text)
{
    const auto match = QRegularExpression(QStringLiteral("\\(([0-9,]+) bytes\\)")).match(text);
    if (match.hasMatch()) return match.captured(1).remove(QLatin1Char(',')).toLongLong();
    const auto plain = QRegularExpression(QStringLiteral("^([0-9,]+) bytes$")).match(text);
    return plain.hasMatch() ? plain.captured(1).remove(QLatin1Char(',')).toLongLong() : -1;
}

}  // namespace lathe::test
