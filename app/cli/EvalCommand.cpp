#include "CliSupport.h"

#include "lathe/runtime/Compare.h"
#include "lathe/runtime/Perplexity.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {
namespace {

void printWindows(const runtime::PerplexityResult& r, bool droppedLines)
{
    std::printf("text tokens: %lld\n", static_cast<long long>(r.textTokens));
    std::printf("ctx: %d (%s)\n", r.ctx, r.bosPrepended ? "BOS + ctx-1 text tokens" : "ctx text tokens, no BOS");
    std::printf("windows: %lld (tail of %lld tokens dropped)\n", static_cast<long long>(r.windows),
                static_cast<long long>(r.droppedTokens));
    if (droppedLines) std::printf("dropped lines: %lld\n", static_cast<long long>(r.droppedLines));
    std::printf("scored tokens: %lld\n", static_cast<long long>(r.scoredTokens));
    std::printf("bos prepended: %s\n", r.bosPrepended ? "yes" : "no");
    std::printf("seconds: %.1f\n", r.seconds);
}

}  // namespace

void addEvalCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<runtime::EvalOptions>();
    auto noBos = std::make_shared<bool>(false);
    auto compare = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("eval", "Measure perplexity of the float model, a compiled model, or both "
                                           "side by side (--compare)");
    cmd->add_option("--model_path,--model-path", options->modelPath, "Hugging Face model directory (the float model)");
    cmd->add_option("--mxq_path,--mxq-path", options->mxqPath, "Compiled model written by `lathe compile`");
    cmd->add_option("--embedding_weight_path,--embedding-weight-path", options->embeddingPath,
                    "Input embedding for the compiled model (torch.save'd [vocab, hidden]; the rotated one for "
                    "rotated modes)")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--compare", *compare,
                  "Evaluate the float model and the compiled model on the same windows; print both perplexities, "
                  "their ratio and top-1 agreement");
    cmd->add_option("--text_file,--text-file", options->textFile, "UTF-8 text to evaluate")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--ctx", options->ctx, "Window length in tokens, BOS included (0 = model context, at most 2048)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--drop_line,--drop-line", options->dropLines,
                    "Remove lines equal to this text before tokenizing (repeatable), e.g. \"<|endoftext|>\"");
    cmd->add_flag("--no_bos,--no-bos", *noBos, "Windows of ctx text tokens without a BOS token");
    cmd->add_option("--threads", options->threads, "Compute threads (0 = one per hardware thread; one for models with hidden size < 256)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--batch", options->batchWindows, "Windows evaluated together (speed only)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--json", *json, "print machine-readable JSON");

    cmd->callback([options, noBos, compare, json, &exitCode] {
        options->addBos = !*noBos;
        if (*compare) {
            auto result = compareModels(*options, stderrProgress(), interruptToken());
            if (!result) {
                exitCode = reportError(result.error());
                return;
            }
            const auto& r = *result;
            if (*json) {
                std::printf("%s\n", compareResultToJson(r).c_str());
                return;
            }
            std::printf("float perplexity: %.4f\n", r.floatResult.perplexity);
            std::printf("compiled perplexity: %.4f\n", r.compiledResult.perplexity);
            std::printf("perplexity ratio: %.4f\n", r.perplexityRatio);
            std::printf("top-1 agreement: %.4f (%lld of %lld positions)\n", r.top1Agreement,
                        static_cast<long long>(r.agreeingPositions), static_cast<long long>(r.floatResult.scoredTokens));
            std::printf("float mean nll: %.6f nats/token\n", r.floatResult.meanNll);
            std::printf("compiled mean nll: %.6f nats/token\n", r.compiledResult.meanNll);
            printWindows(r.floatResult, !options->dropLines.empty());
            return;
        }
        auto result = evaluatePerplexity(*options, stderrProgress(), interruptToken());
        if (!result) {
            exitCode = reportError(result.error());
            return;
        }
        const auto& r = *result;
        if (*json) {
            std::printf("%s\n", perplexityResultToJson(r).c_str());
            return;
        }
        if (!options->mxqPath.empty()) std::printf("compiled model: %s\n", options->mxqPath.c_str());
        std::printf("perplexity: %.4f\n", r.perplexity);
        std::printf("mean nll: %.6f nats/token\n", r.meanNll);
        printWindows(r, !options->dropLines.empty());
    });
}

}  // namespace lathe::cli
