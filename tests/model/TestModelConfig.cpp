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

// Qwen3-0.6B's config.json: q width (16 heads x 128) differs from hidden_size.
const char* kQwen3 = R"({
  "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 151643, "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024,
  "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
  "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
  "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936
})";

// EXAONE-3.5-2.4B-Instruct's config.json: GPT-2 field names (num_layers, layer_norm_epsilon, activation_function).
const char* kExaone = R"({
  "activation_function": "silu", "architectures": ["ExaoneForCausalLM"], "attention_dropout": 0.0,
  "bos_token_id": 1, "embed_dropout": 0.0, "eos_token_id": 361, "head_dim": 80, "hidden_size": 2560,
  "intermediate_size": 7168, "layer_norm_epsilon": 1e-05, "max_position_embeddings": 32768,
  "model_type": "exaone", "num_attention_heads": 32, "num_key_value_heads": 8, "num_layers": 30,
  "pad_token_id": 0, "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
  "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "rope_theta": 1000000.0,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 102400
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
    void qwen3()
    {
        auto r = load(kQwen3);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->modelType, std::string("qwen3"));
        QVERIFY(r->qkNorm);
        QVERIFY(!r->attentionBias);
        QCOMPARE(r->headDim, 128);
        QCOMPARE(r->hiddenSize, 1024);
        QCOMPARE(r->numLayers, 28);
        QCOMPARE(r->maxPositionEmbeddings, 40960);
        QCOMPARE(r->ropeTheta, 1000000.0);
        QVERIFY(r->tieWordEmbeddings);
        QCOMPARE(r->eosTokenIds, std::vector<int>{151645});
        expectError(QByteArray(kQwen3).replace("\"attention_bias\": false", "\"attention_bias\": true"),
                    ErrorCode::Unsupported, QStringLiteral("Qwen3ForCausalLM with \"attention_bias\": true"));
    }
    void exaone()
    {
        auto r = load(kExaone);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->modelType, std::string("exaone"));
        QVERIFY(!r->qkNorm && !r->attentionBias);
        QCOMPARE(r->numLayers, 30);
        QCOMPARE(r->rmsNormEps, 1e-5);
        QCOMPARE(r->headDim, 80);
        QCOMPARE(r->intermediateSize, 7168);
        QVERIFY(!r->tieWordEmbeddings);
        QCOMPARE(r->ropeScaling->factor, 8.0);
        // Its config class's defaults: tied embeddings, an intermediate size of four hidden sizes.
        auto d = load(R"({"architectures": ["ExaoneForCausalLM"], "hidden_size": 64, "num_layers": 2,
            "num_attention_heads": 8, "vocab_size": 512})");
        QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
        QVERIFY(d->tieWordEmbeddings);
        QCOMPARE(d->intermediateSize, 256);
        QCOMPARE(d->numLayers, 2);
        // Errors name EXAONE's own field names.
        expectError(QByteArray(kExaone).replace("\"num_layers\": 30", "\"num_layers\": 0"), ErrorCode::Corrupt,
                    QStringLiteral("\"num_layers\""));
        expectError(
            QByteArray(kExaone).replace("\"activation_function\": \"silu\"", "\"activation_function\": \"gelu\""),
            ErrorCode::Unsupported, QStringLiteral("activation_function \"gelu\""));
        // Written back with the same names, and read again to the same config.
        const std::string json = modelConfigToJson(*r);
        QVERIFY(json.find("\"num_layers\": 30") != std::string::npos);
        QVERIFY(json.find("\"layer_norm_epsilon\"") != std::string::npos);
        auto again = load(QByteArray::fromStdString(json));
        QVERIFY(again.ok());
        QCOMPARE(modelConfigToJson(*again), json);
    }
    // EXAONE 4: post-norms and q/k norms always; hybrid attention from layer_types, or derived from
    // sliding_window / sliding_window_pattern as Exaone4Config derives it.
    void exaone4()
    {
        const QByteArray base = R"({"architectures": ["Exaone4ForCausalLM"], "model_type": "exaone4",
            "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 8, "num_attention_heads": 4,
            "num_key_value_heads": 2, "vocab_size": 512)";
        auto with = [&](const QByteArray& extra) { return base + (extra.isEmpty() ? "" : ", " + extra) + "}"; };
        auto slidingOf = [](const model::ModelConfig& c) {
            QString s;
            for (int i = 0; i < c.numLayers; ++i) s += model::isSlidingLayer(c, i) ? 'L' : 'G';
            return s;
        };
        auto ropeOf = [](const model::ModelConfig& c) {
            QString s;
            for (int i = 0; i < c.numLayers; ++i) s += model::layerUsesRope(c, i) ? 'R' : '-';
            return s;
        };
        // No window (EXAONE-4.0-1.2B): every layer global, every layer with RoPE.
        auto global = load(with(R"("sliding_window": null, "tie_word_embeddings": true)"));
        QVERIFY2(global.ok(), global.ok() ? "" : global.error().message.c_str());
        QVERIFY(global->postNorm && global->qkNorm && global->tieWordEmbeddings);
        QCOMPARE(global->rmsNormEps, 1e-5);
        QCOMPARE(global->slidingWindow, 0);
        QCOMPARE(slidingOf(*global), QString("GGGGGGGG"));
        QCOMPARE(ropeOf(*global), QString("RRRRRRRR"));
        // The config class's defaults: window 4096, every 4th layer global; global layers take no RoPE.
        auto defaults = load(with(""));
        QVERIFY(defaults.ok());
        QCOMPARE(defaults->slidingWindow, 4096);
        QCOMPARE(slidingOf(*defaults), QString("LLLGLLLG"));
        QCOMPARE(ropeOf(*defaults), QString("RRR-RRR-"));
        // A string pattern repeats from layer 0 and the last layer is always global.
        auto pattern = load(with(R"("sliding_window": 16, "sliding_window_pattern": "LLG")"));
        QVERIFY(pattern.ok());
        QCOMPARE(pattern->slidingWindow, 16);
        QCOMPARE(slidingOf(*pattern), QString("LLGLLGLG"));
        // layer_types wins over the pattern.
        auto types = load(with(R"("sliding_window": 16, "sliding_window_pattern": 4, "layer_types": ["full_attention",
            "sliding_attention", "full_attention", "full_attention", "full_attention", "full_attention",
            "sliding_attention", "full_attention"])"));
        QVERIFY(types.ok());
        QCOMPARE(slidingOf(*types), QString("GLGGGGLG"));
        QCOMPARE(ropeOf(*types), QString("-R----R-"));
        // A window with no sliding layer: modeling_exaone4 rotates in no layer.
        auto noRope = load(with(R"("sliding_window": 16, "layer_types": ["full_attention", "full_attention",
            "full_attention", "full_attention", "full_attention", "full_attention", "full_attention",
            "full_attention"])"));
        QVERIFY(noRope.ok());
        QCOMPARE(slidingOf(*noRope), QString("GGGGGGGG"));
        QCOMPARE(ropeOf(*noRope), QString("--------"));
        // Written back and read again to the same layers.
        auto again = load(QByteArray::fromStdString(modelConfigToJson(*types)));
        QVERIFY2(again.ok(), again.ok() ? "" : again.error().message.c_str());
        QCOMPARE(slidingOf(*again), QString("GLGGGGLG"));
        QCOMPARE(modelConfigToJson(*again), modelConfigToJson(*types));
        auto none = load(QByteArray::fromStdString(modelConfigToJson(*global)));
        QVERIFY(none.ok());
        QCOMPARE(none->slidingWindow, 0);
        // Bad hybrid descriptions name the field.
        expectError(with(R"("layer_types": ["full_attention"])"), ErrorCode::Corrupt, QStringLiteral("layer_types"));
        expectError(with(R"("sliding_window": 16, "layer_types": ["full_attention", "local", "full_attention",
            "full_attention", "full_attention", "full_attention", "full_attention", "full_attention"])"),
                    ErrorCode::Corrupt, QStringLiteral("entry 1"));
        expectError(with(R"("sliding_window_pattern": "LXG")"), ErrorCode::Corrupt,
                    QStringLiteral("sliding_window_pattern"));
        expectError(with(R"("sliding_window": 0)"), ErrorCode::Corrupt, QStringLiteral("sliding_window"));
        expectError(with(R"("sliding_window": null, "layer_types": ["sliding_attention", "full_attention",
            "full_attention", "full_attention", "full_attention", "full_attention", "full_attention",
            "full_attention"])"),
                    ErrorCode::Corrupt, QStringLiteral("sliding_window is null"));
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
                    QStringLiteral("LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, "
                                   "ExaoneForCausalLM, Exaone4ForCausalLM"));
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
