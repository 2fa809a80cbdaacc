#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

// Runs `lathe import` on damaged copies of the real stories260K files and checks the exit code, that
// stderr names the file and the problem, and that no output folder (or staging folder) is left behind.
class TestImportErrors : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QByteArray m_bin, m_gguf;

    QString write(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(bytes);
        return path;
    }
    void expectFailure(const QString& source, int exitCode, const QStringList& needles)
    {
        const QString out = m_dir.filePath(QStringLiteral("out-") + QFileInfo(source).fileName());
        const auto r = runCli({"import", "--from", source, "--out", out});
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, exitCode);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains(source), qPrintable(err));
        for (const QString& n : needles) QVERIFY2(err.contains(n), qPrintable(err));
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral(".out-*")}, QDir::AllEntries | QDir::Hidden).size(), 0);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_bin = readAll(sharedData("models/stories260K/stories260K.bin"));
        m_gguf = readAll(sharedData("models/stories260K/stories260K.gguf"));
        QCOMPARE(m_bin.size(), 1056540);
        QCOMPARE(m_gguf.size(), 1185376);
    }
    void truncatedBin()
    {
        expectFailure(write("short.bin", m_bin.left(m_bin.size() - 4)), 4,
                      {"implies 1056540 bytes but the file has 1056536", "truncated"});
        expectFailure(write("header.bin", m_bin.left(20)), 4, {"shorter than the 28-byte header"});
        QByteArray garbage = m_bin;
        garbage[0] = char(0xff), garbage[1] = char(0xff), garbage[2] = char(0xff), garbage[3] = char(0xff);
        expectFailure(write("negative.bin", garbage), 4, {"out of range"});
    }
    void truncatedGguf()
    {
        expectFailure(write("short.gguf", m_gguf.left(m_gguf.size() - 100)), 4,
                      {"runs past the end of the file", "blk.4.ffn_norm.weight"});
        expectFailure(write("cut.gguf", m_gguf.left(5000)), 4, {"not a valid GGUF file"});
    }
    void nonFiniteWeights()
    {
        // The first float after llama2.c's 28-byte header is token 0's first embedding value.
        QByteArray nan = m_bin;
        const char quietNan[4] = {0x00, 0x00, char(0xc0), 0x7f};
        nan.replace(28, 4, quietNan, 4);
        expectFailure(write("nan.bin", nan), 4, {"tensor model.embed_tokens.weight holds NaN or infinite values"});
    }
    void badMagic()
    {
        QByteArray bad = m_gguf;
        bad[3] = 'X';
        expectFailure(write("magic.gguf", bad), 4, {"magic is \"GGUX\", expected \"GGUF\""});
    }
    void quantizedTensor()
    {
        // Retype token_embd.weight as Q4_K (12): its info is name, n_dims (u32), 2 dims (u64), type (u32).
        QByteArray q = m_gguf;
        const qsizetype name = q.indexOf("token_embd.weight");
        QVERIFY(name > 0);
        const qsizetype type = name + 17 + 4 + 16;
        QCOMPARE(q.mid(type, 4), QByteArray(4, '\0'));
        q[type] = 12;
        expectFailure(write("q4k.gguf", q), 5, {"token_embd.weight has type Q4_K", "F32, F16, BF16, Q8_0 and Q4_0"});
    }
    void existingOutput()
    {
        const QString out = m_dir.filePath("existing");
        QDir().mkpath(out);
        write("existing/keep.txt", "x");
        const QString src = sharedData("models/stories260K/stories260K.gguf");
        auto r = runCli({"import", "--from", src, "--out", out});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--force"), r.err.constData());
        QVERIFY(QFileInfo::exists(out + "/keep.txt"));
        r = runCli({"import", "--from", src, "--out", out, "--force"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!QFileInfo::exists(out + "/keep.txt"));
        QVERIFY(QFileInfo::exists(out + "/model.safetensors"));
        // An empty folder is fine without --force.
        const QString empty = m_dir.filePath("empty");
        QDir().mkpath(empty);
        r = runCli({"import", "--from", src, "--out", empty});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFileInfo::exists(empty + "/config.json"));
    }
    void missingInputs()
    {
        auto r = runCli({"import", "--from", m_dir.filePath("nope.gguf"), "--out", m_dir.filePath("o1")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("nope.gguf"));
        r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.bin"), "--tokenizer",
                    m_dir.filePath("nope.model"), "--out", m_dir.filePath("o2")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("nope.model"));
        QVERIFY(!QFileInfo::exists(m_dir.filePath("o2")));
    }
};

QTEST_GUILESS_MAIN(TestImportErrors)
#include "TestImportErrors.moc"
