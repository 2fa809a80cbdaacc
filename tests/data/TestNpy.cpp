// .npy files are checked against NumPy itself (Debian's /usr/bin/python3 with python3-numpy): our files must be
// byte-identical to what np.save writes for the same array, and files NumPy writes (v1.0 and v2.0) must read back.
#include "TestSupport.h"

#include "lathe/data/Npy.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace lathe;
using namespace lathe::data;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3");

// Values both sides compute independently: i/4 - 3, with -0, inf, nan and the smallest denormal mixed in.
std::vector<float> sampleValues(std::size_t n)
{
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(i) * 0.25f - 3.0f;
    if (n > 4) {
        v[1] = -0.0f;
        v[2] = std::numeric_limits<float>::infinity();
        v[3] = std::numeric_limits<float>::quiet_NaN();
        v[4] = std::numeric_limits<float>::denorm_min();
    }
    return v;
}

const char* kPythonSample = R"(
import io, sys, numpy as np
def sample(shape):
    n = int(np.prod(shape)) if len(shape) else 1
    v = (np.arange(n, dtype=np.float32) * np.float32(0.25) - np.float32(3)).astype(np.float32)
    if n > 4:
        v[1] = -0.0; v[2] = np.inf; v[3] = np.nan; v[4] = np.float32(1e-45)
    return v.reshape(shape)
)";

test::ProcessResult python(const QString& script, const QStringList& args)
{
    return test::runProcess(kPython,
                            QStringList{QStringLiteral("-c"), QString::fromLatin1(kPythonSample) + script} + args);
}

std::uint32_t bits(float f)
{
    std::uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
}

}  // namespace

class TestNpy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void matchesNumpyBytes_data();
    void matchesNumpyBytes();
    void readsNumpyFiles_data();
    void readsNumpyFiles();
    void rejectsOtherArrays_data();
    void rejectsOtherArrays();
    void rejectsDamagedFiles();
    void hugeHeaderUsesVersion2();
    void writeIsAtomic();

private:
    QTemporaryDir m_dir;
};

void TestNpy::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const auto r =
        test::runProcess(kPython, {QStringLiteral("-c"), QStringLiteral("import numpy; print(numpy.__version__)")});
    QVERIFY2(r.exitCode == 0, "Debian's /usr/bin/python3 with python3-numpy is required (scripts/setup-deps.sh)");
}

void TestNpy::matchesNumpyBytes_data()
{
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<QString>("pyShape");
    QTest::newRow("(3,)") << QList<qint64>{3} << QStringLiteral("(3,)");
    QTest::newRow("(1, 512, 64)") << QList<qint64>{1, 512, 64} << QStringLiteral("(1, 512, 64)");
    QTest::newRow("(2, 3)") << QList<qint64>{2, 3} << QStringLiteral("(2, 3)");
    QTest::newRow("()") << QList<qint64>{} << QStringLiteral("()");
    QTest::newRow("(0,)") << QList<qint64>{0} << QStringLiteral("(0,)");
    QTest::newRow("(1, 37, 288)") << QList<qint64>{1, 37, 288} << QStringLiteral("(1, 37, 288)");
    QTest::newRow("(123456, 1)") << QList<qint64>{123456, 1} << QStringLiteral("(123456, 1)");
    QTest::newRow("9 dims") << QList<qint64>{1, 2, 1, 2, 1, 2, 1, 2, 3}
                            << QStringLiteral("(1, 2, 1, 2, 1, 2, 1, 2, 3)");
}

void TestNpy::matchesNumpyBytes()
{
    QFETCH(QList<qint64>, shape);
    QFETCH(QString, pyShape);
    const std::vector<std::int64_t> dims(shape.begin(), shape.end());
    std::size_t n = 1;
    for (auto d : dims) n *= static_cast<std::size_t>(d);
    const QString path = m_dir.filePath(QStringLiteral("ours.npy"));
    auto written = writeNpy(path.toStdString(), dims, sampleValues(n));
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());

    const auto r = python(QStringLiteral(R"(
a = np.load(sys.argv[1])
want = sample(%1)
assert a.dtype == np.dtype('<f4'), a.dtype
assert a.shape == want.shape, (a.shape, want.shape)
assert a.tobytes() == want.tobytes(), 'values differ'
buf = io.BytesIO(); np.save(buf, want)
ours = open(sys.argv[1], 'rb').read()
assert ours == buf.getvalue(), (ours[:200], buf.getvalue()[:200])
print('ok', ours[6], len(ours))
)")
                              .arg(pyShape),
                          {path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY(r.out.startsWith("ok 1 "));  // format version 1.0

    auto back = readNpy(path.toStdString());
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QCOMPARE(back->shape, dims);
    const auto want = sampleValues(n);
    QCOMPARE(back->data.size(), want.size());
    for (std::size_t i = 0; i < n; ++i) QCOMPARE(bits(back->data[i]), bits(want[i]));
}

void TestNpy::readsNumpyFiles_data()
{
    QTest::addColumn<QString>("pyShape");
    QTest::addColumn<QList<qint64>>("shape");
    QTest::addColumn<int>("version");
    for (int version : {1, 2}) {
        const QByteArray tag = "v" + QByteArray::number(version) + " ";
        QTest::newRow(tag + "(1, 16, 64)") << QStringLiteral("(1, 16, 64)") << QList<qint64>{1, 16, 64} << version;
        QTest::newRow(tag + "(5,)") << QStringLiteral("(5,)") << QList<qint64>{5} << version;
        QTest::newRow(tag + "()") << QStringLiteral("()") << QList<qint64>{} << version;
        QTest::newRow(tag + "(4, 0, 2)") << QStringLiteral("(4, 0, 2)") << QList<qint64>{4, 0, 2} << version;
    }
}

void TestNpy::readsNumpyFiles()
{
    QFETCH(QString, pyShape);
    QFETCH(QList<qint64>, shape);
    QFETCH(int, version);
    const QString path = m_dir.filePath(QStringLiteral("numpy.npy"));
    const auto r = python(QStringLiteral(R"(
with open(sys.argv[1], 'wb') as f:
    np.lib.format.write_array(f, sample(%1), version=(%2, 0))
)")
                              .arg(pyShape)
                              .arg(version),
                          {path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(static_cast<int>(test::readAll(path).at(6)), version);

    auto got = readNpy(path.toStdString());
    QVERIFY2(got.ok(), got.ok() ? "" : got.error().message.c_str());
    const std::vector<std::int64_t> dims(shape.begin(), shape.end());
    QCOMPARE(got->shape, dims);
    std::size_t n = 1;
    for (auto d : dims) n *= static_cast<std::size_t>(d);
    const auto want = sampleValues(n);
    QCOMPARE(got->data.size(), n);
    for (std::size_t i = 0; i < n; ++i) QCOMPARE(bits(got->data[i]), bits(want[i]));
}

void TestNpy::rejectsOtherArrays_data()
{
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QString>("mention");
    QTest::newRow("float64") << QStringLiteral("np.zeros((2, 3), dtype='<f8')") << QStringLiteral("'<f8'");
    QTest::newRow("big-endian") << QStringLiteral("np.zeros((2, 3), dtype='>f4')") << QStringLiteral("'>f4'");
    QTest::newRow("int32") << QStringLiteral("np.zeros((4,), dtype='<i4')") << QStringLiteral("'<i4'");
    QTest::newRow("fortran") << QStringLiteral("np.asfortranarray(np.zeros((2, 3), dtype='<f4'))")
                             << QStringLiteral("Fortran");
}

void TestNpy::rejectsOtherArrays()
{
    QFETCH(QString, expr);
    QFETCH(QString, mention);
    const QString path = m_dir.filePath(QStringLiteral("other.npy"));
    const auto r = python(QStringLiteral("np.save(sys.argv[1], %1)").arg(expr), {path});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    auto got = readNpy(path.toStdString());
    QVERIFY(!got.ok());
    QCOMPARE(got.error().code, ErrorCode::Unsupported);
    QVERIFY2(got.error().message.find(mention.toStdString()) != std::string::npos, got.error().message.c_str());
    QVERIFY(got.error().message.find(path.toStdString()) != std::string::npos);
}

void TestNpy::rejectsDamagedFiles()
{
    const QString good = m_dir.filePath(QStringLiteral("good.npy"));
    QVERIFY(writeNpy(good.toStdString(), std::vector<std::int64_t>{2, 8}, sampleValues(16)).ok());
    const QByteArray bytes = test::readAll(good);
    QCOMPARE(bytes.size(), 128 + 64);

    struct Case {
        const char* name;
        QByteArray content;
        ErrorCode code;
        const char* mention;
    };
    QByteArray badMagic = bytes;
    badMagic[1] = 'X';
    QByteArray version4 = bytes;
    version4[6] = 4;
    QByteArray longHeader = bytes;
    longHeader[8] = static_cast<char>(0xff);
    longHeader[9] = static_cast<char>(0x7f);
    QByteArray badShape = bytes;
    badShape.replace("(2, 8)", "(2, x)");
    QByteArray extraKey = bytes;
    extraKey.replace("}      ", "'a': 1}");  // same length, so the layout stays
    const Case cases[] = {
        {"truncated", bytes.left(bytes.size() - 3), ErrorCode::Corrupt, "truncated"},
        {"extra", bytes + "abcd", ErrorCode::Corrupt, "holds 68"},
        {"magic", badMagic, ErrorCode::Corrupt, "bad magic"},
        {"version", version4, ErrorCode::Unsupported, "version 4.0"},
        {"header length", longHeader, ErrorCode::Corrupt, "header length"},
        {"shape", badShape, ErrorCode::Corrupt, "malformed header"},
        {"extra key", extraKey, ErrorCode::Corrupt, "malformed header"},
        {"empty", QByteArray(), ErrorCode::Corrupt, "bad magic"},
    };
    for (const Case& c : cases) {
        const QString path = m_dir.filePath(QStringLiteral("damaged.npy"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(c.content);
        f.close();
        auto got = readNpy(path.toStdString());
        QVERIFY2(!got.ok(), c.name);
        QVERIFY2(got.error().code == c.code, (std::string(c.name) + ": " + got.error().message).c_str());
        QVERIFY2(got.error().message.find(c.mention) != std::string::npos, got.error().message.c_str());
    }
    auto missing = readNpy(m_dir.filePath(QStringLiteral("missing.npy")).toStdString());
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
}

void TestNpy::hugeHeaderUsesVersion2()
{
    // NumPy itself caps arrays at 32 dimensions, so only a shape this long needs the 4-byte header length.
    const std::vector<std::int64_t> dims(30000, 1);
    const QString path = m_dir.filePath(QStringLiteral("v2.npy"));
    QVERIFY(writeNpy(path.toStdString(), dims, std::vector<float>{1.5f}).ok());
    const QByteArray b = test::readAll(path);
    QCOMPARE(static_cast<int>(b[6]), 2);
    QCOMPARE(static_cast<int>(b[7]), 0);
    const std::uint32_t headerLen = static_cast<std::uint8_t>(b[8]) | static_cast<std::uint8_t>(b[9]) << 8 |
                                    static_cast<std::uint8_t>(b[10]) << 16 |
                                    static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[11])) << 24;
    QVERIFY(headerLen > 65535);
    QCOMPARE((12 + headerLen) % 64, 0u);
    QCOMPARE(b[12 + headerLen - 1], '\n');
    QCOMPARE(b.size(), static_cast<qsizetype>(12 + headerLen + 4));
    auto back = readNpy(path.toStdString());
    QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
    QCOMPARE(back->shape, dims);
    QCOMPARE(back->data, std::vector<float>{1.5f});
}

void TestNpy::writeIsAtomic()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("inputs_embeds_0.npy"));
    auto bad = writeNpy(path.toStdString(), std::vector<std::int64_t>{2, 2}, sampleValues(3));
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QVERIFY(!QFile::exists(path));
    QVERIFY(writeNpy(path.toStdString(), std::vector<std::int64_t>{1, 4, 2}, sampleValues(8)).ok());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("inputs_embeds_0.npy")});
    auto noDir = writeNpy(dir.filePath(QStringLiteral("missing/x.npy")).toStdString(), std::vector<std::int64_t>{1},
                          sampleValues(1));
    QVERIFY(!noDir.ok());
    QVERIFY(noDir.error().message.find("missing") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestNpy)
#include "TestNpy.moc"
