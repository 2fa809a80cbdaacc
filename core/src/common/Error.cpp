#include "lathe/common/Error.h"

namespace lathe {

const char* errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::NotFound: return "not found";
    case ErrorCode::Corrupt: return "corrupt input";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::Network: return "network error";
    case ErrorCode::Auth: return "authentication error";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal error";
    }
    return "unknown error";
}

}  // namespace lathe
