#include "model/MappedFile.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lathe::model {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return makeError(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                         "cannot open " + path + ": " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return makeError(ErrorCode::Io, "cannot read " + path + ": not a regular file");
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    file->m_size = static_cast<uint64_t>(st.st_size);
    if (file->m_size > 0) {
        void* p = ::mmap(nullptr, file->m_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            return makeError(ErrorCode::Io, "cannot map " + path + ": " + std::strerror(err));
        }
        file->m_mapping = p;
        file->m_data = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
    return std::shared_ptr<const MappedFile>(std::move(file));
}

void MappedFile::release(uint64_t offset, uint64_t bytes) const
{
    if (!m_mapping || offset >= m_size || bytes == 0) return;
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t begin = offset / page * page;
    const uint64_t end = offset + std::min(bytes, m_size - offset);
    const uint64_t roundedEnd = (end + page - 1) / page * page;
    // The mapping is read-only and private, so its pages are never dirty: dropping them loses nothing, even where a
    // page is shared with a neighbouring range that is still in use (it is read back on the next access).
    ::madvise(static_cast<uint8_t*>(m_mapping) + begin, roundedEnd - begin, MADV_DONTNEED);
}

MappedFile::~MappedFile()
{
    if (m_mapping) ::munmap(m_mapping, m_size);
}

}  // namespace lathe::model
