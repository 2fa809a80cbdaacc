// embedding.pt files that lie about their tensor, written by Python's torch.save (Debian's python3-torch) with a
// hand-made _rebuild_tensor_v2 call: a stride or storage offset that runs past the storage, a storage record shorter
// than it claims, a negative stride, an extent that overflows int64. Every command that reads an embedding refuses
// them with one `lathe: error:` line (exit 4, Corrupt) and writes nothing; none crashes. A well-formed file written
// the same way is read, so the refusals are about the lies alone.
#include "TestSupport.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

namespace {

// Python that saves Evil(storage, offset, size, stride) as `name`.pt into the current folder.
const char* kSaver = R"(
import collections, sys, zipfile, torch
class Evil:
    def __init__(s, st, off, size, stride): s.a = (st, off, size, stride, False, collections.OrderedDict())
    def __reduce_ex__(s, proto): return (torch._utils._rebuild_tensor_v2, s.a)
st = torch.randn(512 * 64, generator=torch.Generator().manual_seed(0)).storage()
torch.save(Evil(st, 0, (512, 64), (64, 1)), 'good.pt')
torch.save(Evil(st, 0, (512, 64), (4096, 1)), 'stride.pt')
torch.save(Evil(st, 2147483647, (512, 64), (64, 1)), 'offset.pt')
torch.save(Evil(st, 0, (512, 64), (-64, 1)), 'negative.pt')
torch.save(Evil(st, 0, (2**62, 3), (2**62, 1)), 'overflow.pt')
source = zipfile.ZipFile('good.pt')
short = zipfile.ZipFile('short.pt', 'w')
for item in source.infolist():
    data = source.read(item.filename)
    short.writestr(item, data[:1000] if '/data/' in item.filename else data)
short.close()
)";

}  // namespace

class TestHostileEmbedding : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;

    ProcessResult generateCalib(const QString& embedding, const QString& out)
    {
        return runCli({"generate-calib", "--model_tag", "stories260K", "--embedding_path", embedding,
                       "--tokenizer_path", m_model, "--text_file",
                       sharedData("text/tinystories/TinyStories-train_head2MiB.txt"), "--languages", "en",
                       "--min_seqlen", "16", "--max_seqlen", "32", "--max_calib", "2", "--output_dir", out});
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const auto py = runProcess(QStringLiteral("/usr/bin/python3"), {"-c", kSaver}, {}, 120000, m_dir.path());
        QVERIFY2(py.exitCode == 0, (py.err + py.out).constData());
        m_model = m_dir.filePath("stories260K");
        const auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                               sharedData("models/stories260K/tok512.model"), "--out", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void wellFormedFileIsRead()
    {
        const auto r = generateCalib(m_dir.filePath("good.pt"), m_dir.filePath("calib-good"));
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void liesAreRefused_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("message");
        QTest::newRow("stride past the storage") << "stride.pt"
                                                 << "tensor lies outside its storage";
        QTest::newRow("storage offset 2^31-1") << "offset.pt"
                                               << "tensor lies outside its storage";
        QTest::newRow("short storage record") << "short.pt"
                                              << "has 1000 bytes but claims 32768 elements of 4 bytes";
        QTest::newRow("negative stride") << "negative.pt"
                                         << "negative tensor size or stride";
        QTest::newRow("overflowing extent") << "overflow.pt"
                                            << "tensor lies outside its storage";
    }
    void liesAreRefused()
    {
        QFETCH(QString, file);
        QFETCH(QString, message);
        const QString embedding = m_dir.filePath(file);
        const QString calib = m_dir.filePath("calib-" + file);
        ProcessResult r = generateCalib(embedding, calib);
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.startsWith("lathe: error: " + embedding.toUtf8()) && r.err.contains(message.toUtf8()) &&
                     r.err.count('\n') == 1,
                 r.err.constData());
        QVERIFY(!QFileInfo::exists(calib + "/datas"));
    }
};

QTEST_GUILESS_MAIN(TestHostileEmbedding)
#include "TestHostileEmbedding.moc"
