// Equivalent transforms (norm fusion, untie, R1, R2) leave the float model's logits unchanged.
#include "TestSupport.h"
#include "TinyModel.h"
#include "model/Checkpoint.h"
#include "model/Decoder.h"
#include "model/DecoderWeights.h"
#include "quant/Hadamard.h"
#include "quant/Transforms.h"

#include <QTemporaryDir>
#include <QTest>

#include <random>

using namespace lathe;
using namespace lathe::quant;

namespace {

// Logits agree to float precision: max |Δ| / max |logit| below this (fp32 rounding of the fp64 transforms
// plus fp32 reassociation in the forward pass; measured 6e-7 .. 1.7e-6).
constexpr double kBound = 1e-5;

model::ModelConfig smallConfig(const QString& variant)
{
    model::ModelConfig c = test::tinyLlamaConfig({.hiddenSize = 64,
                                                  .intermediateSize = 96,
                                                  .numLayers = 2,
                                                  .numHeads = 4,
                                                  .numKvHeads = 2,
                                                  .headDim = 16,
                                                  .vocabSize = 50,
                                                  .maxPositionEmbeddings = 128});
    if (variant == "llama3") c.ropeScaling = model::RopeScaling{"llama3", 8.0, 1.0, 4.0, 32};
    if (variant == "bias") {
        c.architecture = "Qwen2ForCausalLM";
        c.modelType = "qwen2";
        c.attentionBias = true;
        c.tieWordEmbeddings = false;
        c.ropeTheta = 1000000.0;
    }
    if (variant == "qwen3") {
        c.architecture = "Qwen3ForCausalLM";
        c.modelType = "qwen3";
        c.qkNorm = true;
        c.tieWordEmbeddings = false;
        c.ropeTheta = 1000000.0;
    }
    return c;
}

// Seeded weights; norm weights around 1 but far from it, so fusion has real work to do.
WeightMap randomWeights(const model::ModelConfig& c, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    return test::tinyWeights(c, {}, test::symmetricDraw(rng));
}

at::Tensor logits(const model::ModelConfig& c, const WeightMap& w, const at::Tensor& ids)
{
    auto weights = loadDecoderWeights(c, model::mapSource(w));
    if (!weights) qFatal("%s", weights.error().message.c_str());
    return model::Decoder(c, std::move(weights).value()).forward(ids);
}

double relativeDifference(const at::Tensor& a, const at::Tensor& b)
{
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>() /
           a.to(at::kDouble).abs().max().item<double>();
}

double orthogonalityError(const at::Tensor& r)
{
    const auto eye = at::eye(r.size(0), at::kDouble);
    return (at::matmul(r, r.t()) - eye).abs().max().item<double>();
}

at::Tensor sampleIds(int64_t vocab)
{
    std::vector<int64_t> v;
    for (int b = 0; b < 2; ++b)
        for (int t = 0; t < 12; ++t) v.push_back((7 * t + 13 * b + 3) % vocab);
    return at::tensor(v, at::kLong).view({2, 12});
}

}  // namespace

class TestTransforms : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void logitsUnchanged_data()
    {
        QTest::addColumn<QString>("variant");
        QTest::addColumn<QString>("transforms");
        for (const char* variant : {"plain", "llama3", "bias", "qwen3"})
            for (const char* t : {"untie", "fuse", "fuse+R1", "R2", "all"})
                QTest::newRow((std::string(variant) + " " + t).c_str()) << QString(variant) << QString(t);
    }

    void logitsUnchanged()
    {
        QFETCH(QString, variant);
        QFETCH(QString, transforms);
        const model::ModelConfig original = smallConfig(variant);
        const WeightMap weights = randomWeights(original, 42);
        const auto ids = sampleIds(original.vocabSize);
        const auto before = logits(original, weights, ids);

        model::ModelConfig c = original;
        WeightMap w = weights;
        if (transforms == "untie") {
            QVERIFY(untieLmHead(c, w).ok());
        } else if (transforms == "R2") {
            for (int i = 0; i < c.numLayers; ++i) {
                auto r2 = randomHadamard(c.headDim, 100 + i);
                QVERIFY(r2.ok());
                QVERIFY(rotateValues(c, w, i, r2.value()).ok());
            }
        } else {
            TransformOptions o;
            o.rotateResidual = transforms != "fuse";
            o.rotateValues = transforms == "all";
            o.seed = 9;
            auto r = applyEquivalentTransforms(c, w, o);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
            QCOMPARE(r.value().r1.defined(), o.rotateResidual);
            QCOMPARE(int(r.value().r2.size()), o.rotateValues ? c.numLayers : 0);
        }
        // Something actually changed (untie aside, which only copies).
        if (transforms != "untie") {
            const auto& name = transforms == "R2" ? "model.layers.0.self_attn.v_proj.weight"
                                                  : "model.layers.0.self_attn.q_proj.weight";
            QVERIFY((w.at(name) - weights.at(name)).abs().max().item<double>() > 1e-2);
        }
        const auto after = logits(c, w, ids);
        const double d = relativeDifference(before, after);
        qInfo("%s %s: max|Δ|/max|logit| = %.3g", qPrintable(variant), qPrintable(transforms), d);
        QVERIFY2(d < kBound, qPrintable(QString::number(d)));
        QVERIFY(at::equal(before.argmax(-1), after.argmax(-1)));
        for (const auto& [name, t] : w) QCOMPARE(t.scalar_type(), at::kFloat);
        // R1 reaches q/k through their inputs and R2 touches only v/o, so a per-head q/k norm is left as it was.
        for (const auto& [name, t] : weights)
            if (name.find("_norm.weight") != std::string::npos && name.find("self_attn") != std::string::npos)
                QVERIFY(at::equal(w.at(name), t));
    }

    // Why a per-head q/k norm stays a separate op (docs/compiler.md, "Per-head q/k norms"): folding its weight
    // into q_proj's rows, as fusion does for the input norm, scales q before the RMS is taken, so the normalised
    // head changes and the logits with it.
    void qkNormDoesNotFoldIntoItsProjection()
    {
        const model::ModelConfig c = smallConfig("qwen3");
        const WeightMap weights = randomWeights(c, 42);
        const auto ids = sampleIds(c.vocabSize);
        const auto before = logits(c, weights, ids);
        WeightMap w = weights;
        for (int i = 0; i < c.numLayers; ++i) {
            const std::string p = "model.layers." + std::to_string(i) + ".self_attn.";
            for (const char* which : {"q", "k"}) {
                at::Tensor& norm = w.at(p + which + "_norm.weight");
                at::Tensor& proj = w.at(p + which + "_proj.weight");
                const int64_t heads = proj.size(0) / c.headDim;
                proj = (proj.view({heads, c.headDim, -1}) * norm.view({1, -1, 1})).reshape(proj.sizes()).contiguous();
                norm = at::ones_like(norm);
            }
        }
        const double d = relativeDifference(before, logits(c, w, ids));
        qInfo("q/k norm folded into q/k_proj: max|Δ|/max|logit| = %.3g", d);
        QVERIFY2(d > 1e-2, qPrintable(QString::number(d)));
    }

    void rotationsAreOrthogonal()
    {
        model::ModelConfig c = smallConfig("plain");
        WeightMap w = randomWeights(c, 1);
        auto r = applyEquivalentTransforms(c, w, {});
        QVERIFY(r.ok());
        QCOMPARE(r.value().r1.sizes(), at::IntArrayRef({64, 64}));
        QCOMPARE(r.value().r1.scalar_type(), at::kDouble);
        QVERIFY(orthogonalityError(r.value().r1) < 1e-12);
        QCOMPARE(int(r.value().r2.size()), 2);
        for (const auto& r2 : r.value().r2) {
            QCOMPARE(r2.sizes(), at::IntArrayRef({16, 16}));
            QVERIFY(orthogonalityError(r2) < 1e-12);
        }
        // Per-layer R2 seeds differ, so the layers get different rotations.
        QVERIFY(!at::equal(r.value().r2[0], r.value().r2[1]));
    }

    void fusionLeavesUnitNorms()
    {
        model::ModelConfig c = smallConfig("plain");
        const WeightMap original = randomWeights(c, 2);
        WeightMap w = original;
        QVERIFY(fuseNorms(c, w).ok());
        int norms = 0;
        for (const auto& [name, t] : w)
            if (name.find("norm.weight") != std::string::npos) {
                QVERIFY2(at::equal(t, at::ones({64}, at::kFloat)), name.c_str());
                ++norms;
            }
        QCOMPARE(norms, 2 * 2 + 1);
        // Column j of q_proj is scaled by α_j exactly as computed in fp64 and rounded once.
        const auto alpha = original.at("model.layers.1.input_layernorm.weight").to(at::kDouble);
        const auto expected =
            (original.at("model.layers.1.self_attn.q_proj.weight").to(at::kDouble) * alpha).to(at::kFloat);
        QVERIFY(at::equal(w.at("model.layers.1.self_attn.q_proj.weight"), expected));
        QVERIFY(!c.tieWordEmbeddings);  // fusion untied the head
        // The caller's map is not written through.
        QVERIFY(!at::equal(original.at("model.norm.weight"), at::ones({64}, at::kFloat)));
    }

    void untieCopies()
    {
        model::ModelConfig c = smallConfig("plain");
        WeightMap w = randomWeights(c, 3);
        QVERIFY(!w.count("lm_head.weight"));
        QVERIFY(untieLmHead(c, w).ok());
        QVERIFY(!c.tieWordEmbeddings);
        QVERIFY(at::equal(w.at("lm_head.weight"), w.at("model.embed_tokens.weight")));
        QVERIFY(w.at("lm_head.weight").data_ptr() != w.at("model.embed_tokens.weight").data_ptr());
        // Already untied: nothing changes.
        const auto head = w.at("lm_head.weight");
        QVERIFY(untieLmHead(c, w).ok());
        QVERIFY(w.at("lm_head.weight").is_same(head));
    }

    void badInputIsRejected()
    {
        model::ModelConfig c = smallConfig("plain");
        WeightMap w = randomWeights(c, 4);
        auto r1 = randomHadamard(64, 0);
        QVERIFY(r1.ok());
        auto r = rotateResidual(c, w, r1.value());  // norms not fused
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QVERIFY(r.error().message.find("fuse the norms") != std::string::npos);
        r = rotateValues(c, w, 0, r1.value());  // wrong size
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        r = rotateValues(c, w, 5, at::eye(16, at::kDouble));
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        w.erase("model.layers.1.mlp.up_proj.weight");
        r = fuseNorms(c, w);
        QCOMPARE(r.error().code, ErrorCode::NotFound);
        QVERIFY(r.error().message.find("model.layers.1.mlp.up_proj.weight") != std::string::npos);
    }

    void storiesModelKeepsGreedyTokens()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString model = dir.filePath("stories260K");
        const auto imported =
            test::runCli({"import", "--from", test::sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                          test::sharedData("models/stories260K/tok512.model"), "--out", model});
        QVERIFY2(imported.exitCode == 0, imported.err.constData());
        auto checkpoint = model::Checkpoint::open(model.toStdString());
        QVERIFY2(checkpoint.ok(), checkpoint.ok() ? "" : checkpoint.error().message.c_str());
        const model::ModelConfig original = checkpoint.value()->config();
        WeightMap weights;
        for (const auto& info : checkpoint.value()->tensors()) {
            auto t = checkpoint.value()->load(info.name, at::kFloat);
            QVERIFY(t.ok());
            weights[info.name] = t.value();
        }
        model::ModelConfig c = original;
        WeightMap w = weights;
        TransformOptions o;
        o.seed = 1234;
        auto r = applyEquivalentTransforms(c, w, o);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());

        // Token-id prompts starting with BOS (1), each position's greedy next token compared.
        const std::vector<std::vector<int64_t>> prompts{
            {1, 403, 407, 261, 378, 30, 400, 285, 279, 2},
            {1, 72, 110, 99, 101, 32, 117, 112, 111, 110},
            {1, 500, 17, 256, 333, 444, 111, 222, 5, 499}};
        for (const auto& p : prompts) {
            const auto ids = at::tensor(p, at::kLong).view({1, int64_t(p.size())});
            const auto before = logits(original, weights, ids), after = logits(c, w, ids);
            const double d = relativeDifference(before, after);
            qInfo("stories260K: max|Δ|/max|logit| = %.3g", d);
            QVERIFY2(d < kBound, qPrintable(QString::number(d)));
            QVERIFY(at::equal(before.argmax(-1), after.argmax(-1)));
        }
    }
};

QTEST_GUILESS_MAIN(TestTransforms)
#include "TestTransforms.moc"
