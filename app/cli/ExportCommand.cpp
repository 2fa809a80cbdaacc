#include "CliSupport.h"

#include "lathe/deploy/GgufExport.h"
#include "lathe/deploy/OnnxExport.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

namespace {

struct ExportFlags {
    std::string format = "gguf";
    deploy::GgufExportOptions gguf;
    std::string outputDir;
    int opset = 21;
    bool externalData = false;
};

int runOnnxExport(const ExportFlags& flags)
{
    if (!flags.gguf.outputPath.empty())
        return reportError(
            {ErrorCode::InvalidArgument, "--format onnx writes a folder: pass --output-dir, not --output"});
    deploy::OnnxExportOptions o;
    o.compiledPath = flags.gguf.compiledPath;
    o.embeddingPath = flags.gguf.embeddingPath;
    o.modelPath = flags.gguf.modelPath;
    o.outputDir = flags.outputDir;
    o.opset = flags.opset;
    o.force = flags.gguf.force;
    o.externalData = flags.externalData;
    auto result = deploy::exportOnnx(o, stderrProgress(), interruptToken());
    if (!result) return reportError(result.error());
    const deploy::OnnxExportSummary& s = *result;
    std::printf("wrote %s (opset %d, %d nodes, %d tensors, %.2f MiB%s)\n", s.outputDir.c_str(), s.opset, s.nodes,
                s.tensors, double(s.modelBytes + s.dataBytes) / 1048576.0,
                s.externalData ? ", tensors in onnx/model.onnx_data" : "");
    for (const std::string& f : s.files) std::printf("file: %s\n", f.c_str());
    std::string ops;
    for (const auto& [op, count] : s.opCounts) ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(count);
    std::printf("ops: %s\n", ops.c_str());
    for (const std::string& n : s.notes) std::printf("note: %s\n", n.c_str());
    return 0;
}

int runExport(const ExportFlags& flags)
{
    if (flags.format == "onnx") return runOnnxExport(flags);
    if (flags.gguf.outputPath.empty())
        return reportError({ErrorCode::InvalidArgument, "--format gguf writes one file: pass --output <file.gguf>"});
    if (!flags.outputDir.empty() || flags.externalData)
        return reportError({ErrorCode::InvalidArgument,
                            "--output-dir and --external-data are for --format onnx; GGUF takes --output"});
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
        "export",
        "Export a compiled model to another runtime's format: GGUF for llama.cpp (weights stored exactly), or an ONNX "
        "folder with static QuantizeLinear / DequantizeLinear quantization for ONNX Runtime and NPU toolchains");
    cmd->add_option("--format", flags->format, "output format")
        ->capture_default_str()
        ->check(CLI::IsMember({"gguf", "onnx"}));
    cmd->add_option("--mxq-path,--mxq_path", o.compiledPath, "the compiled model")->required();
    cmd->add_option("--embedding-weight-path,--embedding_weight_path", o.embeddingPath,
                    "the model's embedding.pt, or the rotated embedding `lathe compile` wrote for rotated modes")
        ->required();
    cmd->add_option("--model_path,--model-path", o.modelPath,
                    "model folder or repo id for files the compiled model does not hold (chat_template.jinja, "
                    "generation_config.json)");
    cmd->add_option("--output,-o", o.outputPath, "gguf: the .gguf file to write");
    cmd->add_option("--output-dir,--output_dir", flags->outputDir,
                    "onnx: the folder to write (config, tokenizer, onnx/model.onnx)");
    cmd->add_option("--opset", flags->opset,
                    "onnx: 21 (INT4 weights, block-wise scales) or 17 (int8 initializers, ONNX 1.12 toolchains)")
        ->capture_default_str()
        ->check(CLI::IsMember(deploy::onnxOpsets()));
    cmd->add_flag(
        "--external-data,--external_data", flags->externalData,
        "onnx: keep tensors in onnx/model.onnx_data even when they fit in model.onnx (always done past 2 GB)");
    cmd->add_option("--embedding-type,--embedding_type", o.embeddingType,
                    "gguf: type of the input embedding (default: the head's block type, Q4_0 or Q8_0)")
        ->check(CLI::IsMember(deploy::ggufEmbeddingTypeNames()));
    cmd->add_flag("--requantize", o.requantize,
                  "gguf: round linears that GGUF's blocks cannot hold exactly (per channel, other group sizes, float32 "
                  "scales) into them, instead of refusing");
    cmd->add_flag("--force", o.force, "replace an existing output file or folder");
    cmd->callback([flags, &exitCode] { exitCode = runExport(*flags); });
}

}  // namespace lathe::cli
