// Reading embedding.pt files that Python's torch.save wrote (tensor, nn.Parameter, state-dict style; float32,
// bfloat16, float16), compared with the float32 values Python itself converts them to.
#include "CalibTestSupport.h"
#include "TestSupport.h"
#include "export/EmbeddingTable.h"
#include "lathe/data/Npy.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

class TestCalibEmbedding : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    // Saves `expr` (a Python expression over `e`, a seeded [6, 4] float32 tensor) with torch.save, and the
    // float32 values of the tensor it holds as .npy.
    QString save(const QString& name, const QString& expr, const QString& tensorExpr)
    {
        const QString pt = m_dir.filePath(name + ".pt"), npy = m_dir.filePath(name + ".npy");
        return runPython(QStringLiteral("import torch, numpy\ntorch.manual_seed(3)\ne = torch.randn(6, 4)\n"
                                        "obj = %1\ntorch.save(obj, '%2')\n"
                                        "numpy.save('%3', numpy.ascontiguousarray((%4).detach().float().numpy()))\n")
                             .arg(expr, pt, npy, tensorExpr));
    }

private Q_SLOTS:
    void loadsWhatPythonWrote_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("dtype");
        QTest::newRow("float32") << "e" << "obj" << "float32";
        QTest::newRow("bfloat16") << "e.bfloat16()" << "obj" << "bfloat16";
        QTest::newRow("float16") << "e.half()" << "obj" << "float16";
        QTest::newRow("parameter") << "torch.nn.Embedding(6, 4).weight" << "obj" << "float32";
        QTest::newRow("state dict") << "{'weight': e.bfloat16()}" << "obj['weight']" << "bfloat16";
        QTest::newRow("non-contiguous") << "e.t().contiguous().t()" << "obj" << "float32";
    }
    void loadsWhatPythonWrote()
    {
        QFETCH(QString, expr);
        QFETCH(QString, tensor);
        QFETCH(QString, dtype);
        const QString name = QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_');
        const QString err = save(name, expr, tensor);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        auto table = exports::EmbeddingTable::load(m_dir.filePath(name + ".pt").toStdString());
        QVERIFY2(table, table ? "" : table.error().message.c_str());
        QCOMPARE(table->vocabSize(), 6);
        QCOMPARE(table->hiddenSize(), 4);
        QCOMPARE(QString::fromStdString(table->storedDtype()), dtype);
        auto reference = data::readNpy(m_dir.filePath(name + ".npy").toStdString());
        QVERIFY(reference);
        const std::int32_t ids[] = {5, 0, 3, 3};
        const std::vector<float> rows = table->lookup(ids);
        QCOMPARE(rows.size(), size_t(16));
        for (int i = 0; i < 4; ++i)
            for (int h = 0; h < 4; ++h) QCOMPARE(rows[i * 4 + h], reference->data[ids[i] * 4 + h]);
    }

    void rejectsWhatIsNotAnEmbedding_data()
    {
        QTest::addColumn<QString>("expr");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("1-D") << "e[0]" << int(ErrorCode::Unsupported) << "1 dimensions";
        QTest::newRow("int64") << "e.long()" << int(ErrorCode::Unsupported) << "int64";
        QTest::newRow("no tensor") << "{'a': 1}" << int(ErrorCode::Corrupt) << "holds no tensor";
        QTest::newRow("empty") << "torch.zeros(0, 4)" << int(ErrorCode::Corrupt) << "empty";
    }
    void rejectsWhatIsNotAnEmbedding()
    {
        QFETCH(QString, expr);
        QFETCH(int, code);
        QFETCH(QString, message);
        const QString name = "bad_" + QString::fromLatin1(QTest::currentDataTag()).replace(' ', '_');
        const QString pt = m_dir.filePath(name + ".pt");
        const QString err = runPython(QStringLiteral("import torch\ntorch.manual_seed(3)\ne = torch.randn(6, 4)\n"
                                                     "torch.save(%1, '%2')\n").arg(expr, pt));
        QVERIFY2(err.isEmpty(), qPrintable(err));
        auto table = exports::EmbeddingTable::load(pt.toStdString());
        QVERIFY(!table);
        QCOMPARE(int(table.error().code), code);
        QVERIFY2(QString::fromStdString(table.error().message).contains(message), table.error().message.c_str());
        QVERIFY(QString::fromStdString(table.error().message).contains(pt));
    }

    void rejectsMissingAndGarbageFiles()
    {
        auto missing = exports::EmbeddingTable::load(m_dir.filePath("nope.pt").toStdString());
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
        const QString garbage = m_dir.filePath("garbage.pt");
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("PK\x03\x04 this is not a torch file at all");
        f.close();
        auto bad = exports::EmbeddingTable::load(garbage.toStdString());
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, ErrorCode::Corrupt);
        QVERIFY(QString::fromStdString(bad.error().message).contains("torch.save"));
    }
};

QTEST_GUILESS_MAIN(TestCalibEmbedding)
#include "TestCalibEmbedding.moc"
