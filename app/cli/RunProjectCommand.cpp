#include "CliSupport.h"

#include "lathe/project/ProjectRun.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace lathe::cli {

namespace {

int run(const std::string& projectPath)
{
    auto settings = project::loadProject(projectPath);
    if (!settings) return reportError(settings.error());
    auto summary = project::runProject(*settings, stderrProgress(), interruptToken());
    if (!summary) return reportError(summary.error());
    for (const std::string& w : summary->calibration.warnings) std::fprintf(stderr, "lathe: warning: %s\n", w.c_str());
    const auto& c = summary->compile;
    std::printf("model:      %s\n", summary->modelDir.c_str());
    std::printf("embedding:  %s\n", summary->layout.embeddingPath.c_str());
    std::printf(
        "samples:    %s (%d samples, %lld tokens)\n",
        (summary->calibration.mergedFolder.empty() ? summary->calibration.tagFolder : summary->calibration.mergedFolder)
            .c_str(),
        c.samples, static_cast<long long>(c.calibTokens));
    std::printf("compiled:   %s\n", c.savePath.c_str());
    std::printf("report:     %s\n", c.reportPath.c_str());
    if (!c.rotationPath.empty()) std::printf("rotation:   %s\n", c.rotationPath.c_str());
    if (!c.rotatedEmbeddingPath.empty()) std::printf("rotated embedding: %s\n", c.rotatedEmbeddingPath.c_str());
    for (const deploy::GgufExportSummary& g : summary->gguf)
        std::printf("gguf:       %s (%.3f bits per weight)\n", g.outputPath.c_str(), g.bitsPerWeight);
    for (const deploy::OnnxExportSummary& o : summary->onnx)
        std::printf("onnx:       %s (opset %d, %.2f MiB)\n", o.outputDir.c_str(), o.opset,
                    double(o.modelBytes + o.dataBytes) / 1048576.0);
    return 0;
}

}  // namespace

void addRunProjectCommand(CLI::App& app, int& exitCode)
{
    auto path = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "run-project", "Run a Lathe Studio project (.lathe) headless: model, embedding, calibration, compile");
    cmd->add_option("project", *path, "the .lathe project file")->required();
    cmd->callback([path, &exitCode] { exitCode = run(*path); });
}

}  // namespace lathe::cli
