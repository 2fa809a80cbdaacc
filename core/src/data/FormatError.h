#pragma once

#include <stdexcept>
#include <string>

namespace lathe::data {

// Thrown deep inside the binary decoders and caught at the public API, where the file, row group and page
// are added to the message. `unsupported` separates valid-but-unhandled input from corrupt input.
class FormatError : public std::runtime_error {
public:
    explicit FormatError(const std::string& what, bool unsupported = false)
        : std::runtime_error(what), m_unsupported(unsupported)
    {
    }
    bool unsupported() const { return m_unsupported; }

private:
    bool m_unsupported;
};

[[noreturn]] inline void throwCorrupt(const std::string& what)
{
    throw FormatError(what);
}
[[noreturn]] inline void throwUnsupported(const std::string& what)
{
    throw FormatError(what, true);
}

}  // namespace lathe::data
