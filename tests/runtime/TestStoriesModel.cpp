// The float reference model end to end through the CLI on karpathy's stories260K (imported from GGUF).
#include "TestSupport.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

class TestStoriesModel : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model;

    static double field(const QByteArray& out, const QString& name)
    {
        const auto m = QRegularExpression("^" + name + ": ([0-9.]+)", QRegularExpression::MultilineOption)
                           .match(QString::fromUtf8(out));
        return m.hasMatch() ? m.captured(1).toDouble() : -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath("stories260K");
        const auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                               sharedData("models/stories260K/tok512.model"), "--out", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void perplexityAnchor()
    {
        // docs/runtime.md: the 1,000 "<|endoftext|>" separator lines removed, the rest tokenized once
        // without specials, windows of BOS + 255 tokens, tail dropped.
        const auto r = runCli({"eval", "--model_path", m_model, "--text-file",
                               sharedData("text/tinystories/tinystories_validation_first1000.txt"), "--ctx", "256",
                               "--drop-line", "<|endoftext|>", "--threads", "1"},
                              {}, 1200000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        qInfo("%s", r.out.constData());
        QCOMPARE(field(r.out, "dropped lines"), 1000.0);
        QCOMPARE(field(r.out, "text tokens"), 392012.0);
        QCOMPARE(field(r.out, "windows"), 1537.0);
        QCOMPARE(field(r.out, "scored tokens"), 1537.0 * 255);
        QVERIFY(r.out.contains("bos prepended: yes"));
        const double ppl = field(r.out, "perplexity");
        QVERIFY2(std::abs(ppl - 5.597) <= 0.002, qPrintable(QString::number(ppl, 'f', 4)));
    }

    void greedyContinuation()
    {
        const auto r = runCli({"generate", "--model-path", m_model, "--prompt", "Once upon a time",
                               "--max-new-tokens", "60", "--greedy"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.startsWith(", there was a little girl named Lily. She loved to play outside in the park."),
                 r.out.constData());
        QVERIFY(r.err.contains("60 generated (max new tokens)"));
    }

    void samplingIsDeterministicPerSeed()
    {
        auto sample = [this](const QString& seed) {
            const auto r = runCli({"generate", "--model_path", m_model, "--prompt", "Once upon a time",
                                   "--max_new_tokens", "40", "--temperature", "1.0", "--top_p", "0.9", "--seed", seed});
            if (r.exitCode != 0) qWarning("%s", r.err.constData());
            return r.out;
        };
        const auto a = sample("7"), b = sample("7"), c = sample("8");
        QVERIFY(!a.isEmpty());
        QCOMPARE(a, b);
        QVERIFY(a != c);
    }

    void badInputIsReported()
    {
        auto r = runCli({"eval", "--model-path", m_dir.filePath("missing"), "--text-file",
                         sharedData("text/tinystories/tinystories_validation_first1000.txt")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("model directory") && r.err.contains("missing"));
        r = runCli({"eval", "--model-path", m_model, "--text-file",
                    sharedData("text/tinystories/tinystories_validation_first1000.txt"), "--ctx", "4096"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("exceeds the model's max_position_embeddings"));
        r = runCli({"generate", "--model-path", m_model, "--prompt", "x", "--greedy", "--seed", "3"});
        QVERIFY(r.exitCode != 0);
    }
};

QTEST_GUILESS_MAIN(TestStoriesModel)
#include "TestStoriesModel.moc"
