#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace lathe::test;

class TestInspect : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_model;

private Q_SLOTS:
    void initTestCase()
    {
        m_model = m_dir.filePath("stories260K");
        const auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.bin"), "--tokenizer",
                               sharedData("models/stories260K/tok512.model"), "--out", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }
    void exactParameterCount()
    {
        // From the llama2.c header: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab (>0: tied), seq_len.
        const QByteArray raw = readAll(sharedData("models/stories260K/stories260K.bin"));
        int32_t h[7];
        std::memcpy(h, raw.constData(), sizeof h);
        const qint64 dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kv = h[4], vocab = std::abs(h[5]);
        const qint64 kvDim = dim / heads * kv;
        const qint64 perLayer = dim /*attn norm*/ + dim * dim /*q*/ + 2 * kvDim * dim /*k, v*/ + dim * dim /*o*/ +
                                dim /*ffn norm*/ + 3 * hidden * dim /*gate, up, down*/;
        const qint64 expected = vocab * dim + layers * perLayer + dim + (h[5] < 0 ? vocab * dim : 0);
        QCOMPARE(expected, qint64(260032));

        const auto r = runCli({"inspect", "--model_path", m_model, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["parameters"].toInteger(), expected);
        QCOMPARE(j["bytes"].toInteger(), expected * 4);
        QCOMPARE(j["dtypes"].toObject()["F32"].toObject()["tensors"].toInt(), 47);
        QCOMPARE(j["dtypes"].toObject()["F32"].toObject()["parameters"].toInteger(), expected);
        QCOMPARE(j["architecture"].toString(), QStringLiteral("LlamaForCausalLM"));
        QCOMPARE(j["tie_word_embeddings"].toBool(), true);
        QCOMPARE(j["num_layers"].toInt(), 5);
        QCOMPARE(j["num_heads"].toInt(), 8);
        QCOMPARE(j["num_kv_heads"].toInt(), 4);
        QCOMPARE(j["head_dim"].toInt(), 8);
        QCOMPARE(j["vocab_size"].toInt(), 512);
        QCOMPARE(j["max_position_embeddings"].toInt(), 512);
        QCOMPARE(j["rope_theta"].toDouble(), 10000.0);
        QVERIFY(j["rope_scaling"].isNull());
        const QJsonArray layer = j["layer_tensors"].toArray();
        QCOMPARE(layer.size(), 9);
        QCOMPARE(layer[1].toObject()["name"].toString(), QStringLiteral("self_attn.q_proj.weight"));
        QCOMPARE(layer[2].toObject()["shape"].toArray(), (QJsonArray{32, 64}));
        QCOMPARE(j["other_tensors"].toArray().size(), 2);
    }
    void textReport()
    {
        const auto r = runCli({"inspect", "--model-path", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString out = QString::fromUtf8(r.out);
        for (const QString& needle :
             {QStringLiteral("LlamaForCausalLM"), QStringLiteral("260,032"), QStringLiteral("tied"),
              QStringLiteral("8 heads, 4 kv heads, head_dim 8"), QStringLiteral("theta 10000, no scaling"),
              QStringLiteral("× 5 layers"), QStringLiteral("mlp.down_proj.weight  F32 [64, 172]"),
              QStringLiteral("F32 47 tensors")})
            QVERIFY2(out.contains(needle), qPrintable(needle + QStringLiteral(" not in:\n") + out));
    }
    void badFolder()
    {
        const auto r = runCli({"inspect", "--model_path", m_dir.filePath("missing")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY(r.err.contains("config.json"));
    }
};

QTEST_GUILESS_MAIN(TestInspect)
#include "TestInspect.moc"
