#pragma once
// What every libFuzzer target shares: the input as a file on disk (most parsers read paths, some look at the
// file name) and the oracle. A parser may reject hostile bytes with any error a user can act on; an Internal
// error is a failed invariant, that is a bug, and so is an exception that escapes (libFuzzer reports both).

#include "lathe/common/Result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lathe::fuzz {

// Writes the input to `<process temp folder>/<name>` and returns that path. The folder is made once per process
// and removed at exit; each call overwrites the file.
std::string inputFile(const std::uint8_t* data, std::size_t size, const std::string& name);

// Aborts the run (a finding) when `error` is not one that malformed input may produce.
void expectHandled(const Error& error, const char* what);

template <class T>
bool accepted(const Result<T>& result, const char* what)
{
    if (!result) expectHandled(result.error(), what);
    return static_cast<bool>(result);
}

// Reads every byte of a span the parser handed out as valid, so that a span past the mapped file faults here.
std::uint64_t touch(const std::uint8_t* data, std::size_t size);

}  // namespace lathe::fuzz
