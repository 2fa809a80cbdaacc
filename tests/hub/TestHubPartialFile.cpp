// The download's write path without a server: the staged `.incomplete` file and the hasher that takes its
// written blocks, checked against Qt's own SHA-256/SHA-1 of the same bytes.
#include "common/Hashing.h"
#include "hub/PartialFile.h"

#include "TestSupport.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <filesystem>

using lathe::BlockHasher;
using lathe::gitBlobHeader;
using lathe::Hasher;
using lathe::hub::detail::PartialFile;

namespace {

QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator rng(seed);
    for (qsizetype i = 0; i < n; ++i) b[i] = static_cast<char>(rng.generate() & 0xFF);
    return b;
}

std::filesystem::path fsPath(const QString& p) { return std::filesystem::path(p.toStdString()); }

QByteArray sha256Hex(const QByteArray& b) { return QCryptographicHash::hash(b, QCryptographicHash::Sha256).toHex(); }

// Appends `data` in libcurl-sized pieces of irregular length (1..16384 bytes).
bool appendInPieces(PartialFile& file, const QByteArray& data, quint32 seed)
{
    QRandomGenerator rng(seed);
    for (qsizetype at = 0; at < data.size();) {
        const qsizetype n = std::min<qsizetype>(data.size() - at, 1 + rng.bounded(16384));
        if (!file.append(data.constData() + at, static_cast<std::size_t>(n))) return false;
        at += n;
    }
    return true;
}

}  // namespace

class TestHubPartialFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stagesSmallPiecesIntoWholeBlocks()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("blob.incomplete");
        PartialFile file;
        QVERIFY(file.open(fsPath(path)));
        QCOMPARE(file.onDisk(), 0);
        const QByteArray data = randomBytes(3 * PartialFile::kStageBytes + 5000, 1);
        std::vector<std::size_t> writes;
        file.setOnWritten([&](std::vector<char>& block) { writes.push_back(block.size()); });
        QVERIFY(appendInPieces(file, data, 2));
        QCOMPARE(file.received(), data.size());
        // Whatever the clock did, the file holds exactly the bytes counted as on disk, in order.
        QCOMPARE(QFileInfo(path).size(), file.onDisk());
        QCOMPARE(lathe::test::readAll(path), data.left(file.onDisk()));
        QVERIFY(file.onDisk() >= 3 * static_cast<qint64>(PartialFile::kStageBytes) - 16384);
        for (std::size_t w : writes) QVERIFY(w <= PartialFile::kStageBytes);
        QVERIFY(file.flush());
        QCOMPARE(file.onDisk(), data.size());
        QCOMPARE(lathe::test::readAll(path), data);
        QVERIFY(file.close());
    }

    void oldStagedBytesReachTheDisk()
    {
        // A slow transfer: a few bytes now and then must not wait for a full block.
        QTemporaryDir dir;
        const QString path = dir.filePath("slow.incomplete");
        PartialFile file;
        QVERIFY(file.open(fsPath(path)));
        QVERIFY(file.append("abc", 3));
        QThread::msleep(150);
        QVERIFY(file.append("def", 3));
        QCOMPARE(file.onDisk(), 6);
        QCOMPARE(lathe::test::readAll(path), QByteArray("abcdef"));
    }

    void reopenKeepsBytesAndTruncateDropsAll()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("resume.incomplete");
        const QByteArray data = randomBytes(300000, 3);
        {
            PartialFile file;
            QVERIFY(file.open(fsPath(path)));
            QVERIFY(appendInPieces(file, data, 4));
            QVERIFY(file.close());  // flushes the staged tail
        }
        PartialFile file;
        QVERIFY(file.open(fsPath(path)));
        QCOMPARE(file.onDisk(), data.size());
        QByteArray back(1000, '\0');
        QCOMPARE(file.readAt(back.data(), 1000, 299500), 500LL);
        QCOMPARE(back.left(500), data.right(500));
        QCOMPARE(file.readAt(back.data(), 1000, data.size()), 0LL);

        QVERIFY(file.append("xyz", 3));
        QVERIFY(file.truncate());
        QCOMPARE(file.received(), 0);
        QVERIFY(file.append("new", 3));
        QVERIFY(file.close());
        QCOMPARE(lathe::test::readAll(path), QByteArray("new"));
    }

    void writeErrorsAreReported()
    {
        // /dev/full accepts the open and refuses every write with ENOSPC, like a full disk.
        PartialFile file;
        QVERIFY(file.open("/dev/full"));
        const QByteArray data = randomBytes(PartialFile::kStageBytes, 5);
        QVERIFY(!file.append(data.constData(), static_cast<std::size_t>(data.size())));
        QVERIFY2(file.error().find("No space") != std::string::npos, file.error().c_str());
        QCOMPARE(file.onDisk(), 0);

        PartialFile missing;
        QVERIFY(!missing.open("/nonexistent-dir/blob.incomplete"));
        QVERIFY(!missing.error().empty());
        QVERIFY(!missing.append("a", 1));
    }

    void blockHasherMatchesOneShotHashes()
    {
        const QByteArray data = randomBytes(5 * PartialFile::kStageBytes + 777, 6);
        BlockHasher hasher(Hasher::Kind::Sha256, PartialFile::kStageBytes);
        // More blocks than the pool holds, in uneven sizes, so the writer has to wait for free buffers.
        std::vector<char> block;
        QRandomGenerator rng(7);
        for (int round = 0; round < 2; ++round) {
            hasher.reset();
            qsizetype at = 0;
            hasher.update(data.constData(), 100);  // bytes already on disk are hashed on the caller's thread
            at = 100;
            while (at < data.size()) {
                const qsizetype n = std::min<qsizetype>(data.size() - at, 1 + rng.bounded(20000));
                block.assign(data.constData() + at, data.constData() + at + n);
                hasher.hand(block);
                QVERIFY(block.empty());
                at += n;
            }
            QCOMPARE(QByteArray::fromStdString(hasher.hexDigest()), sha256Hex(data));
        }

        // Git blob id: SHA-1 over "blob <size>\0" and the content.
        const QByteArray content = randomBytes(40000, 8);
        BlockHasher git(Hasher::Kind::Sha1, 4096);
        const std::string header = gitBlobHeader(content.size());
        git.update(header.data(), header.size());
        block.assign(content.constData(), content.constData() + content.size());
        git.hand(block);
        const QByteArray expected = QCryptographicHash::hash(
            QByteArray("blob 40000", 10) + QByteArray(1, '\0') + content, QCryptographicHash::Sha1).toHex();
        QCOMPARE(QByteArray::fromStdString(git.hexDigest()), expected);
    }

    void writtenBlocksHashLikeTheFile()
    {
        // The download's wiring: each written block goes to the hasher instead of being copied.
        QTemporaryDir dir;
        const QString path = dir.filePath("wired.incomplete");
        const QByteArray data = randomBytes(2 * 1024 * 1024 + 12345, 9);
        BlockHasher hasher(Hasher::Kind::Sha256, PartialFile::kStageBytes);
        PartialFile file;
        file.setOnWritten([&](std::vector<char>& block) { hasher.hand(block); });
        QVERIFY(file.open(fsPath(path)));
        QVERIFY(appendInPieces(file, data, 10));
        QVERIFY(file.close());
        QCOMPARE(lathe::test::readAll(path), data);
        QCOMPARE(QByteArray::fromStdString(hasher.hexDigest()), sha256Hex(data));
    }
};

QTEST_GUILESS_MAIN(TestHubPartialFile)
#include "TestHubPartialFile.moc"
