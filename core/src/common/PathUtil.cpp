#include "common/PathUtil.h"

#include <cctype>
#include <cstdlib>

#ifndef _WIN32
#include <pwd.h>
#include <unistd.h>
#endif

namespace fs = std::filesystem;

namespace lathe {

std::optional<std::string> envValue(const char* name)
{
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

static std::string homeDirectory()
{
#ifdef _WIN32
    if (auto p = envValue("USERPROFILE")) return *p;
    auto drive = envValue("HOMEDRIVE");
    auto hpath = envValue("HOMEPATH");
    if (drive && hpath) return *drive + *hpath;
    return {};
#else
    if (auto h = envValue("HOME")) return *h;
    if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) return pw->pw_dir;
    return {};
#endif
}

std::string expandUser(const std::string& path)
{
    if (path.empty() || path[0] != '~') return path;
    const auto sep = path.find_first_of("/\\");
    if (sep != 1 && path.size() != 1) return path;  // ~user forms stay as written
    const std::string home = homeDirectory();
    if (home.empty()) return path;
    return home + path.substr(1);
}

std::string expandVars(const std::string& path)
{
    auto isNameChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    std::string out;
    for (std::size_t i = 0; i < path.size();) {
        const char c = path[i];
        if (c == '$' && i + 1 < path.size()) {
            std::size_t start = i + 1, end = start;
            bool braced = path[start] == '{';
            if (braced) {
                end = path.find('}', start + 1);
                if (end == std::string::npos) {
                    out += path.substr(i);
                    break;
                }
                const std::string name = path.substr(start + 1, end - start - 1);
                if (const char* v = std::getenv(name.c_str()))
                    out += v;
                else
                    out += path.substr(i, end + 1 - i);
                i = end + 1;
                continue;
            }
            while (end < path.size() && isNameChar(path[end])) ++end;
            if (end == start) {
                out += c;
                ++i;
                continue;
            }
            const std::string name = path.substr(start, end - start);
            if (const char* v = std::getenv(name.c_str()))
                out += v;
            else
                out += path.substr(i, end - i);
            i = end;
            continue;
        }
#ifdef _WIN32
        if (c == '%') {
            const auto end = path.find('%', i + 1);
            if (end != std::string::npos && end > i + 1) {
                const std::string name = path.substr(i + 1, end - i - 1);
                if (const char* v = std::getenv(name.c_str())) {
                    out += v;
                    i = end + 1;
                    continue;
                }
            }
        }
#endif
        out += c;
        ++i;
    }
    return out;
}

fs::path toPath(const std::string& utf8)
{
    return fs::path(std::u8string(utf8.begin(), utf8.end()));
}

std::string fromPath(const fs::path& path)
{
    const auto u8 = path.u8string();
    return std::string(u8.begin(), u8.end());
}

bool isSafeRelativePath(const std::string& path)
{
    if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos ||
        path.find('\0') != std::string::npos || path.find(':') != std::string::npos)
        return false;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = path.find('/', start);
        const std::string seg = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return true;
}

bool isCommitHash(const std::string& revision)
{
    if (revision.size() != 40) return false;
    for (char c : revision)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace lathe
