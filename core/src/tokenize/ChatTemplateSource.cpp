#include "lathe/tokenize/ChatTemplateSource.h"

#include "../common/FileIo.h"
#include "lathe/tokenize/ChatTemplate.h"

#include <nlohmann/json.hpp>

#include <map>
#include <system_error>

namespace lathe::tokenize {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// Keys transformers' special_tokens_map passes to every chat template.
constexpr const char* kSpecialTokenKeys[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                             "pad_token", "cls_token", "mask_token"};

Result<json> readJsonFile(const fs::path& file)
{
    auto bytes = readWholeFile(file.string());
    if (!bytes) return bytes.error();
    json parsed = json::parse(*bytes, nullptr, false);
    if (parsed.is_discarded())
        return makeError(ErrorCode::Corrupt, file.string() + " is not valid JSON; download the model again");
    return parsed;
}

// A special token is written as its text or as an AddedToken object {"content": ..., ...}; null means unset.
std::optional<std::string> tokenText(const json& value)
{
    if (value.is_string()) return value.get<std::string>();
    if (value.is_object() && value.contains("content") && value["content"].is_string())
        return value["content"].get<std::string>();
    return std::nullopt;
}

Result<std::string> specialTokensOf(const json& config, const fs::path& file)
{
    json out = json::object();
    for (const char* key : kSpecialTokenKeys) {
        if (!config.contains(key) || config[key].is_null()) continue;
        const auto text = tokenText(config[key]);
        if (!text)
            return makeError(ErrorCode::Corrupt,
                             file.string() + ": " + key + " must be a string or an object with a string \"content\"");
        out[key] = *text;
    }
    if (config.contains("additional_special_tokens") && config["additional_special_tokens"].is_array()) {
        json extra = json::array();
        for (const json& token : config["additional_special_tokens"])
            if (const auto text = tokenText(token)) extra.push_back(*text);
        out["additional_special_tokens"] = extra;
    }
    return out.dump();
}

Result<ChatTemplateSource> pickNamed(const json& list, const fs::path& file, const std::string& name, bool withTools)
{
    ChatTemplateSource source;
    std::map<std::string, std::string> byName;
    for (const json& entry : list) {
        if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
            !entry.contains("template") || !entry["template"].is_string())
            return makeError(ErrorCode::Corrupt, file.string() +
                                                     ": every entry of the chat_template list needs a string \"name\" "
                                                     "and a string \"template\"");
        source.names.push_back(entry["name"].get<std::string>());
        byName[source.names.back()] = entry["template"].get<std::string>();
    }
    std::string wanted = name;
    if (wanted.empty()) wanted = withTools && byName.count("tool_use") ? "tool_use" : "default";
    const auto it = byName.find(wanted);
    if (it == byName.end()) {
        std::string offered;
        for (const std::string& n : source.names) offered += (offered.empty() ? "" : ", ") + n;
        return makeError(ErrorCode::NotFound, file.string() + " has no chat template named '" + wanted +
                                                  "'; it offers: " + offered + " (choose one with --template-name)");
    }
    source.text = it->second;
    source.origin = file.string() + " (chat_template '" + wanted + "')";
    return source;
}

}  // namespace

Result<std::string> ChatTemplateSource::specialTokens(const fs::path& modelDir)
{
    const fs::path file = modelDir / "tokenizer_config.json";
    std::error_code ec;
    if (modelDir.empty() || !fs::is_regular_file(file, ec)) return std::string("{}");
    auto config = readJsonFile(file);
    if (!config) return config.error();
    if (!config->is_object()) return makeError(ErrorCode::Corrupt, file.string() + " must hold a JSON object");
    return specialTokensOf(*config, file);
}

Result<ChatTemplateSource> ChatTemplateSource::find(const fs::path& modelDir, const std::string& name, bool withTools)
{
    std::error_code ec;
    const fs::path jinjaFile = modelDir / "chat_template.jinja";
    const fs::path configFile = modelDir / "tokenizer_config.json";
    ChatTemplateSource source;
    if (fs::is_regular_file(jinjaFile, ec) && name.empty()) {
        auto text = readWholeFile(jinjaFile.string());
        if (!text) return text.error();
        source.text = std::move(*text);
        source.origin = jinjaFile.string();
    } else if (fs::is_regular_file(configFile, ec)) {
        auto config = readJsonFile(configFile);
        if (!config) return config.error();
        if (!config->is_object())
            return makeError(ErrorCode::Corrupt, configFile.string() + " must hold a JSON object");
        const json& field = config->contains("chat_template") ? (*config)["chat_template"] : json();
        if (field.is_string()) {
            if (!name.empty())
                return makeError(ErrorCode::NotFound, configFile.string() +
                                                          " has one chat template, not a list of "
                                                          "named ones; leave out --template-name");
            source.text = field.get<std::string>();
            source.origin = configFile.string();
        } else if (field.is_array()) {
            auto picked = pickNamed(field, configFile, name, withTools);
            if (!picked) return picked.error();
            source = std::move(*picked);
        } else if (!field.is_null()) {
            return makeError(ErrorCode::Corrupt,
                             configFile.string() + ": chat_template must be a string or a list of named templates");
        }
    }
    if (source.origin.empty())
        return makeError(ErrorCode::NotFound,
                         "the model in " + modelDir.string() +
                             " has no chat template (looked for chat_template.jinja and the chat_template field of "
                             "tokenizer_config.json)");
    auto tokens = ChatTemplateSource::specialTokens(modelDir);
    if (!tokens) return tokens.error();
    source.specialTokensJson = std::move(*tokens);
    return source;
}

Result<ChatTemplateSource> ChatTemplateSource::fromFile(const fs::path& file, const fs::path& modelDir)
{
    auto text = readWholeFile(file.string());
    if (!text) return text.error();
    ChatTemplateSource source;
    source.text = std::move(*text);
    source.origin = file.string();
    auto tokens = ChatTemplateSource::specialTokens(modelDir);
    if (!tokens) return tokens.error();
    source.specialTokensJson = std::move(*tokens);
    return source;
}

bool hasTools(const ChatRequest& request)
{
    const json conversation = json::parse(request.conversationJson, nullptr, false);
    return conversation.is_object() && conversation.contains("tools") && !conversation["tools"].is_null();
}

Result<std::string> renderChat(const ChatTemplateSource& source, const ChatRequest& request)
{
    json conversation = json::parse(request.conversationJson, nullptr, false);
    if (conversation.is_discarded()) return makeError(ErrorCode::InvalidArgument, "the conversation is not valid JSON");
    if (conversation.is_array()) conversation = json{{"messages", std::move(conversation)}};
    if (!conversation.is_object() || !conversation.contains("messages") || !conversation["messages"].is_array())
        return makeError(ErrorCode::InvalidArgument,
                         "the conversation must be a JSON list of messages, or an object with a \"messages\" list");
    size_t index = 0;
    for (const json& message : conversation["messages"]) {
        if (!message.is_object() || !message.contains("role") || !message["role"].is_string())
            return makeError(ErrorCode::InvalidArgument, "message " + std::to_string(index) +
                                                             " of the conversation must be an object with a string "
                                                             "\"role\"");
        ++index;
    }
    // tools and documents are none unless given, as apply_chat_template passes them: templates test
    // `tools is not none`, which an undefined variable would pass.
    json context = {{"tools", nullptr}, {"documents", nullptr}};
    const json special = json::parse(source.specialTokensJson, nullptr, false);
    if (special.is_object())
        for (auto& [key, value] : special.items()) context[key] = value;
    for (auto& [key, value] : conversation.items()) context[key] = value;
    context["add_generation_prompt"] = request.addGenerationPrompt;
    if (request.enableThinking) context["enable_thinking"] = *request.enableThinking;

    auto compiled = ChatTemplate::parse(source.text, source.origin);
    if (!compiled) return compiled.error();
    return compiled->render(context.dump());
}

}  // namespace lathe::tokenize
