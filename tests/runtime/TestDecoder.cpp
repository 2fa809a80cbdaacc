#include "ReferenceDecoder.h"
#include "TinyModel.h"
#include "WidenedReference.h"
#include "model/Checkpoint.h"
#include "model/Decoder.h"
#include "model/SafetensorsWriter.h"
#include "model/TensorLayout.h"

#include <QFile>
#include <QTemporaryDir>

#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>

using namespace lathe;
using namespace lathe::test;

namespace {

// tinyLlamaConfig(): 1 layer, 2 query heads sharing 1 kv head (GQA), hidden 8, head_dim 4, ffn 12, vocab 16.
struct TinyModel {
    std::map<std::string, at::Tensor> tensors;
    ReferenceWeights reference;
};

// Seeded weights; the reference gets exactly the fp32 values the decoder sees, widened to double.
TinyModel makeModel(const model::ModelConfig& c, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    // The spread is rounded to fp32 before the centre is added: the exact values the expectations were taken with.
    const WeightDraw draw = [&rng](double center, double scale) {
        return float(center + double(float(scale * symmetricUnit(rng))));
    };
    TinyModel m;
    m.tensors = tinyWeights(c,
                            {.embedding = 1.0,
                             .norm = 0.3,
                             .attentionIn = 0.6,
                             .attentionOut = 0.4,
                             .bias = 0.5,
                             .mlpIn = 0.5,
                             .mlpOut = 0.4,
                             .lmHead = 0.7},
                            draw);
    m.reference = widenedReference(m.tensors);
    return m;
}

model::Decoder makeDecoder(const model::ModelConfig& c, const TinyModel& m)
{
    auto weights = loadDecoderWeights(c, model::mapSource(m.tensors));
    if (!weights) qFatal("%s", weights.error().message.c_str());
    return model::Decoder(c, std::move(weights).value());
}

const std::vector<int> kIds = {3, 15, 0, 7, 7, 12, 1, 9, 4};

// EXAONE 4 at tiny sizes: post-norms and q/k norms; hybrid gives layers sliding (window 3, shorter than kIds), global
// (no RoPE), sliding.
model::ModelConfig exaone4Config(bool hybrid)
{
    model::ModelConfig c = tinyLlamaConfig();
    c.architecture = "Exaone4ForCausalLM";
    c.modelType = "exaone4";
    c.qkNorm = c.postNorm = true;
    c.numLayers = 3;
    c.tieWordEmbeddings = false;
    if (hybrid) {
        c.slidingWindow = 3;
        c.slidingLayers = {true, false, true};
    }
    return c;
}

at::Tensor idTensor(const std::vector<int>& ids)
{
    auto t = at::empty({1, int64_t(ids.size())}, at::kLong);
    for (size_t i = 0; i < ids.size(); ++i) t[0][i] = ids[i];
    return t;
}

double maxAbsDiff(const at::Tensor& logits, const Matrix& ref)
{
    double worst = 0;
    auto l = logits.to(at::kDouble).contiguous();
    for (size_t t = 0; t < ref.size(); ++t)
        for (size_t v = 0; v < ref[t].size(); ++v)
            worst = std::max(worst, std::abs(l[0][t][v].item<double>() - ref[t][v]));
    return worst;
}

}  // namespace

class TestDecoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesReference_data()
    {
        QTest::addColumn<QString>("variant");
        QTest::newRow("gqa tied") << "base";
        QTest::newRow("llama3 rope scaling") << "llama3";
        QTest::newRow("qkv biases, untied head") << "bias";
        QTest::newRow("two layers, mha, theta 500000") << "deep";
        QTest::newRow("qwen3 per-head q/k norms") << "qwen3";
        QTest::newRow("exaone4 post-norms, global") << "exaone4";
        QTest::newRow("exaone4 hybrid: window 3, global NoPE") << "exaone4-hybrid";
    }
    void matchesReference()
    {
        QFETCH(QString, variant);
        model::ModelConfig c = tinyLlamaConfig();
        if (variant == "llama3") {
            // head_dim 8 and theta 100 give wavelengths 6.3, 19.9, 62.8, 199 against thresholds 8 and 32:
            // one frequency kept, one blended, two divided by the factor.
            c.hiddenSize = 16;
            c.headDim = 8;
            c.ropeTheta = 100.0;
            c.ropeScaling = model::RopeScaling{"llama3", 8.0, 1.0, 4.0, 32};
        } else if (variant == "bias") {
            c.modelType = "qwen2";
            c.attentionBias = true;
            c.tieWordEmbeddings = false;
        } else if (variant == "deep") {
            c.numLayers = 2;
            c.numKvHeads = 2;
            c.ropeTheta = 500000.0;
        } else if (variant.startsWith("exaone4")) {
            c = exaone4Config(variant.endsWith("hybrid"));
        } else if (variant == "qwen3") {
            c.architecture = "Qwen3ForCausalLM";
            c.modelType = "qwen3";
            c.qkNorm = true;
            c.numLayers = 2;
            c.tieWordEmbeddings = false;
        }
        const auto model = makeModel(c, 1234);
        const auto decoder = makeDecoder(c, model);
        const auto logits = decoder.forward(idTensor(kIds));
        QCOMPARE(logits.sizes(), (at::IntArrayRef{1, int64_t(kIds.size()), c.vocabSize}));
        const auto ref = lathe::test::referenceLogits(c, model.reference, kIds);
        const double diff = maxAbsDiff(logits, ref);
        double spread = 0;
        for (auto& row : ref)
            for (double v : row) spread = std::max(spread, std::abs(v));
        qInfo("%s: max |logit - reference| = %.3g, max |logit| = %.3g", qPrintable(variant), diff, spread);
        // fp32 against fp64: within 1e-5 of the largest logit (and of 1, for small ones).
        QVERIFY2(diff < 1e-5 * std::max(1.0, spread), qPrintable(QString::number(diff)));
        // Logits far from zero, so the agreement above is not a comparison of near-zeros.
        QVERIFY(spread > 0.5);
    }

    void scalingChangesFrequencies()
    {
        model::ModelConfig c = tinyLlamaConfig();
        c.headDim = 8;
        c.ropeTheta = 100.0;
        c.ropeScaling = model::RopeScaling{"llama3", 8.0, 1.0, 4.0, 32};
        const model::Rope rope(c);
        const auto& f = rope.inverseFrequencies();
        QCOMPARE(f.size(), size_t(4));
        QCOMPARE(f[0], 1.0);                       // wavelength 6.28 < 8: kept
        const double f1 = 1.0 / std::sqrt(10.0);   // wavelength 19.87: blended
        const double smooth = (32.0 / (2 * M_PI / f1) - 1.0) / 3.0;
        QVERIFY(std::abs(f[1] - ((1 - smooth) * f1 / 8 + smooth * f1)) < 1e-15);
        QVERIFY(std::abs(f[2] - 0.1 / 8) < 1e-15);  // wavelength 62.8 > 32: divided
        QVERIFY(std::abs(f[3] - std::pow(100.0, -0.75) / 8) < 1e-15);
    }

    void kvCacheMatchesFullSequence_data()
    {
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("qkNorm");
        QTest::newRow("llama") << false << false;
        QTest::newRow("qwen2 biases") << true << false;
        QTest::newRow("qwen3 q/k norms") << false << true;
        QTest::newRow("exaone4 hybrid") << false << false;
    }
    void kvCacheMatchesFullSequence()
    {
        QFETCH(bool, bias);
        QFETCH(bool, qkNorm);
        model::ModelConfig c = tinyLlamaConfig();
        c.numLayers = 2;
        c.attentionBias = bias;
        c.qkNorm = qkNorm;
        // The window mask also applies to single tokens once the cache holds more keys than the window.
        if (QByteArray(QTest::currentDataTag()) == "exaone4 hybrid") c = exaone4Config(true);
        const auto model = makeModel(c, 99);
        const auto decoder = makeDecoder(c, model);
        const auto full = decoder.forward(idTensor(kIds));

        model::KvCache cache = decoder.makeCache(1, 16);
        const std::vector<int> prompt(kIds.begin(), kIds.begin() + 4);
        std::vector<at::Tensor> parts{decoder.forward(idTensor(prompt), cache)};
        for (size_t t = prompt.size(); t < kIds.size(); ++t) parts.push_back(decoder.forward(idTensor({kIds[t]}), cache));
        QCOMPARE(cache.length, int64_t(kIds.size()));
        const auto incremental = at::cat(parts, 1);
        const double diff = (incremental - full).abs().max().item<double>();
        qInfo("max |incremental - full| = %.3g", diff);
        QVERIFY(diff < 1e-5);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, decoder.forward(idTensor(std::vector<int>(8, 1)), cache));
    }

    // An EXAONE 3.x checkpoint is a Llama decoder under GPT-2's names: read from disk it gives the logits the same
    // weights give as a Llama, bit for bit, and a missing tensor is named as the checkpoint names it.
    void exaoneCheckpointReadsAsLlama()
    {
        model::ModelConfig llama = tinyLlamaConfig();
        llama.numLayers = 2;
        llama.tieWordEmbeddings = false;
        const auto m = makeModel(llama, 5);
        model::ModelConfig exaone = llama;
        exaone.architecture = "ExaoneForCausalLM";
        exaone.modelType = "exaone";
        QTemporaryDir dir;
        auto write = [&](const model::NamedTensors& tensors) {
            QFile config(dir.filePath("config.json"));
            QVERIFY(config.open(QIODevice::WriteOnly));
            config.write(QByteArray::fromStdString(model::modelConfigToJson(exaone)));
            config.close();
            QVERIFY(model::writeSafetensors(dir.filePath("model.safetensors").toStdString(), tensors).ok());
        };
        model::NamedTensors stored;
        for (const auto& [name, t] : m.tensors) stored.emplace_back(model::checkpointTensorName(exaone, name), t);
        QVERIFY(std::any_of(stored.begin(), stored.end(),
                            [](const auto& t) { return t.first == "transformer.h.1.attn.attention.out_proj.weight"; }));
        write(stored);
        auto checkpoint = model::Checkpoint::open(dir.path().toStdString());
        QVERIFY2(checkpoint.ok(), checkpoint.ok() ? "" : checkpoint.error().message.c_str());
        QCOMPARE((*checkpoint)->config().modelType, std::string("exaone"));
        auto weights = loadDecoderWeights((*checkpoint)->config(), model::checkpointSource(**checkpoint));
        QVERIFY2(weights.ok(), weights.ok() ? "" : weights.error().message.c_str());
        const auto got = model::Decoder((*checkpoint)->config(), std::move(weights).value()).forward(idTensor(kIds));
        QVERIFY(at::equal(got, makeDecoder(llama, m).forward(idTensor(kIds))));

        stored.erase(std::find_if(stored.begin(), stored.end(),
                                  [](const auto& t) { return t.first == "transformer.h.1.mlp.c_fc_0.weight"; }));
        write(stored);
        auto missing = model::Checkpoint::open(dir.path().toStdString());
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message.find("tensor transformer.h.1.mlp.c_fc_0.weight [12, 8]") != std::string::npos,
                 missing.error().message.c_str());
    }

    void batchRowsAreIndependent()
    {
        const model::ModelConfig c = tinyLlamaConfig();
        const auto model = makeModel(c, 7);
        const auto decoder = makeDecoder(c, model);
        const std::vector<int> other = {5, 5, 2, 14, 0, 11, 8, 6, 13};
        const auto batched = decoder.forward(at::cat({idTensor(kIds), idTensor(other)}, 0));
        QVERIFY((batched[0] - decoder.forward(idTensor(kIds))[0]).abs().max().item<double>() < 1e-6);
        QVERIFY((batched[1] - decoder.forward(idTensor(other))[0]).abs().max().item<double>() < 1e-6);
    }

    void wrongShapeIsReported()
    {
        const model::ModelConfig c = tinyLlamaConfig();
        auto model = makeModel(c, 1);
        model.tensors["model.layers.0.mlp.up_proj.weight"] = at::zeros({12, 9});
        auto weights = loadDecoderWeights(c, model::mapSource(model.tensors));
        QVERIFY(!weights);
        QCOMPARE(weights.error().code, ErrorCode::Corrupt);
        QVERIFY(weights.error().message.find("model.layers.0.mlp.up_proj.weight has shape [12, 9]") != std::string::npos);
        model.tensors.erase("model.norm.weight");
        model.tensors["model.layers.0.mlp.up_proj.weight"] = at::zeros({12, 8});
        weights = loadDecoderWeights(c, model::mapSource(model.tensors));
        QVERIFY(!weights);
        QCOMPARE(weights.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestDecoder)
#include "TestDecoder.moc"
