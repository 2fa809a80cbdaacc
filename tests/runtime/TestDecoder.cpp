#include "ReferenceDecoder.h"
#include "runtime/Decoder.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace lathe;
using lathe::test::Matrix;
using lathe::test::ReferenceWeights;

namespace {

// A tiny decoder: 1 layer, 2 query heads sharing 1 kv head (GQA), hidden 8, head_dim 4, ffn 12, vocab 16.
ModelConfig tinyConfig()
{
    ModelConfig c;
    c.architecture = "LlamaForCausalLM";
    c.modelType = "llama";
    c.hiddenSize = 8;
    c.intermediateSize = 12;
    c.numLayers = 1;
    c.numHeads = 2;
    c.numKvHeads = 1;
    c.headDim = 4;
    c.vocabSize = 16;
    c.maxPositionEmbeddings = 64;
    c.rmsNormEps = 1e-5;
    c.ropeTheta = 10000.0;
    c.tieWordEmbeddings = true;
    return c;
}

struct TinyModel {
    std::map<std::string, at::Tensor> tensors;
    ReferenceWeights reference;
};

// Seeded weights; the reference gets exactly the fp32 values the decoder sees, widened to double.
TinyModel makeModel(const ModelConfig& c, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    auto uniform = [&rng](double scale) {
        return static_cast<float>(scale * (static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0));
    };
    TinyModel m;
    auto matrix = [&](const std::string& name, int rows, int cols, double scale) {
        auto t = at::empty({rows, cols}, at::kFloat);
        Matrix ref(rows, std::vector<double>(cols));
        for (int r = 0; r < rows; ++r)
            for (int k = 0; k < cols; ++k) ref[r][k] = t[r][k].fill_(uniform(scale)).item<float>();
        m.tensors[name] = t;
        m.reference.matrices[name] = ref;
    };
    auto vector = [&](const std::string& name, int n, double center, double scale) {
        auto t = at::empty({n}, at::kFloat);
        std::vector<double> ref(n);
        for (int i = 0; i < n; ++i) ref[i] = t[i].fill_(float(center + uniform(scale))).item<float>();
        m.tensors[name] = t;
        m.reference.vectors[name] = ref;
    };
    const int q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
    matrix("model.embed_tokens.weight", c.vocabSize, c.hiddenSize, 1.0);
    for (int l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        vector(p + "input_layernorm.weight", c.hiddenSize, 1.0, 0.3);
        vector(p + "post_attention_layernorm.weight", c.hiddenSize, 1.0, 0.3);
        matrix(p + "self_attn.q_proj.weight", q, c.hiddenSize, 0.6);
        matrix(p + "self_attn.k_proj.weight", kv, c.hiddenSize, 0.6);
        matrix(p + "self_attn.v_proj.weight", kv, c.hiddenSize, 0.6);
        matrix(p + "self_attn.o_proj.weight", c.hiddenSize, q, 0.4);
        if (c.attentionBias) {
            vector(p + "self_attn.q_proj.bias", q, 0.0, 0.5);
            vector(p + "self_attn.k_proj.bias", kv, 0.0, 0.5);
            vector(p + "self_attn.v_proj.bias", kv, 0.0, 0.5);
        }
        matrix(p + "mlp.gate_proj.weight", c.intermediateSize, c.hiddenSize, 0.5);
        matrix(p + "mlp.up_proj.weight", c.intermediateSize, c.hiddenSize, 0.5);
        matrix(p + "mlp.down_proj.weight", c.hiddenSize, c.intermediateSize, 0.4);
    }
    vector("model.norm.weight", c.hiddenSize, 1.0, 0.3);
    if (!c.tieWordEmbeddings) matrix("lm_head.weight", c.vocabSize, c.hiddenSize, 0.7);
    return m;
}

Decoder makeDecoder(const ModelConfig& c, const TinyModel& m)
{
    auto weights = loadDecoderWeights(c, mapSource(m.tensors));
    if (!weights) qFatal("%s", weights.error().message.c_str());
    return Decoder(c, std::move(weights).value());
}

const std::vector<int> kIds = {3, 15, 0, 7, 7, 12, 1, 9, 4};

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
    }
    void matchesReference()
    {
        QFETCH(QString, variant);
        ModelConfig c = tinyConfig();
        if (variant == "llama3") {
            // head_dim 8 and theta 100 give wavelengths 6.3, 19.9, 62.8, 199 against thresholds 8 and 32:
            // one frequency kept, one blended, two divided by the factor.
            c.hiddenSize = 16;
            c.headDim = 8;
            c.ropeTheta = 100.0;
            c.ropeScaling = RopeScaling{"llama3", 8.0, 1.0, 4.0, 32};
        } else if (variant == "bias") {
            c.modelType = "qwen2";
            c.attentionBias = true;
            c.tieWordEmbeddings = false;
        } else if (variant == "deep") {
            c.numLayers = 2;
            c.numKvHeads = 2;
            c.ropeTheta = 500000.0;
        }
        const auto model = makeModel(c, 1234);
        const auto decoder = makeDecoder(c, model);
        const auto logits = decoder.forward(idTensor(kIds));
        QCOMPARE(logits.sizes(), (at::IntArrayRef{1, int64_t(kIds.size()), c.vocabSize}));
        const auto ref = lathe::test::referenceLogits(c, model.reference, kIds);
        const double diff = maxAbsDiff(logits, ref);
        qInfo("%s: max |logit - reference| = %.3g", qPrintable(variant), diff);
        QVERIFY2(diff < 1e-5, qPrintable(QString::number(diff)));
        // Logits far from zero, so the 1e-5 agreement above is not a comparison of near-zeros.
        double spread = 0;
        for (auto& row : ref)
            for (double v : row) spread = std::max(spread, std::abs(v));
        QVERIFY(spread > 0.5);
    }

    void scalingChangesFrequencies()
    {
        ModelConfig c = tinyConfig();
        c.headDim = 8;
        c.ropeTheta = 100.0;
        c.ropeScaling = RopeScaling{"llama3", 8.0, 1.0, 4.0, 32};
        const Rope rope(c);
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
        QTest::newRow("llama") << false;
        QTest::newRow("qwen2 biases") << true;
    }
    void kvCacheMatchesFullSequence()
    {
        QFETCH(bool, bias);
        ModelConfig c = tinyConfig();
        c.numLayers = 2;
        c.attentionBias = bias;
        const auto model = makeModel(c, 99);
        const auto decoder = makeDecoder(c, model);
        const auto full = decoder.forward(idTensor(kIds));

        KvCache cache = decoder.makeCache(1, 16);
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

    void batchRowsAreIndependent()
    {
        const ModelConfig c = tinyConfig();
        const auto model = makeModel(c, 7);
        const auto decoder = makeDecoder(c, model);
        const std::vector<int> other = {5, 5, 2, 14, 0, 11, 8, 6, 13};
        const auto batched = decoder.forward(at::cat({idTensor(kIds), idTensor(other)}, 0));
        QVERIFY((batched[0] - decoder.forward(idTensor(kIds))[0]).abs().max().item<double>() < 1e-6);
        QVERIFY((batched[1] - decoder.forward(idTensor(other))[0]).abs().max().item<double>() < 1e-6);
    }

    void wrongShapeIsReported()
    {
        const ModelConfig c = tinyConfig();
        auto model = makeModel(c, 1);
        model.tensors["model.layers.0.mlp.up_proj.weight"] = at::zeros({12, 9});
        auto weights = loadDecoderWeights(c, mapSource(model.tensors));
        QVERIFY(!weights);
        QCOMPARE(weights.error().code, ErrorCode::Corrupt);
        QVERIFY(weights.error().message.find("model.layers.0.mlp.up_proj.weight has shape [12, 9]") != std::string::npos);
        model.tensors.erase("model.norm.weight");
        model.tensors["model.layers.0.mlp.up_proj.weight"] = at::zeros({12, 8});
        weights = loadDecoderWeights(c, mapSource(model.tensors));
        QVERIFY(!weights);
        QCOMPARE(weights.error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestDecoder)
#include "TestDecoder.moc"
