#include "CliSupport.h"

#include "lathe/runtime/Chat.h"
#include "lathe/runtime/Generate.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

namespace lathe::cli {

namespace {

struct ChatFlags {
    bool chat = false;
    std::string system;
    std::string templateFile;
    std::string enableThinking;
};

void printText(std::string_view text)
{
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

const char* stopReasonText(runtime::StopReason reason)
{
    return reason == runtime::StopReason::EndOfSequence ? "end of sequence"
           : reason == runtime::StopReason::ContextFull ? "context full"
                                                        : "max new tokens";
}

void printStats(const runtime::GenerateResult& result)
{
    const double rate = result.secondsDecode > 0 ? result.generatedTokens / result.secondsDecode : 0.0;
    std::fprintf(stderr, "lathe: %d prompt tokens, %d generated (%s), %.1f tokens/s\n", result.promptTokens,
                 result.generatedTokens, stopReasonText(result.stopReason), rate);
}

// --prompt gives one reply; otherwise every line of stdin is a user turn (a terminal gets a "> " prompt), so a
// session can also be scripted through a pipe.
int runChat(const runtime::GenerateOptions& generate, const ChatFlags& flags)
{
    runtime::ChatOptions options;
    options.generate = generate;
    options.system = flags.system;
    options.templateFile = flags.templateFile;
    if (!flags.enableThinking.empty()) options.enableThinking = flags.enableThinking == "true";
    const bool interactive = isatty(STDIN_FILENO) != 0;
    bool promptUsed = false;
    auto nextTurn = [&]() -> std::optional<std::string> {
        if (!generate.prompt.empty()) {
            if (promptUsed) return std::nullopt;
            promptUsed = true;
            return generate.prompt;
        }
        if (interactive) std::fputs("> ", stderr);
        std::string line;
        if (!std::getline(std::cin, line)) return std::nullopt;
        return line;
    };
    auto turns = runtime::chat(
        options, nextTurn, printText,
        [&](const runtime::ChatTurn& turn) {
            printText("\n");
            printStats(turn.result);
        },
        interruptToken());
    if (!turns) return reportError(turns.error());
    return 0;
}

}  // namespace

void addGenerateCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<runtime::GenerateOptions>();
    auto chatFlags = std::make_shared<ChatFlags>();
    auto greedyFlag = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("generate", "Generate text with the float reference model or a compiled model");
    cmd->add_option("--model_path,--model-path", options->modelPath, "Hugging Face model directory (the float model)");
    cmd->add_option("--mxq_path,--mxq-path", options->mxqPath,
                    "Compiled model written by `lathe compile`, run instead of --model-path");
    cmd->add_option("--embedding_weight_path,--embedding-weight-path", options->embeddingPath,
                    "Input embedding for the compiled model (torch.save'd [vocab, hidden]; the rotated one for "
                    "rotated modes)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--prompt", options->prompt,
                    "Prompt text (the tokenizer adds BOS as the model expects); with --chat, the one user turn");
    cmd->add_flag("--chat", chatFlags->chat,
                  "Talk to an Instruct model through its chat template; without --prompt, each line of stdin is a "
                  "user turn");
    cmd->add_option("--system", chatFlags->system, "With --chat: the system turn");
    cmd->add_option("--chat_template,--chat-template", chatFlags->templateFile,
                    "With --chat: a Jinja template file to use instead of the model's")
        ->check(CLI::ExistingFile);
    cmd->add_option("--enable_thinking,--enable-thinking", chatFlags->enableThinking,
                    "With --chat: set enable_thinking (Qwen3 and other reasoning models)")
        ->check(CLI::IsMember({"true", "false"}));
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

    cmd->callback([options, chatFlags, &exitCode, temperature, topP, seed] {
        options->greedy = temperature->count() == 0 && topP->count() == 0 && seed->count() == 0;
        if (chatFlags->chat) {
            exitCode = runChat(*options, *chatFlags);
            return;
        }
        if (options->prompt.empty() || !chatFlags->system.empty() || !chatFlags->templateFile.empty() ||
            !chatFlags->enableThinking.empty()) {
            exitCode = reportError(makeError(ErrorCode::InvalidArgument,
                                             options->prompt.empty()
                                                 ? "generate needs --prompt (or --chat for a conversation)"
                                                 : "--system, --chat-template and --enable-thinking need --chat"));
            return;
        }
        bool wrote = false;
        auto result = generate(
            *options,
            [&wrote](std::string_view text) {
                printText(text);
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
        printStats(*result);
    });
}

}  // namespace lathe::cli
