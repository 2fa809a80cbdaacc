#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace lathe::hub::detail {

// Incremental SHA-256 (LFS oids) or SHA-1 (git blob ids) over OpenSSL's EVP interface.
class Hasher {
public:
    enum class Kind { Sha256, Sha1 };
    explicit Hasher(Kind kind);
    ~Hasher();
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    void reset();
    void update(const void* data, std::size_t size);
    std::string hexDigest();  // finishes; call reset() before reuse

private:
    Kind m_kind;
    void* m_ctx = nullptr;
};

// "blob <size>\0": what git hashes before a file's bytes to get its blob id.
std::string gitBlobHeader(std::int64_t size);

}  // namespace lathe::hub::detail

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace lathe::hub::detail {

// Hashes on a worker thread so that verification overlaps the network transfer instead of stalling it.
// Data is copied into 4 MiB blocks; at most 8 blocks wait, so memory stays bounded.
class AsyncHasher {
public:
    explicit AsyncHasher(Hasher::Kind kind);
    ~AsyncHasher();
    AsyncHasher(const AsyncHasher&) = delete;
    AsyncHasher& operator=(const AsyncHasher&) = delete;

    void update(const void* data, std::size_t size);
    void reset();              // waits for queued blocks, then starts over
    std::string hexDigest();   // waits for queued blocks, then finishes

private:
    void flushBlock();
    void drain();
    void run();

    Hasher m_hasher;
    std::vector<char> m_current;
    std::deque<std::vector<char>> m_queue;
    std::vector<std::vector<char>> m_free;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_busy = false;
    bool m_quit = false;
    std::thread m_thread;
};

}  // namespace lathe::hub::detail
