#pragma once

#include "lathe/common/Result.h"

#include <optional>
#include <string>

namespace lathe::hub {

enum class TokenSource { EnvHfToken, EnvHuggingFaceHubToken, File, Explicit };

// A token and where it came from, so messages can say "the token from HF_TOKEN was rejected".
struct HubToken {
    std::string value;
    TokenSource source = TokenSource::File;
    std::string location;  // variable name or file path

    std::string describe() const;  // e.g. "the HF_TOKEN environment variable", "the token file /x/token"
};

// Paths as Python's huggingface_hub computes them (`~` and `$VAR` expanded):
// HF_HOME = $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface (~ = %USERPROFILE% on Windows).
std::string hfHomeDirectory();
std::string tokenFilePath();         // HF_TOKEN_PATH, default $HF_HOME/token
std::string storedTokensFilePath();  // dirname(token file)/stored_tokens
std::string hubCacheDirectory();     // HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > $HF_HOME/hub

// Removes every '\r' and '\n', then trims spaces; empty means no token.
std::string cleanToken(const std::string& raw);

// HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the token file. Nothing found is not an error.
std::optional<HubToken> findToken();

// What `hf auth login --token T` writes: the [name] section of stored_tokens is replaced by `hf_token = T`
// (other sections kept, sections sorted), then T goes to the token file with no newline; files 0600,
// directory 0700 on POSIX. Fails on unwritable paths. Does not validate the token (the caller does).
Result<void> storeLogin(const std::string& token, const std::string& tokenName);

// `hf auth logout`: with a name, removes that section and deletes the token file if it held that token;
// without one, deletes the token file and stored_tokens. Returns the names that were removed.
Result<std::string> removeLogin(const std::optional<std::string>& tokenName);

}  // namespace lathe::hub
