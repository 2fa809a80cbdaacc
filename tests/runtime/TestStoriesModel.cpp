// The float reference model end to end through the CLI on karpathy's stories260K (imported from GGUF).
#include "TestSupport.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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

    // --chat renders the conversation with the template and encodes it without added special tokens: the prompt
    // token counts match `lathe chat-template` + `lathe tokenize --no-special` on the same conversation, turn by turn.
    void chatRendersEveryTurn()
    {
        const QString tmpl = m_dir.filePath("chat.jinja");
        QFile f(tmpl);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% else %} {{ m.content | trim }}. "
            "{% endif %}{% endfor %}");
        f.close();
        const auto r = runProcess("sh", {"-c", QString("printf 'Once upon a time\\nThe dog' | '%1' generate --chat "
                                                       "--chat-template '%2' --model-path '%3' --max-new-tokens 12")
                                                   .arg(cliPath(), tmpl, m_model)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QList<QByteArray> replies = r.out.split('\n');
        QCOMPARE(replies.size(), 3);  // two replies, each ended by a newline
        QVERIFY(replies[0].startsWith(", there was a little girl named Lily."));
        const auto stats =
            QRegularExpression("(\\d+) prompt tokens, 12 generated").globalMatch(QString::fromUtf8(r.err));
        QList<int> promptTokens;
        for (auto it = stats; it.hasNext();) promptTokens << it.next().captured(1).toInt();
        QCOMPARE(promptTokens.size(), 2);
        QCOMPARE(promptTokens[0], 4);  // "Once upon a time" without BOS: 403 407 261 378

        QJsonArray messages{QJsonObject{{"role", "user"}, {"content", "Once upon a time"}},
                            QJsonObject{{"role", "assistant"}, {"content", QString::fromUtf8(replies[0])}},
                            QJsonObject{{"role", "user"}, {"content", "The dog"}}};
        const QString messagesFile = m_dir.filePath("messages.json");
        QFile m(messagesFile);
        QVERIFY(m.open(QIODevice::WriteOnly));
        m.write(QJsonDocument(messages).toJson());
        m.close();
        const auto rendered =
            runCli({"chat-template", "--chat-template", tmpl, "--messages", messagesFile, "--add-generation-prompt"});
        QVERIFY2(rendered.exitCode == 0, rendered.err.constData());
        const auto ids =
            runCli({"tokenize", "--tokenizer", m_model, "--no-special", "--text", QString::fromUtf8(rendered.out)});
        QVERIFY2(ids.exitCode == 0, ids.err.constData());
        QCOMPARE(promptTokens[1], int(ids.out.trimmed().split(' ').size()));
    }

    // generation_config.json's eos_token_id ends a reply too (Instruct models list their end-of-turn ids there).
    void generationConfigStopIds()
    {
        const QString copy = m_dir.filePath("stories-stop");
        QVERIFY(runProcess("cp", {"-r", m_model, copy}).exitCode == 0);
        QJsonArray all;
        for (int id = 0; id < 512; ++id) all.append(id);
        QFile f(copy + "/generation_config.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(QJsonObject{{"eos_token_id", all}}).toJson());
        f.close();
        auto r = runCli({"generate", "--model-path", copy, "--prompt", "Once upon a time", "--max-new-tokens", "5"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("0 generated (end of sequence)"), r.err.constData());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"eos_token_id": "two"})");
        f.close();
        r = runCli({"generate", "--model-path", copy, "--prompt", "Once upon a time", "--max-new-tokens", "5"});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("generation_config.json: eos_token_id must be a token id"), r.err.constData());
    }

    void chatNeedsATemplate()
    {
        auto r = runCli({"generate", "--chat", "--model-path", m_model, "--prompt", "Hi"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("has no chat template") && r.err.contains("--chat-template"), r.err.constData());
        r = runCli({"generate", "--model-path", m_model, "--prompt", "Hi", "--system", "Be kind."});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("need --chat"), r.err.constData());
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
