#include "FuzzSupport.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lathe::fuzz {

namespace fs = std::filesystem;

namespace {

const fs::path& processFolder()
{
    static const fs::path folder = [] {
        fs::path path = fs::temp_directory_path() / ("lathe-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(path);
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(processFolder(), ec);
        });
        return path;
    }();
    return folder;
}

}  // namespace

std::string inputFile(const std::uint8_t* data, std::size_t size, const std::string& name)
{
    const fs::path path = processFolder() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path.string();
}

void expectHandled(const Error& error, const char* what)
{
    // LATHE_FUZZ_VERBOSE=1 shows why each input was rejected, for checking that a seed reaches past the header.
    static const bool verbose = std::getenv("LATHE_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "fuzz: %s rejected: %s\n", what, error.message.c_str());
    if (error.code != ErrorCode::Internal) return;
    std::fprintf(stderr, "fuzz: %s reported an internal error: %s\n", what, error.message.c_str());
    std::abort();
}

std::uint64_t touch(const std::uint8_t* data, std::size_t size)
{
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < size; ++i) sum += data[i];
    return sum;
}

}  // namespace lathe::fuzz
