#include "CliSupport.h"

#include "lathe/hub/ModelLocator.h"
#include "lathe/tokenize/ChatTemplateSource.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

namespace lathe::cli {

namespace {

struct ChatTemplateOptions {
    std::string modelPath;
    std::string templateFile;
    std::string templateName;
    std::string messagesFile;
    std::string enableThinking;
    bool addGenerationPrompt = false;
};

Result<std::string> readConversation(const std::string& file)
{
    if (file == "-") return std::string((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::ifstream in(file, std::ios::binary);
    if (!in) return makeError(ErrorCode::NotFound, "cannot read --messages " + file);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<std::string> render(const ChatTemplateOptions& options)
{
    std::string modelDir;
    if (!options.modelPath.empty()) {
        // A tokenizer folder is enough: no config.json or weights are needed to render a template.
        auto resolved = hub::resolveModelDirectory(options.modelPath);
        if (!resolved) return resolved.error();
        modelDir = *resolved;
    }
    auto conversation = readConversation(options.messagesFile);
    if (!conversation) return conversation.error();
    tokenize::ChatRequest request;
    request.conversationJson = std::move(*conversation);
    request.addGenerationPrompt = options.addGenerationPrompt;
    if (!options.enableThinking.empty()) request.enableThinking = options.enableThinking == "true";
    const bool withTools = tokenize::hasTools(request);
    auto source = options.templateFile.empty()
                      ? tokenize::ChatTemplateSource::find(modelDir, options.templateName, withTools)
                      : tokenize::ChatTemplateSource::fromFile(options.templateFile, modelDir);
    if (!source && source.error().code == ErrorCode::NotFound && options.templateName.empty())
        return makeError(ErrorCode::NotFound, source.error().message + "; give a template file with --chat-template");
    if (!source) return source.error();
    return tokenize::renderChat(*source, request);
}

}  // namespace

void addChatTemplateCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<ChatTemplateOptions>();
    auto* cmd = app.add_subcommand("chat-template",
                                   "Print a conversation rendered with a model's chat template, as the model sees it");
    cmd->add_option("--model_path,--model-path", options->modelPath,
                    "Model directory or repo id whose chat template and special tokens are used");
    cmd->add_option("--chat_template,--chat-template", options->templateFile,
                    "A Jinja template file to use instead of the model's (special tokens still come from the model)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--template_name,--template-name", options->templateName,
                    "Which template of a model that offers several (default, tool_use, ...)");
    cmd->add_option("--messages", options->messagesFile,
                    "JSON file: a list of {role, content} messages, or an object with \"messages\" and further "
                    "template variables (tools, date_string, ...); - reads stdin")
        ->required();
    cmd->add_flag("--add_generation_prompt,--add-generation-prompt", options->addGenerationPrompt,
                  "End with the header of the assistant's turn, as for generation");
    cmd->add_option("--enable_thinking,--enable-thinking", options->enableThinking,
                    "Set enable_thinking (Qwen3 and other reasoning models)")
        ->check(CLI::IsMember({"true", "false"}));
    cmd->callback([options, &exitCode] {
        if (options->modelPath.empty() && options->templateFile.empty()) {
            exitCode = reportError(
                makeError(ErrorCode::InvalidArgument, "chat-template needs --model-path, --chat-template, or both"));
            return;
        }
        auto text = render(*options);
        if (!text) {
            exitCode = reportError(text.error());
            return;
        }
        // Printed exactly: the rendered text is what the tokenizer reads, trailing newlines included.
        std::fwrite(text->data(), 1, text->size(), stdout);
        std::fflush(stdout);
    });
}

}  // namespace lathe::cli
