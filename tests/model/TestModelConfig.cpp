#include "lathe/model/ModelConfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;

namespace {

const char* kLlama3 = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
  "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
  "head_dim": 64, "vocab_size": 128256, "max_position_embeddings": 131072, "rms_norm_eps": 1e-05,
  "rope_theta": 500000.0, "tie_word_embeddings": true, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "torch_dtype": "bfloat16",
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"}
})";

}  // namespace

class TestModelConfig : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_counter = 0;

    QString write(const QByteArray& json)
    {
        const QString path = m_dir.filePath(QStringLiteral("config%1.json").arg(++m_counter));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(json);
        return path;
    }
    Result<model::ModelConfig> load(const QByteArray& json)
    {
        return model::loadModelConfig(write(json).toStdString());
    }
    static QByteArray llamaWith(const QByteArray& extra)
    {
        QByteArray base = R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 172,
            "num_hidden_layers": 5, "num_attention_heads": 8, "vocab_size": 512)";
        return base + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }
    void expectError(const QByteArray& json, ErrorCode code, const QString& needle)
    {
        auto r = load(json);
        QVERIFY2(!r.ok(), json.constData());
        QCOMPARE(r.error().code, code);
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains(needle), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("config")), qPrintable(message));  // names the file
    }

private Q_SLOTS:
    void llama3WithScaling()
    {
        auto r = load(kLlama3);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const model::ModelConfig& c = *r;
        QCOMPARE(c.architecture, std::string("LlamaForCausalLM"));
        QCOMPARE(c.numKvHeads, 8);
        QCOMPARE(c.headDim, 64);
        QCOMPARE(c.vocabSize, 128256);
        QCOMPARE(c.ropeTheta, 500000.0);
        QCOMPARE(c.rmsNormEps, 1e-5);
        QVERIFY(c.tieWordEmbeddings);
        QVERIFY(!c.attentionBias);
        QVERIFY(c.ropeScaling.has_value());
        QCOMPARE(c.ropeScaling->type, std::string("llama3"));
        QCOMPARE(c.ropeScaling->factor, 32.0);
        QCOMPARE(c.ropeScaling->lowFreqFactor, 1.0);
        QCOMPARE(c.ropeScaling->highFreqFactor, 4.0);
        QCOMPARE(c.ropeScaling->originalMaxPositionEmbeddings, 8192);
        QCOMPARE(c.bosTokenId.value(), 128000);
        QCOMPARE(c.eosTokenIds, (std::vector<int>{128001, 128008, 128009}));
        QCOMPARE(c.torchDtype, std::string("bfloat16"));
    }
    void oldStyleScalingKeyAndNull()
    {
        auto legacy = load(llamaWith(R"("rope_scaling": {"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})"));
        QVERIFY(legacy.ok());
        QCOMPARE(legacy->ropeScaling->factor, 8.0);
        auto none = load(llamaWith(R"("rope_scaling": null)"));
        QVERIFY(none.ok());
        QVERIFY(!none->ropeScaling.has_value());
    }
    void defaults()
    {
        auto r = load(llamaWith(""));
        QVERIFY(r.ok());
        QCOMPARE(r->numKvHeads, 8);  // = heads
        QCOMPARE(r->headDim, 8);     // 64 / 8
        QVERIFY(!r->tieWordEmbeddings);
        QCOMPARE(r->maxPositionEmbeddings, 2048);
        QCOMPARE(r->ropeTheta, 10000.0);
        QVERIFY(!r->bosTokenId.has_value());
    }
    void mistralAndQwen2()
    {
        auto m = load(R"({"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
            "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 32000,
            "sliding_window": 4096, "eos_token_id": 2})");
        QVERIFY(m.ok());
        QCOMPARE(m->modelType, std::string("mistral"));
        QCOMPARE(m->headDim, 128);
        QCOMPARE(m->eosTokenIds, std::vector<int>{2});
        QVERIFY(!m->attentionBias);
        auto q = load(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
            "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
            "tie_word_embeddings": true, "rope_theta": 1000000.0, "max_position_embeddings": 32768})");
        QVERIFY(q.ok());
        QVERIFY(q->attentionBias);
        QVERIFY(q->tieWordEmbeddings);
        QCOMPARE(q->headDim, 64);
        QCOMPARE(q->numKvHeads, 2);
    }
    void roundTrip()
    {
        auto r = load(kLlama3);
        QVERIFY(r.ok());
        auto again = load(QByteArray::fromStdString(modelConfigToJson(*r)));
        QVERIFY2(again.ok(), again.ok() ? "" : again.error().message.c_str());
        QCOMPARE(modelConfigToJson(*again), modelConfigToJson(*r));
        QCOMPARE(again->ropeScaling->factor, 32.0);
        QCOMPARE(again->eosTokenIds.size(), size_t(3));
    }
    void errors()
    {
        expectError(R"({"architectures": ["GPT2LMHeadModel"], "hidden_size": 1})", ErrorCode::Unsupported,
                    QStringLiteral("LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM"));
        expectError(llamaWith(R"("rope_scaling": {"rope_type": "yarn", "factor": 4.0})"), ErrorCode::Unsupported,
                    QStringLiteral("yarn"));
        expectError(llamaWith(R"("num_key_value_heads": 3)"), ErrorCode::Corrupt,
                    QStringLiteral("not a multiple of num_key_value_heads 3"));
        expectError(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 100, "intermediate_size": 1,
            "num_hidden_layers": 1, "num_attention_heads": 3, "vocab_size": 5})", ErrorCode::Corrupt,
                    QStringLiteral("hidden_size 100 is not a multiple of num_attention_heads 3"));
        expectError(llamaWith(R"("num_hidden_layers": 0)").replace("\"num_hidden_layers\": 5, ", ""),
                    ErrorCode::Corrupt, QStringLiteral("\"num_hidden_layers\" must be positive"));
        expectError(llamaWith(R"("intermediate_size": "big")").replace("\"intermediate_size\": 172,", ""),
                    ErrorCode::Corrupt, QStringLiteral("\"intermediate_size\" must be an integer"));
        expectError(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64})", ErrorCode::Corrupt,
                    QStringLiteral("\"intermediate_size\" is missing"));
        expectError("{ not json", ErrorCode::Corrupt, QStringLiteral("not valid JSON"));
        // Size bombs are refused before anything is allocated for them.
        expectError(llamaWith(R"("num_hidden_layers": 1000000000)").replace("\"num_hidden_layers\": 5, ", ""),
                    ErrorCode::Corrupt,
                    QStringLiteral("\"num_hidden_layers\" 1000000000 is beyond what Lathe accepts (at most 1024)"));
        expectError(llamaWith(R"("vocab_size": 2147483647)").replace("\"vocab_size\": 512", "\"head_dim\": 8"),
                    ErrorCode::Corrupt, QStringLiteral("\"vocab_size\" 2147483647 is beyond"));
        expectError(llamaWith(R"("head_dim": 1048576)"), ErrorCode::Corrupt, QStringLiteral("\"head_dim\" 1048576"));
        QCOMPARE(model::configLimits().at("num_hidden_layers"), 1024);
        expectError(llamaWith(R"("hidden_act": "gelu")"), ErrorCode::Unsupported, QStringLiteral("gelu"));
        auto missing = model::loadModelConfig(m_dir.filePath(QStringLiteral("nowhere")).toStdString());
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }
    void directoryPath()
    {
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("config.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(llamaWith(""));
        f.close();
        auto r = model::loadModelConfig(dir.path().toStdString());
        QVERIFY(r.ok());
        QCOMPARE(r->hiddenSize, 64);
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "TestModelConfig.moc"
