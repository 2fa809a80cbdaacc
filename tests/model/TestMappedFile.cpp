#include "model/MappedFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

using namespace lathe;

namespace {

constexpr uint64_t kFileBytes = uint64_t{8} << 20;
constexpr uint64_t kHuge = uint64_t{2} << 20;

uint8_t patternByte(uint64_t i)
{
    return static_cast<uint8_t>((i * 7 + i / 4096) % 251);
}

// Resident kB of the mapping that starts at `start`, read from /proc/self/smaps: the kernel's own count, so the
// test does not depend on how MappedFile decides what to drop.
long residentKb(const void* start)
{
    std::ifstream smaps("/proc/self/smaps");
    const uint64_t wanted = reinterpret_cast<uintptr_t>(start);
    std::string line;
    bool inMapping = false;
    while (std::getline(smaps, line)) {
        const size_t dash = line.find('-');
        if (dash != std::string::npos && dash < 17 && line.find(' ') > dash) {
            inMapping = std::stoull(line.substr(0, dash), nullptr, 16) == wanted;
            continue;
        }
        if (inMapping && line.rfind("Rss:", 0) == 0) {
            std::istringstream fields(line.substr(4));
            long kb = -1;
            fields >> kb;
            return kb;
        }
    }
    return -1;
}

uint64_t touchAll(const model::MappedFile& file, uint64_t& mismatches)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < file.size(); ++i) {
        sum += file.data()[i];
        if (file.data()[i] != patternByte(i)) ++mismatches;
    }
    return sum;
}

}  // namespace

class TestMappedFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void releaseDropsTheCoveringPagesAndKeepsTheData()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("blob.bin"));
        {
            QByteArray bytes(qsizetype(kFileBytes), '\0');
            for (uint64_t i = 0; i < kFileBytes; ++i) bytes[qsizetype(i)] = char(patternByte(i));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(bytes), qint64(kFileBytes));
        }
        auto file = model::MappedFile::open(path.toStdString());
        QVERIFY(file);
        const model::MappedFile& m = **file;
        const long page = ::sysconf(_SC_PAGESIZE);
        const long totalKb = long(kFileBytes) / 1024;

        uint64_t mismatches = 0;
        const uint64_t sum = touchAll(m, mismatches);
        QCOMPARE(mismatches, uint64_t{0});
        QCOMPARE(residentKb(m.data()), totalKb);

        // Bytes [10 pages + 100, + 4 MiB): at least the pages covering them go. The kernel may map a read-only file
        // with 2 MiB entries and drops such an entry whole, so at most the 2 MiB blocks covering them go.
        const uint64_t offset = uint64_t(10 * page + 100);
        const uint64_t bytes = uint64_t{4} << 20;
        const long coveringKb = (long((offset + bytes + page - 1) / page) - 10) * page / 1024;
        const long hugeKb = long(((offset + bytes + kHuge - 1) / kHuge - offset / kHuge) * kHuge / 1024);
        m.release(offset, bytes);
        const long afterRange = residentKb(m.data());
        QVERIFY2(afterRange <= totalKb - coveringKb && afterRange >= totalKb - hugeKb,
                 qPrintable(QStringLiteral("%1 kB resident").arg(afterRange)));

        // Out-of-range requests change nothing; one reaching past the end drops the last page (or its 2 MiB block).
        m.release(kFileBytes, 4096);
        m.release(0, 0);
        QCOMPARE(residentKb(m.data()), afterRange);
        // (The first release reached at most 6 MiB in, so the last page is still resident.)
        m.release(kFileBytes - 10, 1 << 20);
        const long afterTail = residentKb(m.data());
        QVERIFY2(afterTail <= afterRange - page / 1024 && afterTail >= afterRange - long(kHuge / 1024),
                 qPrintable(QStringLiteral("%1 kB resident").arg(afterTail)));

        // The data read back after a release is the file's, page faults and all.
        mismatches = 0;
        QCOMPARE(touchAll(m, mismatches), sum);
        QCOMPARE(mismatches, uint64_t{0});
        QCOMPARE(residentKb(m.data()), totalKb);

        m.release(0, kFileBytes);
        QCOMPARE(residentKb(m.data()), 0L);
    }
};

QTEST_GUILESS_MAIN(TestMappedFile)
#include "TestMappedFile.moc"
