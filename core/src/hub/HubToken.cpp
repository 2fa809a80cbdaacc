#include "lathe/hub/HubToken.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "common/PathUtil.h"
#include "hub/IniFile.h"

#include <system_error>

namespace fs = std::filesystem;

namespace lathe::hub {

namespace {

// The file's bytes, or empty when it is missing or unreadable (as huggingface_hub treats a token file).
std::string readIfPresent(const fs::path& path)
{
    auto bytes = readWholeFile(fromPath(path));
    return bytes ? std::move(*bytes) : std::string();
}

// Owner-only, as huggingface_hub's _write_secret; the folder is created when missing.
Result<void> writeSecret(const fs::path& path, const std::string& content)
{
    return writeFileAtomically(fromPath(path), content, AtomicWriteOptions{.secret = true, .createFolders = true});
}

}  // namespace

std::string HubToken::describe() const
{
    switch (source) {
    case TokenSource::EnvHfToken: return "the HF_TOKEN environment variable";
    case TokenSource::EnvHuggingFaceHubToken: return "the HUGGING_FACE_HUB_TOKEN environment variable";
    case TokenSource::File: return "the token file " + location;
    case TokenSource::Explicit: return "the token given on the command line";
    }
    return "an unknown source";
}

std::string hfHomeDirectory()
{
    std::string home;
    if (auto v = envValue("HF_HOME")) {
        home = *v;
    } else {
        const std::string cacheRoot =
            envValue("XDG_CACHE_HOME").value_or(fromPath(toPath(expandUser("~")) / ".cache"));
        home = fromPath(toPath(cacheRoot) / "huggingface");
    }
    return expandVars(expandUser(home));
}

std::string tokenFilePath()
{
    if (auto v = envValue("HF_TOKEN_PATH")) return *v;
    return fromPath(toPath(hfHomeDirectory()) / "token");
}

std::string storedTokensFilePath()
{
    return fromPath(toPath(tokenFilePath()).parent_path() / "stored_tokens");
}

std::string hubCacheDirectory()
{
    std::string dir;
    if (auto v = envValue("HF_HUB_CACHE")) dir = *v;
    else if (auto old = envValue("HUGGINGFACE_HUB_CACHE")) dir = *old;
    else dir = fromPath(toPath(hfHomeDirectory()) / "hub");
    return expandVars(expandUser(dir));
}

std::string cleanToken(const std::string& raw)
{
    std::string t;
    for (char c : raw)
        if (c != '\r' && c != '\n') t += c;
    const auto b = t.find_first_not_of(" \t\v\f");
    if (b == std::string::npos) return {};
    const auto e = t.find_last_not_of(" \t\v\f");
    return t.substr(b, e - b + 1);
}

std::optional<HubToken> findToken()
{
    // Python checks `HF_TOKEN or HUGGING_FACE_HUB_TOKEN` before cleaning, so a blank HF_TOKEN still wins.
    if (auto v = envValue("HF_TOKEN")) {
        const std::string t = cleanToken(*v);
        if (t.empty()) return std::nullopt;
        return HubToken{t, TokenSource::EnvHfToken, "HF_TOKEN"};
    }
    if (auto v = envValue("HUGGING_FACE_HUB_TOKEN")) {
        const std::string t = cleanToken(*v);
        if (t.empty()) return std::nullopt;
        return HubToken{t, TokenSource::EnvHuggingFaceHubToken, "HUGGING_FACE_HUB_TOKEN"};
    }
    const std::string path = tokenFilePath();
    auto content = readWholeFile(path);
    if (!content) return std::nullopt;
    const std::string t = cleanToken(*content);
    if (t.empty()) return std::nullopt;
    return HubToken{t, TokenSource::File, path};
}

Result<void> storeLogin(const std::string& token, const std::string& tokenName)
{
    const std::string clean = cleanToken(token);
    if (clean.empty()) return makeError(ErrorCode::InvalidArgument, "the token is empty");
    if (tokenName.empty() || tokenName.find_first_of("[]\n\r") != std::string::npos)
        return makeError(ErrorCode::InvalidArgument, "invalid token name '" + tokenName + "'");
    const fs::path storedPath = toPath(storedTokensFilePath());
    auto ini = detail::IniFile::parse(readIfPresent(storedPath));
    ini.replace(tokenName, {{"hf_token", clean}});
    ini.sortSections();
    if (auto written = writeSecret(storedPath, ini.serialize()); !written)
        return written.error().withContext("saving the token");
    if (auto written = writeSecret(toPath(tokenFilePath()), clean); !written)
        return written.error().withContext("saving the token");
    return {};
}

Result<std::string> removeLogin(const std::optional<std::string>& tokenName)
{
    const fs::path tokenPath = toPath(tokenFilePath());
    const fs::path storedPath = toPath(storedTokensFilePath());
    std::error_code ec;
    if (!tokenName) {
        std::string names;
        if (auto existing = readWholeFile(fromPath(storedPath))) {
            const auto ini = detail::IniFile::parse(*existing);
            for (const auto& s : ini.sections()) names += (names.empty() ? "" : ", ") + s.name;
        }
        const bool hadFile = fs::exists(tokenPath, ec);
        fs::remove(tokenPath, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot delete " + fromPath(tokenPath) + ": " + ec.message());
        fs::remove(storedPath, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot delete " + fromPath(storedPath) + ": " + ec.message());
        if (names.empty() && !hadFile) return makeError(ErrorCode::NotFound, "not logged in: no token is stored");
        return names.empty() ? std::string("the active token") : names;
    }
    auto ini = detail::IniFile::parse(readIfPresent(storedPath));
    auto* section = ini.find(*tokenName);
    if (section == nullptr)
        return makeError(ErrorCode::NotFound, "no stored token is named '" + *tokenName + "' in " + fromPath(storedPath));
    std::string value;
    for (const auto& [k, v] : section->entries)
        if (k == "hf_token") value = cleanToken(v);
    ini.remove(*tokenName);
    if (auto written = writeSecret(storedPath, ini.serialize()); !written)
        return written.error().withContext("removing the token");
    auto active = readWholeFile(fromPath(tokenPath));
    if (active && !value.empty() && cleanToken(*active) == value) {
        fs::remove(tokenPath, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot delete " + fromPath(tokenPath) + ": " + ec.message());
    }
    return *tokenName;
}

}  // namespace lathe::hub
