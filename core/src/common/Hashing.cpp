#include "common/Hashing.h"

#include <openssl/evp.h>

namespace lathe {

Hasher::Hasher(Kind kind) : m_kind(kind), m_ctx(EVP_MD_CTX_new())
{
    reset();
}

Hasher::~Hasher()
{
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx));
}

void Hasher::reset()
{
    EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(m_ctx), m_kind == Kind::Sha256 ? EVP_sha256() : EVP_sha1(), nullptr);
}

void Hasher::update(const void* data, std::size_t size)
{
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(m_ctx), data, size);
}

std::string Hasher::hexDigest()
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(m_ctx), md, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

std::string gitBlobHeader(std::int64_t size)
{
    std::string h = "blob " + std::to_string(size);
    h.push_back('\0');
    return h;
}

namespace {
// Enough slack for the worker to be descheduled for a few milliseconds on a busy machine without stalling the
// writer, and little enough that the blocks are still in the shared cache when it hashes them.
constexpr int kPoolBlocks = 16;
}  // namespace

BlockHasher::BlockHasher(Hasher::Kind kind, std::size_t blockBytes) : m_hasher(kind)
{
    m_free.resize(kPoolBlocks);
    for (auto& b : m_free) b.reserve(blockBytes);
    m_thread = std::thread([this] { run(); });
}

BlockHasher::~BlockHasher()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void BlockHasher::hand(std::vector<char>& block)
{
    if (block.empty()) return;
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [this] { return !m_free.empty(); });
    m_queue.push_back(std::move(block));
    block = std::move(m_free.back());
    m_free.pop_back();
    block.clear();
    const bool wake = m_idle;
    lock.unlock();
    if (wake) m_cv.notify_all();
}

void BlockHasher::update(const void* data, std::size_t size)
{
    drain();
    m_hasher.update(data, size);
}

void BlockHasher::drain()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [this] { return m_queue.empty() && !m_busy; });
}

void BlockHasher::reset()
{
    drain();
    m_hasher.reset();
}

std::string BlockHasher::hexDigest()
{
    drain();
    return m_hasher.hexDigest();
}

void BlockHasher::run()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_idle = true;
        m_cv.wait(lock, [this] { return m_quit || !m_queue.empty(); });
        m_idle = false;
        if (m_queue.empty()) return;  // quitting
        std::vector<char> block = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        lock.unlock();
        m_hasher.update(block.data(), block.size());
        block.clear();
        lock.lock();
        m_busy = false;
        m_free.push_back(std::move(block));
        m_cv.notify_all();
    }
}

}  // namespace lathe
