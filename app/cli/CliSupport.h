#pragma once

#include "lathe/common/Error.h"
#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <string>

namespace CLI {
class App;
}

namespace lathe::cli {

// Exit codes: 0 ok, 1 generic failure, 2 usage (CLI11), others by error kind.
int exitCodeFor(ErrorCode code);

// Prints "lathe: error: <message>" on stderr and returns the exit code for it.
int reportError(const Error& error);

// A progress printer for stderr that redraws one line per stage and keeps quiet when stderr is no terminal.
ProgressFn stderrProgress();

// The stop token that SIGINT/SIGTERM trigger, so Ctrl+C cancels cleanly instead of killing mid-write.
StopToken& interruptToken();
void installInterruptHandler();

// Every subcommand registers itself through one of these; each lives in its own <Name>Command.cpp.
// The callback stores its exit code in `exitCode`.
void addImportCommand(CLI::App& app, int& exitCode);
void addInspectCommand(CLI::App& app, int& exitCode);
void addGenerateCommand(CLI::App& app, int& exitCode);
void addEvalCommand(CLI::App& app, int& exitCode);
void addDownloadModelCommand(CLI::App& app, int& exitCode);
void addTokenizeCommand(CLI::App& app, int& exitCode);
void addChatTemplateCommand(CLI::App& app, int& exitCode);
void addLoginCommand(CLI::App& app, int& exitCode);
void addWhoamiCommand(CLI::App& app, int& exitCode);
void addLogoutCommand(CLI::App& app, int& exitCode);
void addSearchCommand(CLI::App& app, int& exitCode);
void addGenerateCalibCommand(CLI::App& app, int& exitCode);
void addRotateEmbeddingCommand(CLI::App& app, int& exitCode);
void addCompileCommand(CLI::App& app, int& exitCode);
void addRunProjectCommand(CLI::App& app, int& exitCode);
void addExportCommand(CLI::App& app, int& exitCode);

}  // namespace lathe::cli
