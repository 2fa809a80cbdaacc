#include "TokenizerConfig.h"

#include "common/FileIo.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <utility>

namespace lathe::tokenize {

namespace {

using Json = nlohmann::json;

// transformers serialises special tokens either as plain strings or as AddedToken objects.
Result<SpecialTokenSetting> readSpecialToken(const Json& root, const char* key, const std::string& where)
{
    SpecialTokenSetting setting;
    const auto it = root.find(key);
    if (it == root.end()) return setting;
    setting.present = true;
    if (it->is_null()) return setting;
    if (it->is_string()) {
        setting.content = it->get<std::string>();
        return setting;
    }
    if (it->is_object()) {
        const auto content = it->find("content");
        if (content != it->end() && content->is_string()) {
            setting.content = content->get<std::string>();
            return setting;
        }
    }
    return makeError(ErrorCode::Corrupt, where + ": \"" + key +
                                             "\" must be a string, null or an object with a \"content\" string");
}

Result<bool> readFlag(const Json& root, const char* key, bool fallback, const std::string& where)
{
    const auto it = root.find(key);
    if (it == root.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) return makeError(ErrorCode::Corrupt, where + ": \"" + key + "\" must be true or false");
    return it->get<bool>();
}

}  // namespace

Result<TokenizerConfig> TokenizerConfig::read(const std::filesystem::path& file)
{
    const std::string where = file.string();
    auto text = readWholeFile(where);
    if (!text) return makeError(ErrorCode::Io, text.error().message);  // beside a tokenizer, so it exists

    const Json root = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded())
        return makeError(ErrorCode::Corrupt, where + " is not valid JSON; fix or delete the file");
    if (!root.is_object()) return makeError(ErrorCode::Corrupt, where + " must hold a JSON object");

    TokenizerConfig config;
    auto addBos = readFlag(root, "add_bos_token", config.addBosToken, where);
    if (!addBos) return addBos.error();
    config.addBosToken = *addBos;
    auto addEos = readFlag(root, "add_eos_token", config.addEosToken, where);
    if (!addEos) return addEos.error();
    config.addEosToken = *addEos;
    for (auto [key, set] : {std::pair{"add_bos_token", &config.addBosTokenSet}, std::pair{"add_eos_token", &config.addEosTokenSet}}) {
        const auto it = root.find(key);
        *set = it != root.end() && !it->is_null();
    }
    auto bos = readSpecialToken(root, "bos_token", where);
    if (!bos) return bos.error();
    config.bosToken = *bos;
    auto eos = readSpecialToken(root, "eos_token", where);
    if (!eos) return eos.error();
    config.eosToken = *eos;

    const auto added = root.find("added_tokens_decoder");
    if (added != root.end() && added->is_object()) {
        for (const auto& [key, token] : added->items()) {
            const auto content = token.is_object() ? token.find("content") : token.end();
            if (content == token.end() || !content->is_string()) continue;
            try {
                size_t used = 0;
                const long id = std::stol(key, &used);
                if (used != key.size() || id < 0 || id > INT32_MAX) throw std::out_of_range(key);
                config.addedTokens[content->get<std::string>()] = static_cast<int32_t>(id);
            } catch (const std::exception&) {
                return makeError(ErrorCode::Corrupt,
                                 where + ": added_tokens_decoder key \"" + key + "\" is not a token id");
            }
        }
    }
    return config;
}

}  // namespace lathe::tokenize
