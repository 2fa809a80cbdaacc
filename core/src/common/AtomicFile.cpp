#include "common/AtomicFile.h"

#include "common/AtomicFileWriter.h"

#include <cerrno>
#include <fstream>
#include <sstream>

namespace lathe {

Result<void> writeFileAtomically(const std::string& path, std::string_view bytes)
{
    auto file = AtomicFileWriter::create(path);
    if (!file) return file.error();
    LATHE_TRY(file->write(bytes.data(), bytes.size()));
    return file->commit();
}

Result<std::string> readWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fileError("cannot open", path, errno != 0 ? errno : ENOENT);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return fileError("cannot read", path, errno);
    return ss.str();
}

}  // namespace lathe
