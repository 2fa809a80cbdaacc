#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace lathe::test {

// Paths to fixtures and built programs, fixed at configure time.
QString sharedData(const QString& relative);  // ../shared/data/<relative>
QString sourcePath(const QString& relative);  // <checkout>/<relative>
QString cliPath();                            // the built `lathe` executable

// Result of running a program to completion.
struct ProcessResult {
    int exitCode = -1;
    bool crashed = false;
    QByteArray out;
    QByteArray err;
};

// Runs `program args` with optional extra environment ("NAME=value"), waiting at most timeoutMs.
ProcessResult runProcess(const QString& program, const QStringList& args, const QStringList& env = {},
                         int timeoutMs = 300000, const QString& workDir = {});
ProcessResult runCli(const QStringList& args, const QStringList& env = {}, int timeoutMs = 300000);

// Reads a whole file; empty on failure.
QByteArray readAll(const QString& path);

}  // namespace lathe::test
