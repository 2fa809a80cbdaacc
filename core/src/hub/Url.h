#pragma once

#include <string>

namespace lathe::hub::detail {

// Percent-encodes everything but RFC 3986 unreserved characters (and '/' when keepSlash).
std::string urlEncode(const std::string& text, bool keepSlash = false);

// Resolves a Location header (absolute or relative) against the URL it came from; empty on failure.
std::string resolveUrl(const std::string& base, const std::string& location);

// Scheme, host and port (default ports filled in) are equal: only then may a request carry the token.
bool sameOrigin(const std::string& a, const std::string& b);

// True when `location` carries no scheme/host (a redirect inside the same server).
bool isRelativeLocation(const std::string& location);

}  // namespace lathe::hub::detail
