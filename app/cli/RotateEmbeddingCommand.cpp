#include "CliSupport.h"

#include "lathe/export/Rotation.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

namespace {

struct RotateEmbeddingOptions {
    std::string embeddingPath;
    std::string rotationPath;
    std::string outputPath;
};

}  // namespace

void addRotateEmbeddingCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<RotateEmbeddingOptions>();
    CLI::App* cmd = app.add_subcommand(
        "rotate-embedding", "Rotate an embedding by the R1 rotation: (emb.double() @ R1.double()).bfloat16()");
    cmd->add_option("--embedding_path,--embedding-path", options->embeddingPath,
                    "embedding.pt ([vocab, hidden], torch.save format)")
        ->required();
    cmd->add_option("--rotation_matrix_path,--rotation-matrix-path", options->rotationPath,
                    "global_rotation.pth (TorchScript module holding the [hidden, hidden] rotation)")
        ->required();
    cmd->add_option("--output_path,--output-path", options->outputPath,
                    "where to write the rotated bfloat16 embedding (torch.load-able)")
        ->required();
    cmd->callback([options, &exitCode] {
        auto written = exports::rotateEmbedding(options->embeddingPath, options->rotationPath, options->outputPath,
                                                stderrProgress(), interruptToken());
        if (!written) {
            exitCode = reportError(written.error());
            return;
        }
        std::printf("rotated embedding: %s\n", options->outputPath.c_str());
        exitCode = 0;
    });
}

}  // namespace lathe::cli
