#include "CliSupport.h"

#include <CLI/CLI.hpp>

#include "../common/SleepingOpenMp.h"

int main(int argc, char** argv)
{
    lathe::app::useSleepingOpenMpThreads(argv);
    using namespace lathe::cli;
    CLI::App app{"lathe — compile Hugging Face LLMs into quantized, NPU-ready models"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("lathe ") + LATHE_VERSION);

    int exitCode = 0;
    addImportCommand(app, exitCode);
    addInspectCommand(app, exitCode);
    addGenerateCommand(app, exitCode);
    addEvalCommand(app, exitCode);
    addDownloadModelCommand(app, exitCode);
    addTokenizeCommand(app, exitCode);
    addChatTemplateCommand(app, exitCode);
    addLoginCommand(app, exitCode);
    addWhoamiCommand(app, exitCode);
    addLogoutCommand(app, exitCode);
    addSearchCommand(app, exitCode);
    addGenerateCalibCommand(app, exitCode);
    addRotateEmbeddingCommand(app, exitCode);
    addCompileCommand(app, exitCode);
    addRunProjectCommand(app, exitCode);
    addExportCommand(app, exitCode);

    installInterruptHandler();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every usage error exits 2, whatever CLI11's own code for it.
        const int cliCode = app.exit(e);
        return cliCode == 0 ? 0 : exitCodeFor(lathe::ErrorCode::InvalidArgument);
    }
    return exitCode;
}
