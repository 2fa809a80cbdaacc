#include "CliSupport.h"

#include "lathe/model/Inspect.h"
#include "lathe/model/ModelPath.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

void addInspectCommand(CLI::App& app, int& exitCode)
{
    struct Options {
        std::string modelPath;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand("inspect", "Describe a Hugging Face model folder: architecture, sizes, tensors");
    cmd->add_option("--model_path,--model-path", options->modelPath, "the model folder (config.json + safetensors), or a repo id in the Hugging Face cache")
        ->required();
    cmd->add_flag("--json", options->json, "print machine-readable JSON");
    cmd->callback([options, &exitCode] {
        auto dir = model::resolveModelPath(options->modelPath);
        if (!dir) {
            exitCode = reportError(dir.error());
            return;
        }
        auto summary = model::inspectModel(*dir);
        if (!summary) {
            exitCode = reportError(summary.error());
            return;
        }
        const std::string text =
            options->json ? model::modelSummaryToJson(*summary) : model::formatModelSummary(*summary);
        std::fwrite(text.data(), 1, text.size(), stdout);
        exitCode = 0;
    });
}

}  // namespace lathe::cli
