#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>

namespace lathe::test {

QString sharedData(const QString& relative)
{
    return QDir::cleanPath(QStringLiteral(LATHE_SHARED_DATA) + QLatin1Char('/') + relative);
}

QString sourcePath(const QString& relative)
{
    return QDir::cleanPath(QStringLiteral(LATHE_SOURCE_DIR) + QLatin1Char('/') + relative);
}

QString cliPath() { return QStringLiteral(LATHE_CLI_PATH); }

ProcessResult runProcess(const QString& program, const QStringList& args, const QStringList& env, int timeoutMs,
                         const QString& workDir)
{
    QProcess process;
    auto environment = QProcessEnvironment::systemEnvironment();
    for (const QString& kv : env) {
        const auto eq = kv.indexOf(QLatin1Char('='));
        if (eq < 0)
            environment.remove(kv);
        else
            environment.insert(kv.left(eq), kv.mid(eq + 1));
    }
    process.setProcessEnvironment(environment);
    if (!workDir.isEmpty()) process.setWorkingDirectory(workDir);
    process.start(program, args);
    ProcessResult result;
    if (!process.waitForStarted(30000)) {
        result.err = "failed to start " + program.toUtf8();
        return result;
    }
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        result.err = "timed out: " + program.toUtf8();
        return result;
    }
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

ProcessResult runCli(const QStringList& args, const QStringList& env, int timeoutMs)
{
    return runProcess(cliPath(), args, env, timeoutMs);
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

}  // namespace lathe::test
