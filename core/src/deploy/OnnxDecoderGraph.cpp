#include "deploy/OnnxDecoderGraph.h"

#include "deploy/OnnxLinear.h"
#include "model/Rope.h"

#include <cmath>
#include <limits>

namespace lathe::deploy {
namespace {

using Ints = std::vector<int64_t>;

class DecoderBuilder {
public:
    DecoderBuilder(std::shared_ptr<const compiled::CompiledModelFile> file, int opset)
        : m_file(std::move(file)), m_config(m_file->config()), g(opset)
    {
    }

    Result<OnnxGraph> build(at::Tensor embedding)
    {
        declareInterface();
        g.setScope("embed");
        g.defer({"embedding",
                 {{"model.embed_tokens.weight", OnnxType::Float, {m_config.vocabSize, m_config.hiddenSize}}},
                 [table = std::move(embedding)]() -> Result<std::vector<at::Tensor>> {
                     return std::vector<at::Tensor>{table};
                 }});
        std::string h = g.add("Gather", {"model.embed_tokens.weight", "input_ids"});
        buildMask();
        buildRope();
        for (int i = 0; i < m_config.numLayers; ++i) {
            auto next = layer(i, h);
            if (!next) return next.error();
            h = std::move(next).value();
        }
        g.setScope("norm");
        auto normed = rmsNorm(h, "model.norm.weight");
        if (!normed) return normed.error();
        g.setScope("head");
        auto logits = addQdqLinear(g, m_file, compiled::kHeadModule, *normed);
        if (!logits) return logits.error();
        g.add("Identity", {*logits}, {}, "logits");
        return std::move(g);
    }

private:
    void declareInterface()
    {
        const int64_t kv = m_config.numKvHeads, d = m_config.headDim;
        g.input("input_ids", OnnxType::Int64, {"batch_size", "sequence_length"});
        g.input("attention_mask", OnnxType::Int64, {"batch_size", "total_sequence_length"});
        g.input("position_ids", OnnxType::Int64, {"batch_size", "sequence_length"});
        for (int i = 0; i < m_config.numLayers; ++i)
            for (const char* part : {"key", "value"})
                g.input("past_key_values." + std::to_string(i) + "." + part, OnnxType::Float,
                        {"batch_size", kv, "past_sequence_length", d});
        g.output("logits", OnnxType::Float, {"batch_size", "sequence_length", int64_t(m_config.vocabSize)});
        for (int i = 0; i < m_config.numLayers; ++i)
            for (const char* part : {"key", "value"})
                g.output("present." + std::to_string(i) + "." + part, OnnxType::Float,
                         {"batch_size", kv, "total_sequence_length", d});
    }

    // The additive mask [batch, 1, 1, seq, total]: 0 where a query may see a key (the key is not after the
    // query's position and its attention_mask is 1), else float's lowest. Lathe's runtime adds -inf; both give
    // exactly zero weight after the softmax, and the finite value keeps a fully padded row from becoming NaN.
    void buildMask()
    {
        g.setScope("mask");
        const std::string one = g.int64Scalar(1);
        const std::string total = g.add("Gather", {g.add("Shape", {"attention_mask"}), one});
        const std::string seq = g.add("Gather", {g.add("Shape", {"input_ids"}), one});
        const std::string keys = g.add("Range", {g.int64Scalar(0), total, one});
        const std::string queries = g.add("Range", {g.add("Sub", {total, seq}), total, one});
        const std::string causal =
            g.add("LessOrEqual", {keys, g.add("Unsqueeze", {queries, g.int64s({1})})});  // [seq, total]
        const std::string padded = g.add(
            "Unsqueeze", {g.add("Cast", {"attention_mask"}, {{"to", int64_t(OnnxType::Bool)}}), g.int64s({1, 2, 3})});
        const std::string allowed = g.add("And", {causal, padded});
        m_mask = g.add("Where", {allowed, g.floatScalar(0.0f), g.floatScalar(std::numeric_limits<float>::lowest())});
        if (m_config.slidingWindow > 0) {
            // Sliding layers also drop keys `window` or more positions before the query: key > query - window.
            const std::string recent = g.add(
                "Greater", {keys, g.add("Unsqueeze", {g.add("Sub", {queries, g.int64Scalar(m_config.slidingWindow)}),
                                                      g.int64s({1})})});
            m_windowMask = g.add("Where", {g.add("And", {allowed, recent}), g.floatScalar(0.0f),
                                           g.floatScalar(std::numeric_limits<float>::lowest())});
        }
    }

    // cos / sin [batch, 1, seq, head_dim] of position_ids · inverse frequency (rope scaling applied), in float64
    // then rounded to float as model::Rope computes them: in float32 the angle loses digits once positions reach the
    // thousands. Both halves of a head share a frequency.
    void buildRope()
    {
        g.setScope("rope");
        const std::string positions =
            g.add("Unsqueeze", {g.add("Cast", {"position_ids"}, {{"to", int64_t(OnnxType::Double)}}), g.int64s({-1})});
        const std::string angles = g.add("Mul", {positions, g.doubles(model::Rope(m_config).inverseFrequencies())});
        for (const char* op : {"Cos", "Sin"}) {
            const std::string half = g.add("Cast", {g.add(op, {angles})}, {{"to", int64_t(OnnxType::Float)}});
            const std::string full = g.add("Concat", {half, half}, {{"axis", int64_t{-1}}});
            (op[0] == 'C' ? m_cos : m_sin) = g.add("Unsqueeze", {full, g.int64s({1})});
        }
    }

    // y = x · 1/sqrt(mean(x²) + eps) · weight over the last axis of `width` values, as model::rmsNorm.
    Result<std::string> rmsNorm(const std::string& x, const std::string& weight, int64_t width = 0)
    {
        const std::string tensor = weight;
        auto file = m_file;
        const int64_t hidden = width > 0 ? width : m_config.hiddenSize;
        g.defer({weight, {{weight, OnnxType::Float, {hidden}}}, [file, tensor]() -> Result<std::vector<at::Tensor>> {
                     auto t = file->floatTensor(tensor);
                     if (!t) return t.error();
                     return std::vector<at::Tensor>{t->contiguous()};
                 }});
        const std::string variance = g.reduceMeanLast(g.add("Mul", {x, x}));
        const std::string eps = g.floatScalar(float(m_config.rmsNormEps));
        const std::string inverse = g.add("Reciprocal", {g.add("Sqrt", {g.add("Add", {variance, eps})})});
        return g.add("Mul", {g.add("Mul", {x, inverse}), weight});
    }

    // [batch, seq, heads·d] → [batch, heads, seq, d]
    std::string splitHeads(const std::string& x, int64_t heads)
    {
        const std::string r = g.add("Reshape", {x, g.int64s({0, 0, heads, m_config.headDim})});
        return g.add("Transpose", {r}, {{"perm", Ints{0, 2, 1, 3}}});
    }

    // x·cos + rotate_half(x)·sin, rotate_half(x) = [-x2, x1] (Hugging Face's rotate_half, as model::Rope).
    std::string rotate(const std::string& x)
    {
        const int64_t half = m_config.headDim / 2;
        const std::string axis = g.int64s({-1});
        const std::string x1 = g.add("Slice", {x, g.int64s({0}), g.int64s({half}), axis});
        const std::string x2 = g.add("Slice", {x, g.int64s({half}), g.int64s({2 * half}), axis});
        const std::string rotated = g.add("Concat", {g.add("Neg", {x2}), x1}, {{"axis", int64_t{-1}}});
        return g.add("Add", {g.add("Mul", {x, m_cos}), g.add("Mul", {rotated, m_sin})});
    }

    Result<std::string> attention(int i, const std::string& x)
    {
        const std::string prefix = "model.layers." + std::to_string(i) + ".self_attn.";
        const int64_t heads = m_config.numHeads, kvHeads = m_config.numKvHeads, d = m_config.headDim;
        auto q = addQdqLinear(g, m_file, prefix + "q_proj", x);
        if (!q) return q.error();
        auto k = addQdqLinear(g, m_file, prefix + "k_proj", x);
        if (!k) return k.error();
        auto v = addQdqLinear(g, m_file, prefix + "v_proj", x);
        if (!v) return v.error();
        std::string qh = splitHeads(*q, heads), kh = splitHeads(*k, kvHeads);
        if (m_config.qkNorm) {
            // Qwen3: every head of q and k is RMS-normalised over head_dim before RoPE.
            auto qn = rmsNorm(qh, prefix + "q_norm.weight", d);
            if (!qn) return qn.error();
            auto kn = rmsNorm(kh, prefix + "k_norm.weight", d);
            if (!kn) return kn.error();
            qh = *qn;
            kh = *kn;
        }
        // EXAONE 4's global layers in a hybrid model take no position embedding.
        const bool rope = model::layerUsesRope(m_config, i);
        const std::string qr = rope ? rotate(qh) : qh;
        const std::string kr = rope ? rotate(kh) : kh;
        const std::string& mask = model::isSlidingLayer(m_config, i) ? m_windowMask : m_mask;
        const std::string past = "past_key_values." + std::to_string(i) + ".";
        const std::string present = "present." + std::to_string(i) + ".";
        const std::string keys = g.add("Concat", {past + "key", kr}, {{"axis", int64_t{2}}}, present + "key");
        const std::string values =
            g.add("Concat", {past + "value", splitHeads(*v, kvHeads)}, {{"axis", int64_t{2}}}, present + "value");
        // Grouped-query attention without copying K / V: query heads h·G .. h·G+G-1 share kv head h, so queries
        // become [batch, kv_heads, G, seq, d] and keys / values [batch, kv_heads, 1, total, d], and MatMul
        // broadcasts over G.
        const std::string q5 = g.add("Reshape", {qr, g.int64s({0, kvHeads, heads / kvHeads, -1, d})});
        const std::string two = g.int64s({2});
        const std::string kt = g.add("Transpose", {g.add("Unsqueeze", {keys, two})}, {{"perm", Ints{0, 1, 2, 4, 3}}});
        const std::string scale = g.floatScalar(float(1.0 / std::sqrt(double(d))));
        const std::string scores = g.add("Add", {g.add("Mul", {g.add("MatMul", {q5, kt}), scale}), mask});
        const std::string probs = g.add("Softmax", {scores}, {{"axis", int64_t{-1}}});
        const std::string context = g.add("MatMul", {probs, g.add("Unsqueeze", {values, two})});
        const std::string merged = g.add("Transpose", {g.add("Reshape", {context, g.int64s({0, heads, -1, d})})},
                                         {{"perm", Ints{0, 2, 1, 3}}});
        return addQdqLinear(g, m_file, prefix + "o_proj", g.add("Reshape", {merged, g.int64s({0, 0, heads * d})}));
    }

    Result<std::string> mlp(int i, const std::string& x)
    {
        const std::string prefix = "model.layers." + std::to_string(i) + ".mlp.";
        auto gate = addQdqLinear(g, m_file, prefix + "gate_proj", x);
        if (!gate) return gate.error();
        auto up = addQdqLinear(g, m_file, prefix + "up_proj", x);
        if (!up) return up.error();
        // silu(g) = g / (1 + exp(-g)), the formula ATen's kernel evaluates.
        const std::string silu =
            g.add("Div", {*gate, g.add("Add", {g.floatScalar(1.0f), g.add("Exp", {g.add("Neg", {*gate})})})});
        return addQdqLinear(g, m_file, prefix + "down_proj", g.add("Mul", {silu, *up}));
    }

    // h + out(attention(in(h))), then x + out(mlp(in(x))): pre-norm families normalise each sub-layer's input,
    // EXAONE 4 its output (model::attentionInput and its siblings).
    Result<std::string> layer(int i, const std::string& h)
    {
        const std::string prefix = "model.layers." + std::to_string(i) + ".";
        const bool post = m_config.postNorm;
        g.setScope("l" + std::to_string(i) + "/attn");
        std::string in = h;
        if (!post) LATHE_ASSIGN(in, rmsNorm(h, prefix + "input_layernorm.weight"));
        std::string attended;
        LATHE_ASSIGN(attended, attention(i, in));
        if (post) LATHE_ASSIGN(attended, rmsNorm(attended, prefix + "post_attention_layernorm.weight"));
        const std::string x = g.add("Add", {h, attended});
        g.setScope("l" + std::to_string(i) + "/mlp");
        in = x;
        if (!post) LATHE_ASSIGN(in, rmsNorm(x, prefix + "post_attention_layernorm.weight"));
        std::string down;
        LATHE_ASSIGN(down, mlp(i, in));
        if (post) LATHE_ASSIGN(down, rmsNorm(down, prefix + "post_feedforward_layernorm.weight"));
        return g.add("Add", {x, down});
    }

    std::shared_ptr<const compiled::CompiledModelFile> m_file;
    const model::ModelConfig& m_config;
    OnnxGraph g;
    std::string m_mask, m_windowMask, m_cos, m_sin;
};

}  // namespace

Result<OnnxGraph> buildDecoderGraph(const std::shared_ptr<const compiled::CompiledModelFile>& file,
                                    at::Tensor embedding, int opset)
{
    return DecoderBuilder(file, opset).build(std::move(embedding).contiguous());
}

}  // namespace lathe::deploy
