#include "CliSupport.h"

#include "lathe/deploy/GgufExport.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

namespace {

struct ExportFlags {
    std::string format = "gguf";
    deploy::GgufExportOptions gguf;
};

int runExport(const ExportFlags& flags)
{
    auto result = deploy::exportGguf(flags.gguf, stderrProgress(), interruptToken());
    if (!result) return reportError(result.error());
    const deploy::GgufExportSummary& s = *result;
    std::printf("wrote %s (%s, %.2f MiB, %d tensors)\n", s.outputPath.c_str(), s.architecture.c_str(),
                double(s.bytes) / 1048576.0, s.tensors);
    std::string types;
    for (const auto& [type, count] : s.typeCounts)
        types += (types.empty() ? "" : ", ") + type + " " + std::to_string(count);
    std::printf("tensor types: %s\n", types.c_str());
    std::printf("bits per weight: %.3f over %lld weights\n", s.bitsPerWeight, static_cast<long long>(s.weights));
    std::printf("linears stored exactly: %d\n", s.exactLinears);
    for (const std::string& m : s.f16Linears)
        std::printf("stored as F16 (row width not a multiple of 32, as llama.cpp does): %s\n", m.c_str());
    for (const std::string& r : s.requantized) std::fprintf(stderr, "lathe: warning: requantized %s\n", r.c_str());
    for (const std::string& n : s.notes) std::printf("note: %s\n", n.c_str());
    return 0;
}

}  // namespace

void addExportCommand(CLI::App& app, int& exitCode)
{
    auto flags = std::make_shared<ExportFlags>();
    auto& o = flags->gguf;
    CLI::App* cmd = app.add_subcommand(
        "export", "Export a compiled model to another runtime's format: GGUF for llama.cpp, weights stored exactly");
    cmd->add_option("--format", flags->format, "output format")->capture_default_str()->check(CLI::IsMember({"gguf"}));
    cmd->add_option("--mxq-path,--mxq_path", o.compiledPath, "the compiled model")->required();
    cmd->add_option("--embedding-weight-path,--embedding_weight_path", o.embeddingPath,
                    "the model's embedding.pt, or the rotated embedding `lathe compile` wrote for rotated modes")
        ->required();
    cmd->add_option("--model_path,--model-path", o.modelPath,
                    "model folder or repo id for files the compiled model does not hold (chat_template.jinja)");
    cmd->add_option("--output,-o", o.outputPath, "the .gguf file to write")->required();
    cmd->add_option("--embedding-type,--embedding_type", o.embeddingType,
                    "type of the input embedding (default: the head's block type, Q4_0 or Q8_0)")
        ->check(CLI::IsMember(deploy::ggufEmbeddingTypeNames()));
    cmd->add_flag("--requantize", o.requantize,
                  "round linears that GGUF's blocks cannot hold exactly (per channel, other group sizes, float32 "
                  "scales) into them, instead of refusing");
    cmd->add_flag("--force", o.force, "replace an existing output file");
    cmd->callback([flags, &exitCode] { exitCode = runExport(*flags); });
}

}  // namespace lathe::cli
