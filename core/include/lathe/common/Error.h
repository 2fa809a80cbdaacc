#pragma once

#include <string>

namespace lathe {

// What went wrong, coarse enough for the CLI to map onto exit codes and for the GUI to pick an icon.
enum class ErrorCode {
    InvalidArgument,  // bad option value or combination
    NotFound,         // file, tensor, repo, revision missing
    Corrupt,          // a file exists but its content is malformed
    Unsupported,      // valid input that Lathe does not handle (architecture, dtype, format version)
    Io,               // read/write failure, disk full
    Network,          // transport-level failure
    Auth,             // missing/invalid token, gated repo
    Cancelled,        // the caller's stop token fired
    Internal,         // a bug: an invariant failed
};

const char* errorCodeName(ErrorCode code);

// An error message says what failed, on which file/URL, and what the user can do about it.
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;

    // Prefixes context ("loading model: ") while the error travels outwards.
    Error withContext(const std::string& context) const { return {code, context + ": " + message}; }
};

}  // namespace lathe
