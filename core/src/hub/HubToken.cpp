#include "lathe/hub/HubToken.h"

#include "hub/IniFile.h"
#include "hub/PathUtil.h"

#include <system_error>

namespace fs = std::filesystem;

namespace lathe::hub {

using detail::envValue;
using detail::expandUser;
using detail::expandVars;
using detail::fromPath;
using detail::toPath;

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
    std::string content;
    if (!detail::readWholeFile(toPath(path), content)) return std::nullopt;
    const std::string t = cleanToken(content);
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
    std::string existing;
    detail::readWholeFile(storedPath, existing);
    auto ini = detail::IniFile::parse(existing);
    ini.replace(tokenName, {{"hf_token", clean}});
    ini.sortSections();
    std::string error;
    if (!detail::writeFileAtomically(storedPath, ini.serialize(), true, &error))
        return makeError(ErrorCode::Io, "saving the token: " + error);
    if (!detail::writeFileAtomically(toPath(tokenFilePath()), clean, true, &error))
        return makeError(ErrorCode::Io, "saving the token: " + error);
    return {};
}

Result<std::string> removeLogin(const std::optional<std::string>& tokenName)
{
    const fs::path tokenPath = toPath(tokenFilePath());
    const fs::path storedPath = toPath(storedTokensFilePath());
    std::error_code ec;
    if (!tokenName) {
        std::string names;
        std::string existing;
        if (detail::readWholeFile(storedPath, existing)) {
            const auto ini = detail::IniFile::parse(existing);
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
    std::string existing;
    detail::readWholeFile(storedPath, existing);
    auto ini = detail::IniFile::parse(existing);
    auto* section = ini.find(*tokenName);
    if (section == nullptr)
        return makeError(ErrorCode::NotFound, "no stored token is named '" + *tokenName + "' in " + fromPath(storedPath));
    std::string value;
    for (const auto& [k, v] : section->entries)
        if (k == "hf_token") value = cleanToken(v);
    ini.remove(*tokenName);
    std::string error;
    if (!detail::writeFileAtomically(storedPath, ini.serialize(), true, &error))
        return makeError(ErrorCode::Io, "removing the token: " + error);
    std::string active;
    if (detail::readWholeFile(tokenPath, active) && !value.empty() && cleanToken(active) == value) {
        fs::remove(tokenPath, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot delete " + fromPath(tokenPath) + ": " + ec.message());
    }
    return *tokenName;
}

}  // namespace lathe::hub
