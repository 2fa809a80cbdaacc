#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lathe {

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

// Hashes whole buffers on a worker thread, in the order they are handed over, so verification overlaps the
// transfer. The writer gives away the block it has just written and carries on in an empty buffer from the pool
// (no copy); it waits only when every pool buffer is still queued.
class BlockHasher {
public:
    BlockHasher(Hasher::Kind kind, std::size_t blockBytes);
    ~BlockHasher();
    BlockHasher(const BlockHasher&) = delete;
    BlockHasher& operator=(const BlockHasher&) = delete;

    // Queues the bytes of `block` and leaves an empty buffer (capacity blockBytes) in its place.
    void hand(std::vector<char>& block);
    // Hashes on the calling thread, after everything queued (headers, bytes already on disk).
    void update(const void* data, std::size_t size);
    void reset();             // waits for queued blocks, then starts over
    std::string hexDigest();  // waits for queued blocks, then finishes

private:
    void drain();
    void run();

    Hasher m_hasher;
    std::deque<std::vector<char>> m_queue;
    std::vector<std::vector<char>> m_free;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_busy = false;
    bool m_idle = false;  // the worker sleeps: only then is a wake-up needed
    bool m_quit = false;
    std::thread m_thread;
};

}  // namespace lathe
