#include "SpmLibrary.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace lathe::tokenize {

namespace fs = std::filesystem;

namespace {

struct Candidate {
    fs::path path;
    const char* origin;
};

// RTLD_DEEPBIND makes libsentencepiece resolve protobuf symbols in its own copy first, not in the
// libprotobuf.so.32 that libtorch already put into the global scope (which aborts on the version check).
// AddressSanitizer refuses RTLD_DEEPBIND (its interceptors would be bypassed), so a sanitized build loads the
// module plainly and runs it only in processes without libtorch (tests/fuzz, docs/reliability.md).
#ifdef LATHE_SANITIZED
constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL;
#else
constexpr int kOpenFlags = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;
#endif

std::vector<Candidate> candidatePaths()
{
    std::vector<Candidate> out;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path exeDir = exe.parent_path();
        out.push_back({exeDir / LATHE_SPM_MODULE_NAME, "next to the executable"});
        out.push_back({(exeDir / ".." / "lib" / "lathe" / LATHE_SPM_MODULE_NAME).lexically_normal(), "installed"});
    }
    out.push_back({LATHE_SPM_MODULE_BUILD_PATH, "build tree"});
    return out;
}

}  // namespace

Result<SpmLibrary> SpmLibrary::load()
{
    // An explicit LATHE_SPM_MODULE is the only place looked at: silently falling back to another copy
    // would hide a broken installation.
    std::vector<Candidate> candidates;
    const char* overridePath = std::getenv("LATHE_SPM_MODULE");
    const bool overridden = overridePath != nullptr && *overridePath != '\0';
    if (overridden)
        candidates.push_back({overridePath, "LATHE_SPM_MODULE"});
    else
        candidates = candidatePaths();

    std::string tried;
    bool anyExists = false;
    for (const Candidate& candidate : candidates) {
        std::error_code ec;
        if (!tried.empty()) tried += "; ";
        tried += candidate.path.string() + " (" + candidate.origin + "): ";
        if (!fs::exists(candidate.path, ec)) {
            tried += "no such file";
            continue;
        }
        anyExists = true;
        void* handle = dlopen(candidate.path.c_str(), kOpenFlags);
        if (handle == nullptr) {
            const char* why = dlerror();
            tried += why != nullptr ? why : "dlopen failed";
            continue;
        }
        SpmLibrary lib;
        lib.m_path = candidate.path.string();
        std::string missing;
#define LATHE_SPM_RESOLVE(type, name)                                   \
    lib.name = reinterpret_cast<type>(dlsym(handle, #name));            \
    if (lib.name == nullptr) missing += std::string(missing.empty() ? "" : ", ") + #name;
        LATHE_SPM_SYMBOLS(LATHE_SPM_RESOLVE)
#undef LATHE_SPM_RESOLVE
        if (missing.empty()) return lib;  // the handle stays open for the life of the process
        dlclose(handle);
        tried += "not a matching lathe_spm module (missing " + missing + ")";
    }
    const std::string advice = overridden
                                   ? "point LATHE_SPM_MODULE at the " LATHE_SPM_MODULE_NAME " built with this Lathe, or unset it"
                                   : "reinstall Lathe, or set LATHE_SPM_MODULE to the full path of " LATHE_SPM_MODULE_NAME;
    return makeError(anyExists ? ErrorCode::Corrupt : ErrorCode::NotFound,
                     "cannot load the sentencepiece module " LATHE_SPM_MODULE_NAME "; tried " + tried + ". " +
                         advice);
}

Result<const SpmLibrary*> SpmLibrary::instance()
{
    // A function-local static makes the one-time load thread-safe; a failure is remembered too, so a
    // missing module is reported the same way on every call without retrying dlopen.
    static const Result<SpmLibrary> loaded = load();
    if (!loaded) return loaded.error();
    return &loaded.value();
}

}  // namespace lathe::tokenize
