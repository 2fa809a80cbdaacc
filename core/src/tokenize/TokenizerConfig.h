#pragma once
// The part of Hugging Face's tokenizer_config.json that decides which special tokens encode() adds.

#include "lathe/common/Result.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace lathe::tokenize {

// bos_token / eos_token as written: absent, explicitly null, or a token's text.
struct SpecialTokenSetting {
    bool present = false;
    std::optional<std::string> content;
};

struct TokenizerConfig {
    // Defaults of transformers' LlamaTokenizer(Fast), which Llama and Mistral sentencepiece models use.
    bool addBosToken = true;
    bool addEosToken = false;
    // Whether the file sets them (non-null). The tokenizer.json engine rebuilds its template only then.
    bool addBosTokenSet = false;
    bool addEosTokenSet = false;
    SpecialTokenSetting bosToken;
    SpecialTokenSetting eosToken;
    // added_tokens_decoder: token text → id, for special tokens that live outside the model's vocabulary.
    std::map<std::string, int32_t> addedTokens;

    // Reads `file`. Errors: Io when unreadable, Corrupt when it is not valid JSON or a field has the
    // wrong type; the message names the file.
    static Result<TokenizerConfig> read(const std::filesystem::path& file);
};

}  // namespace lathe::tokenize
