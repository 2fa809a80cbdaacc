#include "hub/Hashing.h"

#include <openssl/evp.h>

#include <algorithm>

namespace lathe::hub::detail {

Hasher::Hasher(Kind kind) : m_kind(kind), m_ctx(EVP_MD_CTX_new()) { reset(); }

Hasher::~Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(m_ctx)); }

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

}  // namespace lathe::hub::detail

namespace lathe::hub::detail {

namespace {
constexpr std::size_t kBlockBytes = 4u << 20;
constexpr std::size_t kMaxQueued = 8;
}  // namespace

AsyncHasher::AsyncHasher(Hasher::Kind kind) : m_hasher(kind), m_thread([this] { run(); })
{
    m_current.reserve(kBlockBytes);
}

AsyncHasher::~AsyncHasher()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

void AsyncHasher::update(const void* data, std::size_t size)
{
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const std::size_t n = std::min(size, kBlockBytes - m_current.size());
        m_current.insert(m_current.end(), p, p + n);
        p += n;
        size -= n;
        if (m_current.size() == kBlockBytes) flushBlock();
    }
}

void AsyncHasher::flushBlock()
{
    if (m_current.empty()) return;
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [this] { return m_queue.size() < kMaxQueued; });
    m_queue.push_back(std::move(m_current));
    if (!m_free.empty()) {
        m_current = std::move(m_free.back());
        m_free.pop_back();
    } else {
        m_current = std::vector<char>();
        m_current.reserve(kBlockBytes);
    }
    m_current.clear();
    lock.unlock();
    m_cv.notify_all();
}

void AsyncHasher::drain()
{
    flushBlock();
    std::unique_lock<std::mutex> lock(m_mutex);
    m_cv.wait(lock, [this] { return m_queue.empty() && !m_busy; });
}

void AsyncHasher::reset()
{
    drain();
    m_hasher.reset();
}

std::string AsyncHasher::hexDigest()
{
    drain();
    return m_hasher.hexDigest();
}

void AsyncHasher::run()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_cv.wait(lock, [this] { return m_quit || !m_queue.empty(); });
        if (m_queue.empty()) return;  // quitting
        std::vector<char> block = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        lock.unlock();
        m_cv.notify_all();
        m_hasher.update(block.data(), block.size());
        block.clear();
        lock.lock();
        m_free.push_back(std::move(block));
        m_busy = false;
        m_cv.notify_all();
    }
}

}  // namespace lathe::hub::detail
