// The compile pipeline's parts on small synthetic data: streamed per-layer transforms against the whole-model ones,
// the activation store, bit plans, calibration discovery, the report files, the resume state, the error sums.
#include "TestSupport.h"
#include "TinyModel.h"

#include "common/AtomicFileWriter.h"
#include "compile/ActivationStore.h"
#include "compile/CalibrationSet.h"
#include "compile/CompilePlan.h"
#include "compile/ErrorAccumulators.h"
#include "compile/FloatWeights.h"
#include "compile/HeadCompiler.h"
#include "compile/LayerCompiler.h"
#include "compile/ReportJson.h"
#include "compile/RotatedEmbedding.h"
#include "compile/WorkState.h"
#include "lathe/data/Npy.h"
#include "model/Checkpoint.h"
#include "model/Decoder.h"
#include "model/Projections.h"
#include "model/SafetensorsWriter.h"
#include "quant/ErrorMetrics.h"
#include "quant/Hadamard.h"
#include "quant/Transforms.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>
#include <random>

using namespace lathe;
using namespace lathe::compile;

namespace {

model::ModelConfig smallConfig()
{
    return test::tinyLlamaConfig({.hiddenSize = 32,
                                  .intermediateSize = 48,
                                  .numLayers = 2,
                                  .numHeads = 4,
                                  .numKvHeads = 2,
                                  .headDim = 8,
                                  .vocabSize = 40});
}

at::Tensor randomTensor(std::mt19937_64& rng, std::vector<int64_t> shape, double center, double scale)
{
    auto t = at::empty(shape, at::kFloat);
    float* p = t.data_ptr<float>();
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = float(center + scale * u(rng));
    return t;
}

quant::WeightMap randomWeights(const model::ModelConfig& c, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    return test::tinyWeights(c, {}, [&](double center, double scale) { return float(center + scale * u(rng)); });
}

// A Hugging Face folder (config.json + model.safetensors) holding `weights`.
void writeModel(const QString& dir, const model::ModelConfig& c, const quant::WeightMap& weights)
{
    QDir().mkpath(dir);
    model::NamedTensors tensors(weights.begin(), weights.end());
    QVERIFY(model::writeSafetensors((dir + "/model.safetensors").toStdString(), tensors).ok());
    QVERIFY(writeFileAtomically((dir + "/config.json").toStdString(), modelConfigToJson(c)).ok());
}

void writeSample(const QString& path, int64_t tokens, int64_t hidden, float value)
{
    QDir().mkpath(QFileInfo(path).path());
    const std::vector<int64_t> shape{1, tokens, hidden};
    std::vector<float> data(size_t(tokens * hidden));
    for (size_t i = 0; i < data.size(); ++i) data[i] = value + 0.001f * float(i % 97);
    QVERIFY(data::writeNpy(path.toStdString(), shape, data).ok());
}

CompileOptions baseOptions(const QString& dir)
{
    CompileOptions o;
    o.modelPath = (dir + "/model").toStdString();
    o.calibDataPath = (dir + "/calib").toStdString();
    o.savePath = (dir + "/out/model.lathe").toStdString();
    return o;
}

}  // namespace

class TestCompileParts : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void streamedWeightsMatchWholeModelTransforms()
    {
        const model::ModelConfig c = smallConfig();
        const quant::WeightMap original = randomWeights(c, 11);
        const QString dir = m_dir.filePath("streamed/model");
        writeModel(dir, c, original);
        auto checkpoint = model::Checkpoint::open(dir.toStdString());
        QVERIFY2(checkpoint.ok(), checkpoint.ok() ? "" : checkpoint.error().message.c_str());

        model::ModelConfig wholeConfig = c;
        quant::WeightMap whole = original;
        quant::TransformOptions t;
        t.seed = 21;
        auto rotations = quant::applyEquivalentTransforms(wholeConfig, whole, t);
        QVERIFY(rotations.ok());

        CompileOptions o = baseOptions(m_dir.filePath("streamed"));
        o.bitMode = quant::BitMode::W4;
        o.seed = 21;
        auto plan = makeCompilePlan(o, dir.toStdString(), c);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        QVERIFY(plan->rotate);
        for (int i = 0; i < c.numLayers; ++i) {
            auto l = loadLayerWeights(**checkpoint, *plan, i, rotations->r1);
            QVERIFY(l.ok());
            const std::string p = "model.layers." + std::to_string(i) + ".";
            QVERIFY(at::equal(l->qProj, whole.at(p + "self_attn.q_proj.weight")));
            QVERIFY(at::equal(l->kProj, whole.at(p + "self_attn.k_proj.weight")));
            QVERIFY(at::equal(l->vProj, whole.at(p + "self_attn.v_proj.weight")));
            QVERIFY(at::equal(l->oProj, whole.at(p + "self_attn.o_proj.weight")));
            QVERIFY(at::equal(l->gateProj, whole.at(p + "mlp.gate_proj.weight")));
            QVERIFY(at::equal(l->upProj, whole.at(p + "mlp.up_proj.weight")));
            QVERIFY(at::equal(l->downProj, whole.at(p + "mlp.down_proj.weight")));
            QVERIFY(at::equal(l->inputNorm, whole.at(p + "input_layernorm.weight")));
            QVERIFY(at::equal(l->postAttentionNorm, whole.at(p + "post_attention_layernorm.weight")));
        }
        auto head = loadHeadWeights(**checkpoint, *plan, rotations->r1);
        QVERIFY(head.ok());
        QVERIFY(at::equal(head->weight, whole.at("lm_head.weight")));
        QVERIFY(at::equal(head->finalNorm, whole.at("model.norm.weight")));

        // Unrotated (w8): the checkpoint's own tensors, the tied head being the embedding.
        o.bitMode = quant::BitMode::W8;
        auto w8 = makeCompilePlan(o, dir.toStdString(), c);
        QVERIFY(w8.ok() && !w8->rotate);
        auto plainHead = loadHeadWeights(**checkpoint, *w8, {});
        QVERIFY(plainHead.ok());
        QVERIFY(at::equal(plainHead->weight, original.at("model.embed_tokens.weight")));
        QVERIFY(at::equal(plainHead->finalNorm, original.at("model.norm.weight")));
        auto plainLayer = loadLayerWeights(**checkpoint, *w8, 1, {});
        QVERIFY(plainLayer.ok());
        QVERIFY(at::equal(plainLayer->downProj, original.at("model.layers.1.mlp.down_proj.weight")));
    }

    // The head and the embedding are processed in blocks of rows and the logits in batches of tokens; the pieces
    // must not change the result.
    void blockSizesDoNotChangeResults()
    {
        model::ModelConfig c = smallConfig();
        c.vocabSize = 45;
        const QString dir = m_dir.filePath("blocks/model");
        writeModel(dir, c, randomWeights(c, 12));
        auto checkpoint = model::Checkpoint::open(dir.toStdString());
        QVERIFY(checkpoint.ok());
        auto plan = makeCompilePlan(baseOptions(m_dir.filePath("blocks")), dir.toStdString(), c);
        QVERIFY(plan.ok());
        QVERIFY(plan->rowsPerBlock >= 45 && plan->tokensPerLogitBatch >= 13);
        CompilePlan small = *plan;
        small.rowsPerBlock = 7;
        small.tokensPerLogitBatch = 4;
        const at::Tensor r1 = *quant::randomHadamard(32, 0);

        auto whole = loadHeadWeights(**checkpoint, *plan, r1), blocked = loadHeadWeights(**checkpoint, small, r1);
        QVERIFY(whole.ok() && blocked.ok());
        QVERIFY(at::equal(whole->weight, blocked->weight));
        QCOMPARE(*rotatedEmbeddingBytes(**checkpoint, r1, 7, {}), *rotatedEmbeddingBytes(**checkpoint, r1, 1000, {}));

        std::mt19937_64 rng(4);
        ActivationStore store(m_dir.filePath("blocks/spill").toStdString(), 1 << 20);
        for (size_t s = 0; s < 3; ++s) {
            const at::Tensor h = randomTensor(rng, {1, 5 + 4 * int64_t(s), 32}, 0, 2);
            QVERIFY(store.put(kFloatStream, s, h).ok());
            QVERIFY(store.put(kQuantStream, s, h + randomTensor(rng, {1, 5 + 4 * int64_t(s), 32}, 0, 0.05)).ok());
        }
        StepProgress progress({}, 100);
        auto a = compileHead(*plan, *whole, store, 3, progress, {});
        auto b = compileHead(small, *blocked, store, 3, progress, {});
        QVERIFY2(a.ok() && b.ok(), a.ok() ? (b.ok() ? "" : b.error().message.c_str()) : a.error().message.c_str());
        // GPTQ's rows are independent: the codes come out identical, and the scales differ only by the fp32 rounding
        // of the float-output target W* = W + W·Mᵀ, whose GEMM blocking follows the block's shape (measured
        // 9e-8 relative). The measurements differ only by the same rounding and that of the float reference
        // logits, whose GEMM blocking follows the batch shape (measured 2e-7 dB).
        QVERIFY(at::equal(a->linear.weight.codes, b->linear.weight.codes));
        const double scaleDiff =
            ((a->linear.weight.scales - b->linear.weight.scales).abs() / a->linear.weight.scales).max().item<double>();
        qInfo("largest relative scale difference %.3g", scaleDiff);
        QVERIFY(scaleDiff < 1e-6);
        QCOMPARE(a->linear.inputScale, b->linear.inputScale);
        QVERIFY(std::abs(a->report.sqnrIsolatedDb - b->report.sqnrIsolatedDb) < 1e-5);
        QVERIFY(std::abs(a->report.sqnrPropagatedDb - b->report.sqnrPropagatedDb) < 1e-5);
        QVERIFY(a->klDivergence > 0);
        QVERIFY(std::abs(a->klDivergence - b->klDivergence) < 1e-5 * a->klDivergence);
        QCOMPARE(a->report.weightClipRate, b->report.weightClipRate);
        QVERIFY(std::abs(a->report.weightScaleMean - b->report.weightScaleMean) < 1e-6 * a->report.weightScaleMean);
    }

    // Layer 0 reads the samples themselves, so both streams agree and the float-output target leaves q/k/v as they
    // are: same codes and the same measurements with the target on or off — on a model with one kv head, where
    // attention's views of the projections share their storage (a reference rotated in place by RoPE would show
    // as a different propagated SQNR). o_proj, whose inputs carry q/k/v's error, gets other codes.
    void floatTargetLeavesTheFirstLayersQkvAlone()
    {
        model::ModelConfig c = smallConfig();
        c.numKvHeads = 1;
        const QString dir = m_dir.filePath("target/model");
        writeModel(dir, c, randomWeights(c, 13));
        auto checkpoint = model::Checkpoint::open(dir.toStdString());
        QVERIFY(checkpoint.ok());
        auto compileLayer0 = [&](bool floatTarget) {
            CompileOptions o = baseOptions(m_dir.filePath("target"));
            o.bitMode = quant::BitMode::W4;
            o.rotation = quant::RotationMode::Off;
            o.floatTarget = floatTarget;
            auto plan = makeCompilePlan(o, dir.toStdString(), c);
            if (!plan) qFatal("%s", plan.error().message.c_str());
            auto weights = loadLayerWeights(**checkpoint, *plan, 0, {});
            if (!weights) qFatal("%s", weights.error().message.c_str());
            std::mt19937_64 rng(5);
            ActivationStore store(m_dir.filePath("target/spill").toStdString(), 1 << 20);
            for (size_t s = 0; s < 3; ++s) {
                const at::Tensor h = randomTensor(rng, {1, 6 + 3 * int64_t(s), 32}, 0, 2);
                if (!store.put(kFloatStream, s, h).ok() || !store.put(kQuantStream, s, h).ok()) qFatal("store");
            }
            StepProgress progress({}, 100);
            StopToken stop;
            auto layer = LayerCompiler(*plan, store, 3, progress, stop).compile(0, *weights);
            if (!layer) qFatal("%s", layer.error().message.c_str());
            return std::move(layer).value();
        };
        const CompiledLayer on = compileLayer0(true), off = compileLayer0(false);
        for (model::Projection p : {model::Projection::Query, model::Projection::Key, model::Projection::Value})
            QVERIFY(at::equal(on.linears.at(p).weight.codes, off.linears.at(p).weight.codes));
        for (int i = 0; i < 3; ++i) {
            qInfo("%s propagated SQNR: target %.6f dB, none %.6f dB", on.reports[i].projection.c_str(),
                  on.reports[i].sqnrPropagatedDb, off.reports[i].sqnrPropagatedDb);
            QCOMPARE(on.reports[i].sqnrPropagatedDb, off.reports[i].sqnrPropagatedDb);
            QCOMPARE(on.reports[i].sqnrIsolatedDb, off.reports[i].sqnrIsolatedDb);
        }
        QVERIFY(!at::equal(on.linears.at(model::Projection::Output).weight.codes,
                           off.linears.at(model::Projection::Output).weight.codes));
        QVERIFY(!at::equal(on.linears.at(model::Projection::Down).weight.codes,
                           off.linears.at(model::Projection::Down).weight.codes));
    }

    // The streams a layer hands on are the decoder layer itself: the float model's on the float stream, the compiled
    // linears' on the quantized one (the measuring passes finish each half from inputs kept by the observing passes,
    // so a wrong residual or a swapped stream would show here), also when every kept tensor goes through spill files.
    void layerOutputsAreTheDecodersOutputs_data()
    {
        QTest::addColumn<int64_t>("budget");
        QTest::newRow("in memory") << (int64_t(1) << 20);
        QTest::newRow("spilled") << int64_t(0);
    }
    void layerOutputsAreTheDecodersOutputs()
    {
        QFETCH(int64_t, budget);
        model::ModelConfig c = smallConfig();
        const QString dir = m_dir.filePath("streams/model");
        writeModel(dir, c, randomWeights(c, 14));
        auto checkpoint = model::Checkpoint::open(dir.toStdString());
        QVERIFY(checkpoint.ok());
        CompileOptions o = baseOptions(m_dir.filePath("streams"));
        o.rotation = quant::RotationMode::Off;
        auto plan = makeCompilePlan(o, dir.toStdString(), c);
        QVERIFY(plan.ok());
        auto weights = loadLayerWeights(**checkpoint, *plan, 1, {});
        QVERIFY(weights.ok());
        std::mt19937_64 rng(6);
        ActivationStore store(m_dir.filePath("streams/spill").toStdString(), budget);
        std::vector<at::Tensor> floatIn, quantIn;
        for (size_t s = 0; s < 3; ++s) {
            floatIn.push_back(randomTensor(rng, {1, 5 + 2 * int64_t(s), 32}, 0, 2));
            quantIn.push_back(floatIn.back() + randomTensor(rng, {1, 5 + 2 * int64_t(s), 32}, 0, 0.1));
            QVERIFY(store.put(kFloatStream, s, floatIn.back(), StreamPrecision::Exact).ok());
            QVERIFY(store.put(kQuantStream, s, quantIn.back(), StreamPrecision::Exact).ok());
        }
        StepProgress progress({}, 100);
        auto layer = LayerCompiler(*plan, store, 3, progress, {}).compile(1, *weights);
        QVERIFY2(layer.ok(), layer.ok() ? "" : layer.error().message.c_str());
        const model::Rope rope(c);
        // Both streams are kept in float16 between layers: compare within half an fp16 step.
        auto near = [](const at::Tensor& got, const at::Tensor& want) {
            return ((got - want).abs() <= want.abs() * std::ldexp(1.0, -11) + 1e-6).all().item<bool>();
        };
        for (size_t s = 0; s < 3; ++s) {
            const auto ctx = makePositionContext(c, rope, 0, floatIn[s].size(1));
            const at::Tensor wantFloat = decoderLayer(
                c, *weights, [&](model::Projection p, const at::Tensor& x) { return floatProjection(*weights, p, x); },
                floatIn[s], ctx, 1);
            const at::Tensor wantQuant = decoderLayer(
                c, *weights, [&](model::Projection p, const at::Tensor& x) { return layer->linears.at(p).forward(x); },
                quantIn[s], ctx, 1);
            QVERIFY(near(*store.get(kFloatStream, s), wantFloat));
            QVERIFY(near(*store.get(kQuantStream, s), wantQuant));
            QVERIFY(!near(*store.get(kQuantStream, s), wantFloat));
        }
        // Nothing of the layer's own streams is left behind.
        for (const char* kept : {"float.o_proj.in", "quant.o_proj.in", "float.down_proj.in", "quant.down_proj.in",
                                 "float.mid", "quant.mid"})
            QCOMPARE(store.samples(kept), size_t(0));
        QCOMPARE(store.bytesSpilled() + store.bytesInMemory() > 0, true);
    }

    void planResolvesBitsAndPaths()
    {
        model::ModelConfig c = smallConfig();
        CompileOptions o = baseOptions(m_dir.path());
        auto plan = makeCompilePlan(o, "/models/tiny", c);
        QVERIFY(plan.ok());
        QCOMPARE(int(plan->linears.size()), 2 * 7 + 1);
        for (const auto& l : plan->linears) {
            QCOMPARE(l.weightBits, l.group == "value" ? 8 : 4);
            QCOMPARE(l.activationBits, 8);
        }
        QCOMPARE(plan->linear(1, model::Projection::Down).module, std::string("model.layers.1.mlp.down_proj"));
        QCOMPARE(plan->linear(1, model::Projection::Down).in, int64_t(48));
        QCOMPARE(plan->linear(-1, model::Projection::Head).out, int64_t(40));
        QVERIFY(plan->rotate);
        QVERIFY(!plan->compiledConfig.tieWordEmbeddings);
        QCOMPARE(plan->reportPath, o.savePath + ".report.json");
        QCOMPARE(plan->reportCsvPath, o.savePath + ".report.csv");
        QCOMPARE(plan->workDir, o.savePath + ".work");
        QCOMPARE(QString::fromStdString(plan->rotationPath),
                 m_dir.path() + "/out/spinWeight/tiny/R1/global_rotation.pth");
        QCOMPARE(plan->rotatedEmbeddingPath, (m_dir.path() + "/out/embedding_rotated.pt").toStdString());

        // Overrides: group, then layer.group; 16-bit activations by module name.
        o.bitMode = quant::BitMode::W8;
        o.groupBits = {{"ffn", 4}, {"head", 6}};
        o.layerGroupBits = {{"1.ffn", 2}, {"0.query", 3}};
        o.keep16BitActivations = {"model.layers.0.mlp.down_proj", "lm_head"};
        o.reportPath = (m_dir.path() + "/r.json").toStdString();
        plan = makeCompilePlan(o, "/cache/models--org--Tiny-Model/snapshots/0123abcd", c);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        QVERIFY(!plan->rotate);
        QVERIFY(plan->rotationPath.empty());
        QCOMPARE(plan->modelName, std::string("Tiny-Model"));
        QCOMPARE(plan->reportCsvPath, (m_dir.path() + "/r.csv").toStdString());
        QCOMPARE(plan->linear(0, model::Projection::Query).weightBits, 3);
        QCOMPARE(plan->linear(1, model::Projection::Query).weightBits, 8);
        QCOMPARE(plan->linear(0, model::Projection::Gate).weightBits, 4);
        QCOMPARE(plan->linear(1, model::Projection::Up).weightBits, 2);
        QCOMPARE(plan->linear(-1, model::Projection::Head).weightBits, 6);
        QCOMPARE(plan->linear(0, model::Projection::Down).activationBits, 16);
        QCOMPARE(plan->linear(1, model::Projection::Down).activationBits, 8);
        QCOMPARE(plan->linear(-1, model::Projection::Head).activationBits, 16);

        o = baseOptions(m_dir.path());
        o.rotation = quant::RotationMode::On;
        o.bitMode = quant::BitMode::W8;
        QVERIFY(makeCompilePlan(o, "/models/tiny", c)->rotate);

        auto refused = [&](CompileOptions bad, const std::string& message) {
            auto p = makeCompilePlan(bad, "/models/tiny", c);
            QVERIFY(!p.ok());
            QCOMPARE(p.error().code, ErrorCode::InvalidArgument);
            QVERIFY2(p.error().message.find(message) != std::string::npos, p.error().message.c_str());
        };
        CompileOptions bad = baseOptions(m_dir.path());
        bad.groupSize = 12;  // ragged: 32 inputs make groups of 12, 12 and 8
        QVERIFY(makeCompilePlan(bad, "/models/tiny", c).ok());
        bad.groupSize = -1;
        refused(bad, "group size must be 0");
        bad = baseOptions(m_dir.path());
        bad.layerGroupBits = {{"0.head", 8}};
        refused(bad, "must be <layer>.<group>");
        bad.layerGroupBits = {{"x.ffn", 8}};
        refused(bad, "must be <layer>.<group>");
        bad = baseOptions(m_dir.path());
        bad.percentile = 1.5;
        refused(bad, "percentile");
        bad = baseOptions(m_dir.path());
        bad.savePath = m_dir.path().toStdString();
        refused(bad, "is a folder");
        bad = baseOptions(m_dir.path());
        bad.reportPath = bad.savePath;
        refused(bad, "two outputs would be written to");
    }

    void activationStoreSpillsAndKeepsBits()
    {
        const QString spill = m_dir.filePath("store/spill");
        std::mt19937_64 rng(3);
        const at::Tensor a = randomTensor(rng, {1, 7, 16}, 0, 3);
        at::Tensor big = randomTensor(rng, {1, 7, 16}, 0, 3);
        big[0][3][5] = 70000.0f;  // beyond float16
        {
            ActivationStore store(spill.toStdString(), 0);  // no memory: everything goes to files
            QVERIFY(store.put("x", 0, a).ok());
            QVERIFY(store.put("x", 1, big).ok());
            QVERIFY(store.put("exact", 0, a, StreamPrecision::Exact).ok());
            QCOMPARE(store.bytesInMemory(), int64_t(0));
            QCOMPARE(store.bytesSpilled(), int64_t(7 * 16 * 2 + 7 * 16 * 4 * 2));
            QCOMPARE(QDir(spill).entryList(QDir::Files).size(), 3);
            QVERIFY(at::equal(*store.get("x", 0), a.to(at::kHalf).to(at::kFloat)));
            QCOMPARE(store.getStored("x", 0)->scalar_type(), at::kHalf);
            QVERIFY(at::equal(*store.get("x", 1), big));
            QVERIFY(at::equal(*store.get("exact", 0), a));
            store.move("x", "y");
            QCOMPARE(store.samples("x"), size_t(0));
            QVERIFY(at::equal(*store.get("y", 1), big));
            store.drop("exact");
            QCOMPARE(QDir(spill).entryList(QDir::Files).size(), 2);
            QVERIFY(!store.get("exact", 0).ok());
        }
        QVERIFY(!QFileInfo::exists(spill));  // spill files go with the store

        ActivationStore memory(spill.toStdString(), 1 << 20);
        QVERIFY(memory.put("x", 2, a).ok());
        QCOMPARE(memory.bytesInMemory(), int64_t(7 * 16 * 2));
        QVERIFY(!memory.get("x", 1).ok());  // never stored
        a.mul_(2);                          // the store holds its own copy
        QVERIFY(at::equal(*memory.get("x", 2), (a / 2).to(at::kHalf).to(at::kFloat)));
    }

    void calibrationSamplesInOrder()
    {
        const QString dir = m_dir.filePath("calibset");
        writeSample(dir + "/b/inputs_embeds_0.npy", 3, 8, 3.0f);
        writeSample(dir + "/a/inputs_embeds_10.npy", 5, 8, 2.0f);
        writeSample(dir + "/a/inputs_embeds_2.npy", 4, 8, 1.0f);
        QFile(dir + "/a/notes.txt").open(QIODevice::WriteOnly);
        auto set = CalibrationSet::open(dir.toStdString(), 8, 64, 0, {}, {});
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message.c_str());
        QCOMPARE(int(set->size()), 3);
        QVERIFY(set->samples()[0].path.find("a/inputs_embeds_2.npy") != std::string::npos);
        QVERIFY(set->samples()[1].path.find("a/inputs_embeds_10.npy") != std::string::npos);
        QVERIFY(set->samples()[2].path.find("b/inputs_embeds_0.npy") != std::string::npos);
        QCOMPARE(set->tokens(), int64_t(12));
        auto first = set->load(0);
        QVERIFY(first.ok());
        QCOMPARE(first->sizes(), at::IntArrayRef({1, 4, 8}));
        QCOMPARE(first->index({0, 0, 1}).item<float>(), 1.001f);

        // A token limit keeps samples in order and cuts the last one.
        auto limited = CalibrationSet::open(dir.toStdString(), 8, 64, 6, {}, {});
        QVERIFY(limited.ok());
        QCOMPARE(int(limited->size()), 2);
        QCOMPARE(limited->tokens(), int64_t(6));
        QCOMPARE(limited->load(1)->size(1), int64_t(2));
        QVERIFY(limited->digest() != set->digest());

        // The digest follows the values.
        auto again = CalibrationSet::open(dir.toStdString(), 8, 64, 0, {}, {});
        QCOMPARE(again->digest(), set->digest());
        writeSample(dir + "/b/inputs_embeds_0.npy", 3, 8, 3.5f);
        QVERIFY(CalibrationSet::open(dir.toStdString(), 8, 64, 0, {}, {})->digest() != set->digest());

        auto tooLong = CalibrationSet::open(dir.toStdString(), 8, 4, 0, {}, {});
        QCOMPARE(tooLong.error().code, ErrorCode::InvalidArgument);
        QVERIFY(tooLong.error().message.find("more than the model's max_position_embeddings (4)") != std::string::npos);
    }

    void reportFilesRoundTrip()
    {
        CompileReport report;
        report.model = "tiny";
        report.bitMode = quant::BitMode::W4V8;
        report.weightMethod = quant::WeightMethod::Gptq;
        report.activationMethod = quant::ActivationMethod::Percentile;
        report.percentile = 0.9999;
        report.rotated = true;
        report.calibSamples = 2;
        report.calibTokens = 300;
        report.finalKlDivergence = 0.0123456789012345;
        LinearReport l;
        l.layer = 0;
        l.projection = "q_proj";
        l.group = "query";
        l.weightBits = 4;
        l.activationBits = 8;
        l.sqnrIsolatedDb = std::numeric_limits<double>::infinity();
        l.sqnrPropagatedDb = 17.25;
        l.weightScaleMin = 1.0 / 3.0;
        l.activationScale = 0.1;
        l.gptqDamping = 1e-7;
        report.linears.push_back(l);
        report.blocks.push_back({0, 21.5, 3.0});
        const QString path = m_dir.filePath("report.json");
        QVERIFY(writeFileAtomically(path.toStdString(), reportJsonText(report)).ok());
        auto loaded = loadCompileReport(path.toStdString());
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        QCOMPARE(loaded->finalKlDivergence, report.finalKlDivergence);
        QCOMPARE(loaded->percentile, 0.9999);
        QVERIFY(std::isinf(loaded->linears[0].sqnrIsolatedDb));
        QCOMPARE(loaded->linears[0].weightScaleMin, 1.0 / 3.0);  // doubles survive exactly
        QCOMPARE(loaded->linears[0].gptqDamping, 1e-7);
        QCOMPARE(loaded->blocks[0].outputSqnrDb, 21.5);
        QCOMPARE(loaded->blocks[0].seconds, 0.0);  // timings are not part of the file
        QCOMPARE(reportJsonText(*loaded), reportJsonText(report));
        QCOMPARE(QString::fromStdString(reportCsvText(report)).split('\n')[1],
                 QString("0,q_proj,query,4,8,inf,17.25,0.333333333,0,0,0,0.1,0,0,1e-07"));

        std::string text = reportJsonText(report);
        text.replace(text.find("\"calib_tokens\""), 14, "\"calib_tokenz\"");
        QVERIFY(writeFileAtomically(path.toStdString(), text).ok());
        auto corrupt = loadCompileReport(path.toStdString());
        QCOMPARE(corrupt.error().code, ErrorCode::Corrupt);
        QVERIFY(corrupt.error().message.find("\"calib_tokens\" is missing") != std::string::npos);
        // The methods are read with QuantPlan's spellings: another one is refused, naming the accepted ones.
        text = reportJsonText(report);
        text.replace(text.find("\"w4v8\""), 6, "\"w3\"");
        QVERIFY(writeFileAtomically(path.toStdString(), text).ok());
        corrupt = loadCompileReport(path.toStdString());
        QCOMPARE(corrupt.error().code, ErrorCode::Corrupt);
        QVERIFY2(corrupt.error().message.find("\"bit_mode\" is \"w3\", not one of w8, w4, w4v8") != std::string::npos,
                 corrupt.error().message.c_str());
        QCOMPARE(loadCompileReport(m_dir.filePath("none.json").toStdString()).error().code, ErrorCode::NotFound);
    }

    void workStateResumesOnlyTheSameCompile()
    {
        const std::string dir = m_dir.filePath("work").toStdString();
        std::string note;
        auto state = WorkState::open(dir, "fingerprint-1", true, note);
        QVERIFY(state.ok());
        QCOMPARE(state->finishedLayers(), 0);
        QVERIFY(note.empty());

        std::mt19937_64 rng(5);
        ActivationStore store(state->spillFolder(), 1 << 20);
        for (size_t s = 0; s < 2; ++s) {
            QVERIFY(store.put(kFloatStream, s, randomTensor(rng, {1, 3 + int64_t(s), 8}, 0, 1)).ok());
            QVERIFY(store.put(kQuantStream, s, randomTensor(rng, {1, 3 + int64_t(s), 8}, 0, 1)).ok());
        }
        LinearReport row;
        row.layer = 0;
        row.projection = "q_proj";
        row.sqnrIsolatedDb = 31.0 / 7.0;
        QVERIFY(state->commitLayer(0, {{"t", at::arange(4, at::kFloat)}}, {row}, {0, 12.5, 1.0}, store, 2).ok());
        QVERIFY(QFile::exists(QString::fromStdString(dir) + "/layer-0.safetensors"));
        QVERIFY(QFile::exists(QString::fromStdString(dir) + "/streams-1.safetensors"));

        // The folder is locked while a state lives: another open fails until it is gone (as when the first compile
        // ends, or is killed, before the second starts).
        auto locked = WorkState::open(dir, "fingerprint-1", true, note);
        QVERIFY(!locked.ok());
        QCOMPARE(locked.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(locked.error().message.find("another compile is running with the work folder") != std::string::npos,
                 locked.error().message.c_str());
        {
            const WorkState released = std::move(state).value();
        }

        auto resumed = WorkState::open(dir, "fingerprint-1", true, note);
        QVERIFY(resumed.ok());
        QCOMPARE(resumed->finishedLayers(), 1);
        QVERIFY(note.find("resuming after layer 0") != std::string::npos);
        QCOMPARE(resumed->layers()[0].linears[0].sqnrIsolatedDb, 31.0 / 7.0);
        QCOMPARE(resumed->layers()[0].block.outputSqnrDb, 12.5);
        ActivationStore restored(resumed->spillFolder(), 1 << 20);
        QVERIFY(resumed->restoreStreams(restored, 2).ok());
        for (size_t s = 0; s < 2; ++s)
            for (const char* stream : {kFloatStream, kQuantStream}) {
                QCOMPARE(restored.getStored(stream, s)->scalar_type(), at::kHalf);
                QVERIFY(at::equal(*restored.getStored(stream, s), *store.getStored(stream, s)));
            }

        // A second layer replaces the stream checkpoint.
        QVERIFY(resumed->commitLayer(1, {{"t", at::arange(2, at::kFloat)}}, {row}, {1, 9.0, 1.0}, store, 2).ok());
        QVERIFY(!QFile::exists(QString::fromStdString(dir) + "/streams-1.safetensors"));
        QVERIFY(QFile::exists(QString::fromStdString(dir) + "/streams-2.safetensors"));

        {
            const WorkState released = std::move(resumed).value();
        }
        auto other = WorkState::open(dir, "fingerprint-2", true, note);
        QVERIFY(other.ok());
        QCOMPARE(other->finishedLayers(), 0);
        QVERIFY2(note.find("other inputs or options") != std::string::npos &&
                     note.find("starting over") != std::string::npos,
                 note.c_str());
        QVERIFY(!QFile::exists(QString::fromStdString(dir) + "/layer-0.safetensors"));
        QFile(QString::fromStdString(dir) + "/keep.txt").open(QIODevice::WriteOnly);
        other->remove();
        QVERIFY(QFile::exists(QString::fromStdString(dir) + "/keep.txt"));  // only the compile's own files go
        QFile::remove(QString::fromStdString(dir) + "/keep.txt");
        other->remove();
        QVERIFY(!QFileInfo::exists(QString::fromStdString(dir)));
    }

    void errorSumsMatchOneShotMetrics()
    {
        std::mt19937_64 rng(9);
        const at::Tensor y1 = randomTensor(rng, {3, 5, 11}, 0, 2), y2 = randomTensor(rng, {1, 4, 11}, 0, 2);
        const at::Tensor e1 = y1 + randomTensor(rng, {3, 5, 11}, 0, 0.1),
                         e2 = y2 + randomTensor(rng, {1, 4, 11}, 0, 0.1);
        SqnrAccumulator sqnr;
        sqnr.add(y1, e1);
        sqnr.add(y2, e2);
        const auto all = at::cat({y1.view({-1, 11}), y2.view({-1, 11})}),
                   allE = at::cat({e1.view({-1, 11}), e2.view({-1, 11})});
        QVERIFY(std::abs(sqnr.db() - *quant::sqnrDb(all, allE)) < 1e-9);
        SqnrAccumulator exact;
        exact.add(y1, y1);
        QVERIFY(std::isinf(exact.db()));

        KlAccumulator kl;
        kl.add(y1, e1);
        kl.add(y2, e2);
        QVERIFY(std::abs(kl.mean() - *quant::meanKlDivergence(all, allE)) < 1e-12);

        ClipCounter clips;
        clips.add(y1, 0.01, 8);
        clips.add(y2, 0.01, 8);
        QVERIFY(std::abs(clips.rate() - *quant::clippingRate(all, 0.01, 8)) < 1e-12);
        QVERIFY(clips.rate() > 0.1);
    }
};

QTEST_GUILESS_MAIN(TestCompileParts)
#include "TestCompileParts.moc"
