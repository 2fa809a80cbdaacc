#include "CliSupport.h"

#include "lathe/runtime/Perplexity.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

void addEvalCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<EvalOptions>();
    auto noBos = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("eval", "Measure perplexity of the float reference model on a text file");
    cmd->add_option("--model_path,--model-path", options->modelPath, "Hugging Face model directory")->required();
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

    cmd->callback([options, noBos, &exitCode] {
        options->addBos = !*noBos;
        auto result = evaluatePerplexity(*options, stderrProgress(), interruptToken());
        if (!result) {
            exitCode = reportError(result.error());
            return;
        }
        const auto& r = *result;
        std::printf("perplexity: %.4f\n", r.perplexity);
        std::printf("mean nll: %.6f nats/token\n", r.meanNll);
        std::printf("text tokens: %lld\n", static_cast<long long>(r.textTokens));
        std::printf("ctx: %d (%s)\n", r.ctx, r.bosPrepended ? "BOS + ctx-1 text tokens" : "ctx text tokens, no BOS");
        std::printf("windows: %lld (tail of %lld tokens dropped)\n", static_cast<long long>(r.windows),
                    static_cast<long long>(r.droppedTokens));
        if (!options->dropLines.empty())
            std::printf("dropped lines: %lld\n", static_cast<long long>(r.droppedLines));
        std::printf("scored tokens: %lld\n", static_cast<long long>(r.scoredTokens));
        std::printf("bos prepended: %s\n", r.bosPrepended ? "yes" : "no");
        std::printf("seconds: %.1f\n", r.seconds);
    });
}

}  // namespace lathe::cli
