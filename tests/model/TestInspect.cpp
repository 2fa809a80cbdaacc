#include "StoriesFixture.h"
#include "StoriesVariant.h"
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
    // The other families, from stories260K's weights: their own layer tensors, in the architecture's order, and the
    // same parameter count for EXAONE 3, whose GPT-2 names are read as Llama's.
    void otherFamilies()
    {
        StoriesFixture stories;
        stories.model = m_model;
        auto inspect = [](const QString& folder) {
            const auto r = runCli({"inspect", "--model_path", folder, "--json"});
            if (r.exitCode != 0) qWarning("%s", r.err.constData());
            return QJsonDocument::fromJson(r.out).object();
        };
        auto layerNames = [](const QJsonObject& j) {
            QStringList names;
            for (const auto& t : j["layer_tensors"].toArray()) names << t.toObject()["name"].toString();
            return names;
        };
        const QJsonObject qwen3 = inspect(storiesQwen3(stories, m_dir.path()));
        QCOMPARE(qwen3["architecture"].toString(), QStringLiteral("Qwen3ForCausalLM"));
        QCOMPARE(qwen3["qk_norm"].toBool(), true);
        QCOMPARE(qwen3["parameters"].toInteger(), qint64(260032 + 5 * 2 * 8));
        QCOMPARE(layerNames(qwen3).mid(0, 6),
                 (QStringList{"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                              "self_attn.v_proj.weight", "self_attn.q_norm.weight", "self_attn.k_norm.weight"}));
        const QJsonObject exaone = inspect(storiesExaone(stories, m_dir.path()));
        QCOMPARE(exaone["architecture"].toString(), QStringLiteral("ExaoneForCausalLM"));
        QCOMPARE(exaone["parameters"].toInteger(), qint64(260032));
        QCOMPARE(layerNames(exaone).size(), 9);
        const QJsonObject exaone4 = inspect(storiesExaone4(stories, m_dir.path(), false));
        QCOMPARE(exaone4["architecture"].toString(), QStringLiteral("Exaone4ForCausalLM"));
        QCOMPARE(exaone4["parameters"].toInteger(), qint64(260032 - 5 * 64 + 5 * (2 * 8 + 64)));
        QCOMPARE(layerNames(exaone4).first(), QStringLiteral("self_attn.q_proj.weight"));
        QCOMPARE(layerNames(exaone4).last(), QStringLiteral("post_feedforward_layernorm.weight"));
        QVERIFY(!layerNames(exaone4).contains("input_layernorm.weight"));
        const auto text = runCli({"inspect", "--model_path", m_dir.filePath("stories-qwen3")});
        QVERIFY(text.out.contains("8 heads, 4 kv heads, head_dim 8, per-head q/k RMSNorm"));
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
