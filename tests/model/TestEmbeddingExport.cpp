#include "TestSupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

// embedding.pt must be what Python's torch.load reads: Debian's python3-torch loads it and prints dtype,
// shape and the sha256 of the float32 bytes, compared with the embedding rows read straight from the
// llama2.c checkpoint.
class TestEmbeddingExport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;

    static QByteArray pythonSummary(const QString& ptFile)
    {
        const QString script = QStringLiteral(
            "import hashlib, sys, torch\n"
            "t = torch.load(sys.argv[1])\n"
            "print(t.dtype, list(t.shape), hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest())\n");
        const auto r = runProcess(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), script, ptFile});
        if (r.exitCode != 0) qWarning("%s", r.err.constData());
        return r.out.trimmed();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_model = m_dir.filePath("stories260K");
        const auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--out", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }
    void pythonLoadsEveryValue_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::newRow("underscores") << QStringList{"--repo_id", "%M", "--embedding", "%O"};
        QTest::newRow("dashes") << QStringList{"--repo-id", "%M", "--embedding-path", "%O", "--revision", "main"};
        QTest::newRow("embedding_path") << QStringList{"--repo_id", "%M", "--embedding_path", "%O"};
    }
    void pythonLoadsEveryValue()
    {
        QFETCH(QStringList, flags);
        const QString out = m_dir.filePath(QStringLiteral("sub/%1/embedding.pt").arg(QTest::currentDataTag()));
        QStringList args{"download-model"};
        for (QString f : flags) args << f.replace("%M", m_model).replace("%O", out);
        const auto r = runCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo::exists(out));
        QCOMPARE(QDir(QFileInfo(out).path()).entryList(QDir::Files).size(), 1);  // no temporary left

        const QByteArray raw = readAll(sharedData("models/stories260K/stories260K.bin"));
        const QByteArray rows = raw.mid(28, 512 * 64 * 4);  // token_embedding follows the 7-int header
        const QByteArray expected =
            "torch.float32 [512, 64] " + QCryptographicHash::hash(rows, QCryptographicHash::Sha256).toHex();
        QCOMPARE(pythonSummary(out), expected);
    }
    void missingFolder()
    {
        // A path that is no folder (and no Org/Name repo id) is reported as not found, naming it.
        const QString out = m_dir.filePath("none.pt");
        const QString missing = m_dir.filePath("no/such/model");
        const auto r = runCli({"download-model", "--repo_id", missing, "--embedding", out});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains(missing.toUtf8()), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestEmbeddingExport)
#include "TestEmbeddingExport.moc"
