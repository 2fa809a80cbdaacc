#pragma once
// Private to core.

#include <filesystem>
#include <optional>
#include <string>

namespace lathe {

// Environment variable, or nullopt when unset or empty.
std::optional<std::string> envValue(const char* name);

// Python's os.path.expanduser / os.path.expandvars, which huggingface_hub applies to HF_HOME and the cache.
std::string expandUser(const std::string& path);
std::string expandVars(const std::string& path);

std::filesystem::path toPath(const std::string& utf8);
std::string fromPath(const std::filesystem::path& path);

// True for a '/'-separated relative path with no '.', '..' or empty segments, no backslash, no drive
// or NUL: one that cannot leave the folder it is joined to.
bool isSafeRelativePath(const std::string& path);

bool isCommitHash(const std::string& revision);  // 40 lowercase hex digits

}  // namespace lathe
