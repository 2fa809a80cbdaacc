#pragma once
// The lathe_spm module, loaded once per process. It is the only code that touches sentencepiece (and the
// protobuf 3.14 bundled in Debian's libsentencepiece), so it is kept out of the executable's symbol scope.

#include "lathe/common/Result.h"

// lathe_spm is a MODULE (never linked), so its header is reached by path rather than through the target.
#include "../../spm/SpmApi.h"

#include <string>

namespace lathe::tokenize {

class SpmLibrary {
public:
    // The loaded module, or why it could not be loaded (every path tried, with dlerror()). Loading happens
    // on the first call; later calls return the same answer. Thread-safe.
    static Result<const SpmLibrary*> instance();

    const std::string& path() const { return m_path; }

#define LATHE_SPM_DECLARE_MEMBER(type, name) type name = nullptr;
    LATHE_SPM_SYMBOLS(LATHE_SPM_DECLARE_MEMBER)
#undef LATHE_SPM_DECLARE_MEMBER

private:
    SpmLibrary() = default;
    static Result<SpmLibrary> load();

    std::string m_path;
};

}  // namespace lathe::tokenize
