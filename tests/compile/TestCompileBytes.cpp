// The compiled container and report of stories260K stay byte for byte what the compiler wrote before the
// quantization rules got one owner (lathe/quant/QuantPlan.h) and the container one encoding of a linear
// (compiled::encodeLinear): any change to the bits, the tensors, their order or the metadata shows here.
//
// The digests below were recorded with the `lathe` built from the tree before that refactor (commit fdcddf6),
// running the same steps and flags; LATHE_PIN_CLI=<a lathe executable> makes this test print what that
// executable writes instead of checking it. Every step
// runs in the temporary folder with relative paths, so the container's provenance (which names the model path)
// does not depend on where the folder is.
//
// The float arithmetic comes from OpenBLAS, whose kernels depend on the processor: the digests were recorded on an
// AMD EPYC with AVX-512, where the old and the new compiler agree bit for bit. On a processor whose kernels round
// differently the compiled bytes differ for the old compiler too; record the digests there again by building `lathe`
// at fdcddf6 and running this test with LATHE_PIN_CLI pointing at it.
#include "TestSupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

namespace {

struct Pinned {
    const char* name;
    QStringList flags;  // besides the model, samples, save path and threads
    const char* container;
    const char* report;
};

// stories260K, 8 calibration samples of 32..128 tokens from the first 40 TinyStories stories, one thread.
const QList<Pinned>& pinned()
{
    static const QList<Pinned> all = {
        {"w8",
         {"--bit", "w8"},
         "15ddc70e368e94c8b6d6586cc631b53944fa42fd79994a1cf212202541f26b46",
         "7dfc7b011294d6ba79c7a7250de3318f69687951547d661ddb19ac290209bfb1"},
        // Groups of 32 leave down_proj's 172 inputs a narrower last group: format version 2.
        {"w4v8-g32",
         {"--bit", "w4v8", "--group-size", "32"},
         "7dec8048a28b5555632431944568a5f9350e512d718ef41c2f0511a31e055f18",
         "65fbfbaca9c0a72f6367e0cbf6d2d4702a4cb14837c7812b0d70de4740755ae9"},
        // Every other spelling a compile writes: RTN, mse, no rotation, a group override, 16-bit activations.
        {"w4-rtn",
         {"--bit", "w4", "--weight-method", "rtn", "--act-method", "mse", "--rotation", "off", "--group-bits", "ffn=6",
          "--keep-16bit-act", "lm_head"},
         "2fa8e7639d71ed96facd0f994d13483863cc762ee13a35b7e16c0f1ce21f1d74",
         "b25a6df924a561e3ce2305a690b33f1840c53137b6693c47b43b8711eb4b563f"},
    };
    return all;
}

QString sha256(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("(cannot read %1)").arg(path);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return QString::fromLatin1(hash.result().toHex());
}

}  // namespace

class TestCompileBytes : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_cli;
    bool m_recording = false;

    ProcessResult lathe(const QStringList& args) { return runProcess(m_cli, args, {}, 300000, m_dir.path()); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_cli = qEnvironmentVariable("LATHE_PIN_CLI");
        m_recording = !m_cli.isEmpty();
        if (!m_recording) m_cli = cliPath();

        auto r = lathe({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                        sharedData("models/stories260K/tok512.model"), "--out", "stories260K"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = lathe({"download-model", "--repo_id", "stories260K", "--embedding", "embedding.pt"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString text = QString::fromUtf8(readAll(sharedData("text/tinystories/TinyStories-train_head2MiB.txt")));
        QStringList stories = text.split("\n<|endoftext|>\n", Qt::SkipEmptyParts).mid(0, 40);
        for (QString& s : stories) s = s.trimmed();
        QFile corpus(m_dir.filePath("stories.txt"));
        QVERIFY(corpus.open(QIODevice::WriteOnly));
        corpus.write(stories.join("\n\n").toUtf8() + "\n");
        corpus.close();
        r = lathe({"generate-calib", "--model_tag", "stories260K", "--embedding_path", "embedding.pt",
                   "--tokenizer_path", "stories260K", "--output_dir", "calib", "--min_seqlen", "32", "--max_seqlen",
                   "128", "--max_calib", "8", "--text-file", "stories.txt"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFile::exists(m_dir.filePath("calib/datas/stories260K/en/inputs_embeds_7.npy")));
    }

    void containerAndReportAreUnchanged_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < pinned().size(); ++i) QTest::newRow(pinned()[i].name) << i;
    }
    void containerAndReportAreUnchanged()
    {
        QFETCH(int, index);
        const Pinned& p = pinned()[index];
        const QString save = QStringLiteral("%1/model.lathe").arg(QLatin1String(p.name));
        auto r = lathe(QStringList{"compile", "--model_path", "stories260K", "--calib_data_path", "calib/datas",
                                   "--save_path", save, "--threads", "1"} +
                       p.flags);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString container = sha256(m_dir.filePath(save));
        const QString report = sha256(m_dir.filePath(save + ".report.json"));
        if (m_recording) {
            qInfo("%s: container %s report %s", p.name, qPrintable(container), qPrintable(report));
            return;
        }
        QCOMPARE(container, QString::fromLatin1(p.container));
        QCOMPARE(report, QString::fromLatin1(p.report));
    }
};

QTEST_GUILESS_MAIN(TestCompileBytes)
#include "TestCompileBytes.moc"
