// The R1 rotation file and `lathe rotate-embedding`, cross-checked with Python's torch (Debian's /usr/bin/python3):
// files Lathe writes are read by torch.jit.load / torch.load, files torch writes are read by Lathe, and the rotated
// embedding equals the one torch computes itself, bit for bit.
#include "TestSupport.h"
#include "lathe/export/Rotation.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTest>

#include <cmath>
#include <cstring>
#include <random>

using namespace lathe;
using namespace lathe::test;

namespace {

// A seeded random orthogonal matrix (Gram-Schmidt on normal rows), row-major.
std::vector<double> randomOrthogonal(int n, unsigned seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> m(size_t(n) * n);
    for (double& v : m) v = normal(rng);
    for (int i = 0; i < n; ++i) {
        double* row = &m[size_t(i) * n];
        for (int j = 0; j < i; ++j) {
            const double* prev = &m[size_t(j) * n];
            double dot = 0;
            for (int k = 0; k < n; ++k) dot += row[k] * prev[k];
            for (int k = 0; k < n; ++k) row[k] -= dot * prev[k];
        }
        double norm = 0;
        for (int k = 0; k < n; ++k) norm += row[k] * row[k];
        norm = std::sqrt(norm);
        for (int k = 0; k < n; ++k) row[k] /= norm;
    }
    return m;
}

// Runs `code` as a script file: torch.jit.script reads the module's source, which `python3 -c` has not.
ProcessResult python(const QString& code)
{
    QTemporaryFile script(QDir::tempPath() + QStringLiteral("/lathe-rotation-XXXXXX.py"));
    if (!script.open()) return {};
    script.write(code.toUtf8());
    script.flush();
    return runProcess(QStringLiteral("/usr/bin/python3"), {script.fileName()}, {}, 120000);
}

QString pythonError(const ProcessResult& r)
{
    return QStringLiteral("python failed (%1): %2").arg(r.exitCode).arg(QString::fromUtf8(r.err + r.out));
}

QStringList filesIn(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

}  // namespace

class TestRotationInterop : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void pythonReadsWhatLatheWrote()
    {
        const int n = 16;
        const std::vector<double> r = randomOrthogonal(n, 11);
        const QString path = m_dir.filePath(QStringLiteral("spinWeight/m/R1/global_rotation.pth"));
        auto written = exports::writeRotationFile(path.toStdString(), r, n);
        QVERIFY2(written, written ? "" : written.error().message.c_str());
        QCOMPARE(filesIn(QFileInfo(path).path()), QStringList{QStringLiteral("global_rotation.pth")});
        const ProcessResult p = python(QStringLiteral("import torch\nm = torch.jit.load('%1')\nw = next(m.parameters())\n"
                                                      "print(w.dtype, list(w.shape), w.requires_grad)\n"
                                                      "print(w.detach().numpy().tobytes().hex())\n")
                                           .arg(path));
        QVERIFY2(p.exitCode == 0 && !p.crashed, qPrintable(pythonError(p)));
        const QList<QByteArray> lines = p.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], QByteArray("torch.float64 [16, 16] False"));
        const QByteArray expected =
            QByteArray(reinterpret_cast<const char*>(r.data()), int(r.size() * sizeof(double))).toHex();
        QCOMPARE(lines[1], expected);

        // And Lathe reads its own file back unchanged.
        auto read = exports::readRotationFile(path.toStdString());
        QVERIFY2(read, read ? "" : read.error().message.c_str());
        QCOMPARE(read->size, n);
        QCOMPARE(read->storedDtype, std::string("float64"));
        QVERIFY(read->values == r);
    }

    void latheReadsWhatPythonWrote_data()
    {
        QTest::addColumn<QString>("save");
        QTest::addColumn<QString>("dtype");
        const QString module = QStringLiteral(
            "class M(torch.nn.Module):\n"
            "    def __init__(self, r):\n        super().__init__()\n        self.%1 = torch.nn.Parameter(r)\n"
            "    def forward(self, x):\n        return x @ self.%1\n");
        QTest::newRow("jit float32 weight")
            << module.arg(QStringLiteral("weight")) + QStringLiteral("torch.jit.save(torch.jit.script(M(r)), p)\n")
            << "float32";
        QTest::newRow("jit float64 other name")
            << module.arg(QStringLiteral("rotation")) +
                   QStringLiteral("torch.jit.save(torch.jit.script(M(r.double())), p)\n")
            << "float64";
        QTest::newRow("torch.save tensor") << QStringLiteral("torch.save(r, p)\n") << "float32";
        QTest::newRow("torch.save parameter") << QStringLiteral("torch.save(torch.nn.Parameter(r.double()), p)\n")
                                              << "float64";
    }
    void latheReadsWhatPythonWrote()
    {
        QFETCH(QString, save);
        QFETCH(QString, dtype);
        const QString name = QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_');
        const QString path = m_dir.filePath(name + QStringLiteral(".pth"));
        const ProcessResult p = python(
            QStringLiteral("import torch\ntorch.manual_seed(5)\nr, _ = torch.linalg.qr(torch.randn(12, 12))\n"
                           "p = '%1'\n%2print(r.double().numpy().tobytes().hex())\n")
                .arg(path, save));
        QVERIFY2(p.exitCode == 0 && !p.crashed, qPrintable(pythonError(p)));
        auto read = exports::readRotationFile(path.toStdString());
        QVERIFY2(read, read ? "" : read.error().message.c_str());
        QCOMPARE(read->size, 12);
        QCOMPARE(QString::fromStdString(read->storedDtype), dtype);
        const QByteArray got =
            QByteArray(reinterpret_cast<const char*>(read->values.data()), int(read->values.size() * 8)).toHex();
        QCOMPARE(got, p.out.trimmed());
    }

    void rotatedEmbeddingMatchesTorch_data()
    {
        QTest::addColumn<QString>("embedding");
        QTest::addColumn<QString>("rotation");
        QTest::addColumn<bool>("dashes");
        const QString jit = QStringLiteral(
            "class M(torch.nn.Module):\n"
            "    def __init__(self, r):\n        super().__init__()\n        self.weight = torch.nn.Parameter(r)\n"
            "    def forward(self, x):\n        return x @ self.weight\n"
            "torch.jit.save(torch.jit.script(M(r)), rp)\n");
        QTest::newRow("float32 + jit float32") << "e" << jit << false;
        QTest::newRow("bfloat16 + jit float32") << "e.bfloat16()" << jit << true;
        QTest::newRow("float16 + jit float64") << "e.half()" << QString(jit).replace("M(r)", "M(r.double())") << false;
        QTest::newRow("parameter + lathe") << "torch.nn.Parameter(e)" << QStringLiteral("lathe") << false;
    }
    void rotatedEmbeddingMatchesTorch()
    {
        QFETCH(QString, embedding);
        QFETCH(QString, rotation);
        QFETCH(bool, dashes);
        const QString name = QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_').replace('+', 'x');
        const QString ep = m_dir.filePath(name + QStringLiteral("_emb.pt"));
        const QString rp = m_dir.filePath(name + QStringLiteral("_rot.pth"));
        const QString op = m_dir.filePath(name + QStringLiteral("_out/emb_rot.pt"));
        // Large enough that a float32 product rounds some values to other bfloat16 values than the float64 one.
        const int vocab = 200, hidden = 256;
        if (rotation == QStringLiteral("lathe")) {
            auto written = exports::writeRotationFile(rp.toStdString(), randomOrthogonal(hidden, 3), hidden);
            QVERIFY2(written, written ? "" : written.error().message.c_str());
            rotation.clear();
        }
        ProcessResult p = python(QStringLiteral("import torch\ntorch.manual_seed(9)\ne = torch.randn(%1, %2) * 0.05\n"
                                                "r, _ = torch.linalg.qr(torch.randn(%2, %2))\nrp = '%3'\n"
                                                "torch.save(%4, '%5')\n%6")
                                     .arg(vocab)
                                     .arg(hidden)
                                     .arg(rp, embedding, ep, rotation));
        QVERIFY2(p.exitCode == 0 && !p.crashed, qPrintable(pythonError(p)));

        const QStringList args =
            dashes ? QStringList{"rotate-embedding", "--embedding-path", ep, "--rotation-matrix-path", rp,
                                 "--output-path", op}
                   : QStringList{"rotate-embedding", "--embedding_path", ep, "--rotation_matrix_path", rp,
                                 "--output_path", op};
        const ProcessResult cli = runCli(args);
        QVERIFY2(cli.exitCode == 0 && !cli.crashed, cli.err.constData());
        QCOMPARE(filesIn(QFileInfo(op).path()), QStringList{QStringLiteral("emb_rot.pt")});

        // torch computes the rotation itself, exactly as rotate_embedding.py does, from the same two files.
        p = python(QStringLiteral("import torch\nemb = torch.load('%1')\nR1 = next(torch.jit.load('%2').parameters())\n"
                                  "want = (emb.double() @ R1.double()).bfloat16()\ngot = torch.load('%3')\n"
                                  "print(got.dtype, list(got.shape), torch.equal(got, want), "
                                  "bool((want.float() != 0).any()))\n")
                       .arg(ep, rp, op));
        QVERIFY2(p.exitCode == 0 && !p.crashed, qPrintable(pythonError(p)));
        QCOMPARE(p.out.trimmed(), QByteArray("torch.bfloat16 [200, 256] True True"));
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<QString>("embedding");  // Python expression saved with torch.save, or raw bytes
        QTest::addColumn<QString>("rotation");
        QTest::addColumn<QString>("message");
        QTest::newRow("hidden mismatch") << "torch.randn(5, 8)" << "torch.jit.save(torch.jit.script(M(torch.eye(6))), rp)"
                                         << "has hidden size 8 but the rotation";
        QTest::newRow("non-square") << "torch.randn(5, 6)" << "torch.save(torch.randn(6, 4), rp)"
                                    << "a square [n, n] matrix is needed";
        QTest::newRow("garbage rotation") << "torch.randn(5, 6)" << "open(rp, 'wb').write(b'PK\\x03\\x04 not a zip' * 40)"
                                          << "is neither a TorchScript archive";
        QTest::newRow("garbage embedding") << "garbage" << "torch.jit.save(torch.jit.script(M(torch.eye(6))), rp)"
                                           << "pass the embedding.pt";
        QTest::newRow("1-D embedding") << "torch.randn(6)" << "torch.jit.save(torch.jit.script(M(torch.eye(6))), rp)"
                                       << "a [vocab, hidden] matrix is needed";
        QTest::newRow("missing rotation") << "torch.randn(5, 6)" << "" << "does not exist";
    }
    void rejectsBadInput()
    {
        QFETCH(QString, embedding);
        QFETCH(QString, rotation);
        QFETCH(QString, message);
        const QString name = QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_');
        QTemporaryDir dir;
        const QString ep = dir.filePath(QStringLiteral("emb.pt")), rp = dir.filePath(QStringLiteral("rot.pth"));
        const QString out = dir.filePath(QStringLiteral("out"));
        QVERIFY(QDir().mkpath(out));
        const QString saveEmbedding = embedding == QStringLiteral("garbage")
                                          ? QStringLiteral("open('%1', 'wb').write(bytes(range(256)) * 8)\n").arg(ep)
                                          : QStringLiteral("torch.save(%1, '%2')\n").arg(embedding, ep);
        const ProcessResult p = python(
            QStringLiteral("import torch\nclass M(torch.nn.Module):\n"
                           "    def __init__(self, r):\n        super().__init__()\n"
                           "        self.weight = torch.nn.Parameter(r)\n"
                           "    def forward(self, x):\n        return x @ self.weight\n"
                           "rp = '%1'\n%2%3\n")
                .arg(rp, saveEmbedding, rotation));
        QVERIFY2(p.exitCode == 0 && !p.crashed, qPrintable(pythonError(p)));
        const ProcessResult cli = runCli({"rotate-embedding", "--embedding_path", ep, "--rotation_matrix_path", rp,
                                          "--output_path", out + QStringLiteral("/emb_rot.pt")});
        QVERIFY2(!cli.crashed, qPrintable(name));
        QVERIFY2(cli.exitCode != 0, cli.err.constData());
        QVERIFY2(cli.err.contains(message.toUtf8()), cli.err.constData());
        QVERIFY2(cli.err.startsWith("lathe: error: "), cli.err.constData());
        QCOMPARE(filesIn(out), QStringList());
    }

    void rejectsBadMatrixWhenWriting()
    {
        const QString path = m_dir.filePath(QStringLiteral("bad/global_rotation.pth"));
        auto wrongCount = exports::writeRotationFile(path.toStdString(), std::vector<double>(15, 0.0), 4);
        QVERIFY(!wrongCount);
        QCOMPARE(wrongCount.error().code, ErrorCode::InvalidArgument);
        QVERIFY(QString::fromStdString(wrongCount.error().message).contains("needs 16 values, got 15"));
        std::vector<double> nan(4, 1.0);
        nan[2] = std::nan("");
        auto nonFinite = exports::writeRotationFile(path.toStdString(), nan, 2);
        QVERIFY(!nonFinite);
        QCOMPARE(nonFinite.error().code, ErrorCode::InvalidArgument);
        QVERIFY(!QFileInfo::exists(path));
    }
};

QTEST_GUILESS_MAIN(TestRotationInterop)
#include "TestRotationInterop.moc"
