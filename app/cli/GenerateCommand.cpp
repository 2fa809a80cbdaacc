#include "CliSupport.h"

#include "lathe/runtime/Generate.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

void addGenerateCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<runtime::GenerateOptions>();
    auto greedyFlag = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("generate", "Generate text with the float reference model or a compiled model");
    cmd->add_option("--model_path,--model-path", options->modelPath, "Hugging Face model directory (the float model)");
    cmd->add_option("--mxq_path,--mxq-path", options->mxqPath,
                    "Compiled model written by `lathe compile`, run instead of --model-path");
    cmd->add_option("--embedding_weight_path,--embedding-weight-path", options->embeddingPath,
                    "Input embedding for the compiled model (torch.save'd [vocab, hidden]; the rotated one for "
                    "rotated modes)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--prompt", options->prompt, "Prompt text (the tokenizer adds BOS as the model expects)")
        ->required();
    cmd->add_option("--max_new_tokens,--max-new-tokens", options->maxNewTokens, "Tokens to generate at most")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    auto* greedy = cmd->add_flag("--greedy", *greedyFlag, "Always pick the most likely token (the default)");
    auto* temperature = cmd->add_option("--temperature", options->temperature,
                                        "Sample from softmax(logits / T) instead of greedy")
                            ->check(CLI::PositiveNumber);
    auto* topP = cmd->add_option("--top_p,--top-p", options->topP, "Nucleus sampling: keep the most likely tokens "
                                                                   "up to this total probability")
                     ->check(CLI::Range(0.0, 1.0));
    auto* seed = cmd->add_option("--seed", options->seed, "Sampling seed (same seed, same text)");
    cmd->add_option("--threads", options->threads, "Compute threads (0 = one per hardware thread; one for models with hidden size < 256)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    greedy->excludes(temperature)->excludes(topP)->excludes(seed);

    cmd->callback([options, &exitCode, temperature, topP, seed] {
        options->greedy = temperature->count() == 0 && topP->count() == 0 && seed->count() == 0;
        bool wrote = false;
        auto result = generate(
            *options,
            [&wrote](std::string_view text) {
                std::fwrite(text.data(), 1, text.size(), stdout);
                std::fflush(stdout);
                wrote = true;
            },
            interruptToken());
        if (wrote || result.ok()) {
            std::fputc('\n', stdout);
            std::fflush(stdout);
        }
        if (!result) {
            exitCode = reportError(result.error());
            return;
        }
        const char* reason = result->stopReason == runtime::StopReason::EndOfSequence ? "end of sequence"
                             : result->stopReason == runtime::StopReason::ContextFull ? "context full"
                                                                                      : "max new tokens";
        const double rate = result->secondsDecode > 0 ? result->generatedTokens / result->secondsDecode : 0.0;
        std::fprintf(stderr, "lathe: %d prompt tokens, %d generated (%s), %.1f tokens/s\n", result->promptTokens,
                     result->generatedTokens, reason, rate);
    });
}

}  // namespace lathe::cli
