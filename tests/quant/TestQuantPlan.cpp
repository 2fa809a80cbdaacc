// The quantization rules of lathe/quant/QuantPlan.h: the spellings files and flags use, groups and module
// names, presets and allowed bits, the per-linear plan, its validation and the size estimate.
#include "lathe/quant/QuantPlan.h"

#include <QTest>

using namespace lathe;
using namespace lathe::quant;

namespace {

// A Llama-shaped model small enough to count by hand: hidden 64, ffn 172, 4 heads of 16 (2 kv heads), vocab 512.
model::ModelConfig smallConfig()
{
    model::ModelConfig c;
    c.architecture = "LlamaForCausalLM";
    c.modelType = "llama";
    c.hiddenSize = 64;
    c.intermediateSize = 172;
    c.numLayers = 2;
    c.numHeads = 4;
    c.numKvHeads = 2;
    c.headDim = 16;
    c.vocabSize = 512;
    return c;
}

}  // namespace

class TestQuantPlan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // These strings are in CLI flags, project files, report.json and compiled containers: they must not change.
    void spellingsAreFixed()
    {
        QCOMPARE(quant::bitModeNames(), (std::vector<std::string>{"w8", "w4", "w4v8"}));
        QCOMPARE(quant::weightMethodNames(), (std::vector<std::string>{"gptq", "rtn"}));
        QCOMPARE(quant::activationMethodNames(), (std::vector<std::string>{"max", "percentile", "mse"}));
        QCOMPARE(quant::rotationModeNames(), (std::vector<std::string>{"auto", "on", "off"}));
        for (quant::BitMode m : {quant::BitMode::W8, quant::BitMode::W4, quant::BitMode::W4V8})
            QVERIFY(quant::parseBitMode(toString(m)) == m);
        for (quant::WeightMethod m : {quant::WeightMethod::Gptq, quant::WeightMethod::Rtn})
            QVERIFY(quant::parseWeightMethod(toString(m)) == m);
        for (quant::ActivationMethod m :
             {quant::ActivationMethod::Max, quant::ActivationMethod::Percentile, quant::ActivationMethod::Mse})
            QVERIFY(quant::parseActivationMethod(toString(m)) == m);
        for (quant::RotationMode r : {quant::RotationMode::Auto, quant::RotationMode::On, quant::RotationMode::Off})
            QVERIFY(quant::parseRotationMode(toString(r)) == r);
        QVERIFY(!quant::parseBitMode("W8") && !quant::parseBitMode("w16") && !quant::parseBitMode(""));
        QVERIFY(!quant::parseActivationMethod("minmax") && !quant::parseWeightMethod("awq") &&
                !quant::parseRotationMode("yes"));
        QVERIFY(!rotates(quant::BitMode::W8, quant::RotationMode::Auto) &&
                rotates(quant::BitMode::W4, quant::RotationMode::Auto));
        QVERIFY(rotates(quant::BitMode::W8, quant::RotationMode::On) &&
                !rotates(quant::BitMode::W4V8, quant::RotationMode::Off));
    }

    void groupsAndModuleNames()
    {
        QCOMPARE(quant::projectionGroups(),
                 (std::vector<std::string>{"query", "key", "value", "output", "ffn", "head"}));
        QCOMPARE(quant::moduleName(3, model::Projection::Query), std::string("model.layers.3.self_attn.q_proj"));
        QCOMPARE(quant::moduleName(0, model::Projection::Output), std::string("model.layers.0.self_attn.o_proj"));
        QCOMPARE(quant::moduleName(12, model::Projection::Down), std::string("model.layers.12.mlp.down_proj"));
        QCOMPARE(quant::moduleName(5, model::Projection::Head), std::string("lm_head"));
        for (int layer : {0, 7, 31})
            for (model::Projection p : quant::layerProjections()) {
                const auto ref = quant::parseModuleName(quant::moduleName(layer, p));
                QVERIFY(ref && ref->layer == layer && ref->projection == p);
                QCOMPARE(quant::moduleGroup(quant::moduleName(layer, p)), std::string(quant::projectionGroup(p)));
            }
        QCOMPARE(quant::moduleGroup("lm_head"), std::string("head"));
        for (const char* bad : {"model.layers.x.mlp.up_proj", "model.layers..mlp.up_proj", "model.layers.1.mlp.q_proj",
                                "layers.1.mlp.up_proj", "model.layers.1.self_attn.gate_proj", "model.norm.weight"})
            QVERIFY2(quant::moduleGroup(bad).empty() && !quant::parseModuleName(bad), bad);

        const model::ModelConfig c = smallConfig();
        QCOMPARE(quant::groupModuleNames(c, "ffn"),
                 (std::vector<std::string>{"model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj",
                                           "model.layers.0.mlp.down_proj", "model.layers.1.mlp.gate_proj",
                                           "model.layers.1.mlp.up_proj", "model.layers.1.mlp.down_proj"}));
        QCOMPARE(quant::groupModuleNames(c, "head"), std::vector<std::string>{"lm_head"});
        QCOMPARE(quant::allModuleNames(c).size(), size_t(2 * 7 + 1));
        QCOMPARE(quant::linearShape(c, model::Projection::Key).out, int64_t(32));
        QCOMPARE(quant::linearShape(c, model::Projection::Down).in, int64_t(172));
        QCOMPARE(quant::linearShape(c, model::Projection::Head).out, int64_t(512));
    }

    void presetsAndAllowedBits()
    {
        QCOMPARE(quant::allowedWeightBits(), (std::vector<int>{2, 3, 4, 5, 6, 7, 8}));
        for (const std::string& g : quant::projectionGroups()) {
            QCOMPARE(presetBits(quant::BitMode::W8, g), 8);
            QCOMPARE(presetBits(quant::BitMode::W4, g), 4);
            QCOMPARE(presetBits(quant::BitMode::W4V8, g), g == "value" ? 8 : 4);
        }
        for (int bits : quant::allowedWeightBits()) QVERIFY(quant::checkWeightBits(bits, "x").ok());
        for (int bits : {0, 1, 9, 16, 32}) {
            auto r = quant::checkWeightBits(bits, "group override ffn=" + std::to_string(bits));
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        }
        // 16 is the one a user most likely means for activations: the message says where those are kept.
        const std::string message = quant::checkWeightBits(16, "group override ffn=16").error().message;
        QVERIFY2(message.find("group override ffn=16 asks for 16-bit weights; weight bits must be 2..8") == 0,
                 message.c_str());
        QVERIFY2(message.find("keep_16bit_activations") != std::string::npos, message.c_str());
        QVERIFY(quant::checkGroupSize(0).ok() && quant::checkGroupSize(48).ok() && !quant::checkGroupSize(-1).ok());
    }

    void planOfEveryLinear()
    {
        quant::QuantChoices q;
        q.bitMode = quant::BitMode::W4V8;
        q.groupBits = {{"ffn", 8}};
        q.layerGroupBits = {{"1.ffn", 3}};
        q.keep16BitActivations = {"model.layers.0.self_attn.v_proj", "lm_head"};
        auto plan = planLinears(smallConfig(), q);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        QCOMPARE(plan->size(), size_t(15));
        const quant::LinearPlan& v0 = plan->at(2);
        QCOMPARE(v0.module, std::string("model.layers.0.self_attn.v_proj"));
        QCOMPARE(v0.group, std::string("value"));
        QCOMPARE(v0.weightBits, 8);
        QCOMPARE(v0.activationBits, 16);
        QCOMPARE(plan->at(4).weightBits, 8);   // layer 0 gate: group override
        QCOMPARE(plan->at(11).weightBits, 3);  // layer 1 gate: layer override
        QCOMPARE(plan->at(7).weightBits, 4);   // layer 1 query: preset
        QCOMPARE(plan->at(9).activationBits, 8);
        const quant::LinearPlan& head = plan->back();
        QCOMPARE(head.layer, -1);
        QVERIFY(head.projection == model::Projection::Head);
        QCOMPARE(head.activationBits, 16);
        QCOMPARE(head.in, int64_t(64));
        QCOMPARE(head.out, int64_t(512));

        auto refused = [](const quant::QuantChoices& bad, const std::string& message) {
            auto p = planLinears(smallConfig(), bad);
            QVERIFY(!p.ok());
            QCOMPARE(p.error().code, ErrorCode::InvalidArgument);
            QVERIFY2(p.error().message.find(message) != std::string::npos, p.error().message.c_str());
            // What does not need the model is refused without it too, with the same message.
            const bool modelFree = bad.layerGroupBits.empty() && bad.keep16BitActivations.empty();
            if (modelFree) QCOMPARE(validateQuantChoices(bad).error().message, p.error().message);
        };
        quant::QuantChoices bad;
        bad.groupBits = {{"mlp", 8}};
        refused(bad, "unknown projection group \"mlp\"");
        bad.groupBits = {{"ffn", 16}};
        refused(bad, "asks for 16-bit weights");
        bad.groupBits.clear();
        bad.groupSize = -4;
        refused(bad, "group size must be 0");
        bad = quant::QuantChoices();
        bad.layerGroupBits = {{"2.ffn", 8}};
        refused(bad, "must be <layer>.<group>");
        bad.layerGroupBits = {{"0.ffn", 1}};
        refused(bad, "layer override 0.ffn=1 asks for 1-bit weights");
        bad = quant::QuantChoices();
        bad.keep16BitActivations = {"model.layers.5.mlp.up_proj"};
        refused(bad, "not a linear of this model");
    }

    // Per linear: codes as stored (4-bit packed for <= 4 bits, else int8) plus a float32 scale per channel and group.
    void ggufTarget()
    {
        QCOMPARE(std::string(toString(CompileTarget::Gguf)), std::string("gguf"));
        QCOMPARE(std::string(toString(ScaleType::F16)), std::string("f16"));
        QCOMPARE(parseCompileTarget("lathe"), std::optional<CompileTarget>(CompileTarget::Lathe));
        QVERIFY(!parseScaleType("fp16"));
        QuantChoices q;
        q.bitMode = BitMode::W4;
        q.target = CompileTarget::Gguf;
        // The target's own settings: groups of 32 and f16 scales; others are refused.
        QVERIFY(!validateQuantChoices(q).ok());
        const QuantChoices applied = applyTarget(q);
        QCOMPARE(applied.groupSize, int64_t(32));
        QVERIFY(applied.scaleType == ScaleType::F16);
        QuantChoices g64 = applied;
        g64.groupSize = 64;
        auto refused = validateQuantChoices(g64);
        QVERIFY(!refused.ok() && refused.error().message.find("groups of 32") != std::string::npos);
        auto plan = planLinears(smallConfig(), applied);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
        for (const LinearPlan& l : *plan) {
            // down_proj's 172 inputs are no whole number of blocks: GGUF stores it as F16, so it gets 8 bits.
            QCOMPARE(l.weightBits, l.in % 32 == 0 ? 4 : 8);
            QCOMPARE(l.activationBits, 16);  // llama.cpp quantizes activations itself
        }
        QCOMPARE(plan->at(6).module, std::string("model.layers.0.mlp.down_proj"));
        QCOMPARE(plan->at(6).weightBits, 8);
        // The size estimate follows the plan (down_proj at 8 bits); the container keeps scales as float32.
        QuantChoices lathe = applied;
        lathe.target = CompileTarget::Lathe;
        const int64_t downBytes = 2 * (64 * 172 * 4 / 8);  // the 4 extra bits per down_proj weight, two layers
        QCOMPARE(estimateCompiledBytes(smallConfig(), applied),
                 estimateCompiledBytes(smallConfig(), lathe) + downBytes);
    }

    void sizeEstimate()
    {
        const model::ModelConfig c = smallConfig();
        quant::QuantChoices q;
        q.bitMode = quant::BitMode::W8;
        // Per layer: q 64x64, k/v 32x64, o 64x64, gate/up 172x64, down 64x172; head 512x64.
        const int64_t weights = 2 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 2 * 172 * 64 + 64 * 172) + 512 * 64;
        const int64_t rows = 2 * (64 + 32 + 32 + 64 + 172 + 172 + 64) + 512;
        QCOMPARE(estimateCompiledBytes(c, q), weights + rows * 4);
        QCOMPARE(quant::bfloat16Bytes(c), weights * 2);
        q.bitMode = quant::BitMode::W4;
        QCOMPARE(estimateCompiledBytes(c, q), weights / 2 + rows * 4);
        q.groupBits = {{"ffn", 3}};  // stored as 4-bit codes, like 4
        QCOMPARE(estimateCompiledBytes(c, q), weights / 2 + rows * 4);
        q.groupBits.clear();
        q.groupSize = 48;  // 64 inputs: 2 groups; 172 inputs: 4 groups
        const int64_t scales = 2 * ((64 + 32 + 32 + 64 + 172 + 172) * 2 + 64 * 4) + 512 * 2;
        QCOMPARE(estimateCompiledBytes(c, q), weights / 2 + scales * 4);
    }
};

QTEST_GUILESS_MAIN(TestQuantPlan)
#include "TestQuantPlan.moc"
