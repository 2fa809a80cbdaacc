#include "CliSupport.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <unistd.h>

namespace {

// libtorch's OpenMP threads spin after every parallel operation by default, while its BLAS (OpenBLAS's own
// threads) needs those cores for the GEMMs that follow: on a 2-core machine half the compile's CPU time went to
// that spinning. libgomp reads its wait policy only when it is loaded, so the process re-executes itself once
// with OMP_WAIT_POLICY=PASSIVE unless the user chose a policy. If the re-exec fails it simply runs as it is.
void useSleepingOpenMpThreads(char** argv)
{
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv)
{
    useSleepingOpenMpThreads(argv);
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
    addLoginCommand(app, exitCode);
    addWhoamiCommand(app, exitCode);
    addLogoutCommand(app, exitCode);
    addSearchCommand(app, exitCode);
    addGenerateCalibCommand(app, exitCode);
    addRotateEmbeddingCommand(app, exitCode);
    addCompileCommand(app, exitCode);
    addRunProjectCommand(app, exitCode);

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
