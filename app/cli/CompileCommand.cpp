#include "CliSupport.h"

#include "lathe/compile/Compile.h"

#include <CLI/CLI.hpp>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

namespace lathe::cli {

namespace {

struct CompileFlags {
    compile::CompileOptions options;
    // Spelled as lathe/quant/QuantPlan.h spells them; CLI11 checks them against its lists.
    std::string bitMode = quant::toString(options.bitMode);
    std::string weightMethod = quant::toString(options.weightMethod);
    std::string activationMethod = quant::toString(options.activationMethod);
    std::string rotation = quant::toString(options.rotation);
    std::string scaleType;  // empty: the target's (f16 for gguf), else f32
    std::string target = quant::toString(options.target);
    std::vector<std::string> groupBits;
    std::vector<std::string> layerBits;
    bool noResume = false;
    bool noActOrder = false;
    bool noFloatTarget = false;
};

// "query=8" → ("query", 8).
Result<std::pair<std::string, int>> parseBitsOverride(const std::string& text, const char* flag)
{
    const auto eq = text.find('=');
    const std::string usage = std::string(flag) + " \"" + text + "\" must be NAME=BITS, e.g. " +
                              (std::string(flag) == "--group-bits" ? "query=8" : "0.ffn=8");
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        return makeError(ErrorCode::InvalidArgument, usage);
    const std::string bits = text.substr(eq + 1);
    if (bits.size() > 2 || bits.find_first_not_of("0123456789") != std::string::npos)
        return makeError(ErrorCode::InvalidArgument, usage);
    return std::make_pair(text.substr(0, eq), std::stoi(bits));
}

std::string duration(double seconds)
{
    const long s = std::lround(std::max(0.0, seconds));
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    else
        std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    return buf;
}

// Progress on stderr with the time left, estimated from the steps done in this run (resumed layers excluded).
// On a terminal one line is redrawn; otherwise a line is printed whenever the stage changes.
ProgressFn compileProgress()
{
    struct State {
        bool tty = isatty(STDERR_FILENO) != 0;
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
        std::chrono::steady_clock::time_point last;
        int64_t firstDone = -1;
        std::string stage;
    };
    auto st = std::make_shared<State>();
    return [st](const Progress& p) {
        const auto now = std::chrono::steady_clock::now();
        std::string eta;
        if (p.unit == "steps" && p.total > 0) {
            if (st->firstDone < 0) {
                st->firstDone = p.done;
                st->start = now;
            }
            const double elapsed = std::chrono::duration<double>(now - st->start).count();
            const int64_t doneHere = p.done - st->firstDone;
            if (doneHere > 0 && elapsed > 1.0)
                eta = "  ETA " + duration(elapsed / double(doneHere) * double(p.total - p.done));
        }
        const bool newStage = p.stage != st->stage;
        st->stage = p.stage;
        if (st->tty) {
            if (!newStage && now - st->last < std::chrono::milliseconds(200)) return;
            st->last = now;
            if (p.total > 0)
                std::fprintf(stderr, "\r\033[K%s: %s  %lld/%lld %s%s", p.stage.c_str(), p.detail.c_str(),
                             static_cast<long long>(p.done), static_cast<long long>(p.total), p.unit.c_str(),
                             eta.c_str());
            else
                std::fprintf(stderr, "\r\033[K%s: %s", p.stage.c_str(), p.detail.c_str());
        } else if (newStage || (p.stage == "validate" && !p.detail.empty() && p.total == 0)) {
            std::fprintf(stderr, "%s: %s%s\n", p.stage.c_str(), p.detail.c_str(), eta.c_str());
        }
        std::fflush(stderr);
    };
}

int runCompile(CompileFlags& flags)
{
    auto& o = flags.options;
    // The flags were checked against these spellings already.
    o.bitMode = quant::parseBitMode(flags.bitMode).value_or(o.bitMode);
    o.weightMethod = quant::parseWeightMethod(flags.weightMethod).value_or(o.weightMethod);
    o.activationMethod = quant::parseActivationMethod(flags.activationMethod).value_or(o.activationMethod);
    o.rotation = quant::parseRotationMode(flags.rotation).value_or(o.rotation);
    o.target = quant::parseCompileTarget(flags.target).value_or(o.target);
    o.scaleType = quant::parseScaleType(flags.scaleType).value_or(o.scaleType);
    if (o.target == quant::CompileTarget::Gguf && o.scaleType != quant::ScaleType::F16 && !flags.scaleType.empty())
        return reportError(
            makeError(ErrorCode::InvalidArgument, "--target gguf stores float16 scales; drop --scale-dtype " +
                                                      flags.scaleType + " or use --scale-dtype f16"));
    for (const auto& text : flags.groupBits) {
        auto parsed = parseBitsOverride(text, "--group-bits");
        if (!parsed) return reportError(parsed.error());
        o.groupBits[parsed->first] = parsed->second;
    }
    for (const auto& text : flags.layerBits) {
        auto parsed = parseBitsOverride(text, "--layer-bits");
        if (!parsed) return reportError(parsed.error());
        o.layerGroupBits[parsed->first] = parsed->second;
    }
    o.resume = !flags.noResume;
    o.actOrder = !flags.noActOrder;
    o.floatTarget = !flags.noFloatTarget;
    const auto progress = compileProgress();
    auto summary = compile::compileModel(o, progress, interruptToken());
    if (isatty(STDERR_FILENO)) std::fputc('\n', stderr);
    if (!summary) {
        if (summary.error().code == ErrorCode::Cancelled)
            std::fprintf(stderr,
                         "lathe: compile cancelled; run the same command again to resume after the last "
                         "finished layer\n");
        return reportError(summary.error());
    }
    const auto& s = *summary;
    std::printf("compiled model: %s\n", s.savePath.c_str());
    std::printf("report: %s\n", s.reportPath.c_str());
    std::printf("report csv: %s\n", s.reportCsvPath.c_str());
    if (!s.rotationPath.empty()) std::printf("rotation: %s\n", s.rotationPath.c_str());
    if (!s.rotatedEmbeddingPath.empty()) std::printf("rotated embedding: %s\n", s.rotatedEmbeddingPath.c_str());
    std::printf("layers: %d (%d resumed)\n", s.layers, s.resumedLayers);
    std::printf("calibration: %d samples, %lld tokens\n", s.samples, static_cast<long long>(s.calibTokens));
    std::printf("final kl divergence: %.6g\n", s.finalKlDivergence);
    std::printf("seconds: %.1f\n", s.seconds);
    return 0;
}

}  // namespace

void addCompileCommand(CLI::App& app, int& exitCode)
{
    auto flags = std::make_shared<CompileFlags>();
    auto& o = flags->options;
    CLI::App* cmd = app.add_subcommand(
        "compile", "Compile a model: quantize it with calibration samples into a compiled container and a report");
    cmd->alias("generate-mxq");
    cmd->add_option("--model_path,--model-path", o.modelPath,
                    "Hugging Face model directory, or a repo id in the HF cache")
        ->required();
    cmd->add_option("--calib_data_path,--calib-data-path", o.calibDataPath,
                    "folder of inputs_embeds_<i>.npy samples (searched recursively)")
        ->required();
    cmd->add_option("--save_path,--save-path", o.savePath, "where to write the compiled model")->required();
    cmd->add_option("--bit", flags->bitMode, "bit preset: w8 (all 8-bit), w4 (all 4-bit), w4v8 (4-bit, value 8-bit)")
        ->capture_default_str()
        ->check(CLI::IsMember(quant::bitModeNames()));
    cmd->add_option("--weight_method,--weight-method", flags->weightMethod, "weight quantizer")
        ->capture_default_str()
        ->check(CLI::IsMember(quant::weightMethodNames()));
    cmd->add_option("--group_size,--group-size", o.groupSize,
                    "input columns per weight scale (0 = per output channel; a size that does not divide a "
                    "linear's input width leaves its last group narrower)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--scale_dtype,--scale-dtype", flags->scaleType,
                    "weight scales rounded to this type as they are chosen (f16 makes them exact in GGUF's "
                    "Q4_0/Q8_0 blocks; default f32, f16 with --target gguf)")
        ->check(CLI::IsMember(quant::scaleTypeNames()));
    cmd->add_option("--target", flags->target,
                    "what the model is for: lathe (Lathe's runtime) or gguf (exported exactly to llama.cpp by "
                    "`lathe export --format gguf`: groups of 32, f16 scales, 8 bits for linears whose input width "
                    "is not a multiple of 32)")
        ->capture_default_str()
        ->check(CLI::IsMember(quant::compileTargetNames()));
    cmd->add_flag("--no_act_order,--no-act-order", flags->noActOrder, "GPTQ: sweep columns in their own order");
    cmd->add_flag("--no_float_target,--no-float-target", flags->noFloatTarget,
                  "GPTQ: fit each linear to its own outputs on the compiled model's inputs instead of the float "
                  "model's outputs");
    cmd->add_option("--damp", o.dampFraction, "GPTQ damping as a fraction of mean(diag H)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--act_method,--act-method", flags->activationMethod, "activation scale calibration")
        ->capture_default_str()
        ->check(CLI::IsMember(quant::activationMethodNames()));
    cmd->add_option("--percentile", o.percentile, "percentile of |x| for --act-method percentile")
        ->capture_default_str()
        ->check(CLI::Range(1e-9, 1.0));
    cmd->add_option("--rotation", flags->rotation,
                    "norm fusion + R1/R2 random Hadamard rotations (auto: on for w4, w4v8)")
        ->capture_default_str()
        ->check(CLI::IsMember(quant::rotationModeNames()));
    cmd->add_option("--seed", o.seed, "seed of the random Hadamard rotations")->capture_default_str();
    cmd->add_option("--group_bits,--group-bits", flags->groupBits,
                    "weight bits (2..8) of a projection group, e.g. query=8 (groups: query key value output ffn "
                    "head; repeatable)");
    cmd->add_option("--layer_bits,--layer-bits", flags->layerBits,
                    "weight bits of a group in one layer, e.g. 0.ffn=8 (repeatable)");
    cmd->add_option("--keep_16bit_act,--keep-16bit-act", o.keep16BitActivations,
                    "keep 16-bit activations for a linear, e.g. model.layers.1.mlp.down_proj or lm_head (repeatable)");
    cmd->add_option("--max_calib_tokens,--max-calib-tokens", o.maxCalibTokens,
                    "use at most this many calibration tokens (0 = all)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--threads", o.threads,
                    "compute threads (0 = one per hardware thread; one for models with hidden size < 256)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--output_dir,--output-dir", o.outputDir,
                    "folder for spinWeight/<model>/R1/global_rotation.pth and the rotated embedding "
                    "(default: the save path's folder)");
    cmd->add_option("--rotated_embedding_path,--rotated-embedding-path", o.rotatedEmbeddingPath,
                    "where to write the rotated embedding (default <output-dir>/embedding_rotated.pt)");
    cmd->add_option("--report", o.reportPath, "report.json path (default <save path>.report.json; .csv next to it)");
    cmd->add_option("--work_dir,--work-dir", o.workDir, "folder for resume state (default <save path>.work)");
    cmd->add_flag("--no_resume,--no-resume", flags->noResume, "start over even if the work folder can be resumed");
    cmd->callback([flags, &exitCode] { exitCode = runCompile(*flags); });
}

}  // namespace lathe::cli
