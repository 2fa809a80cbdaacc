#include "model/Llama2cReader.h"

#include "model/MappedFile.h"
#include "model/RopePermutation.h"

#include <cstring>

namespace lathe::model {

Result<ImportedModel> readLlama2cCheckpoint(const std::string& path, const StopToken& stop)
{
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    const MappedFile& file = **mapped;
    auto corrupt = [&](const std::string& what) {
        return makeError(ErrorCode::Corrupt, path + " is not a valid llama2.c checkpoint: " + what);
    };
    if (file.size() < 28) return corrupt("it is " + std::to_string(file.size()) + " bytes, shorter than the 28-byte header");
    int32_t h[7];
    std::memcpy(h, file.data(), sizeof h);
    const int64_t dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], seqLen = h[6];
    const bool shared = h[5] > 0;
    const int64_t vocab = h[5] < 0 ? -int64_t(h[5]) : h[5];
    // Bounds keep every product below 2^62 and reject files that merely start with 28 random bytes.
    constexpr int64_t kMax = 1 << 20;
    for (int64_t v : {dim, hidden, layers, heads, kvHeads, vocab, seqLen})
        if (v <= 0 || v > kMax)
            return corrupt("header (dim " + std::to_string(dim) + ", hidden_dim " + std::to_string(hidden) +
                           ", n_layers " + std::to_string(layers) + ", n_heads " + std::to_string(heads) +
                           ", n_kv_heads " + std::to_string(kvHeads) + ", vocab_size " + std::to_string(h[5]) +
                           ", seq_len " + std::to_string(seqLen) + ") has a value out of range");
    if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0)
        return corrupt("header says dim " + std::to_string(dim) + ", n_heads " + std::to_string(heads) +
                       ", n_kv_heads " + std::to_string(kvHeads) +
                       ": dim must split into heads of even size and n_heads must be a multiple of n_kv_heads");
    const int64_t headDim = dim / heads, kvDim = kvHeads * headDim;

    struct Array {
        const char* what;
        std::vector<int64_t> shape;  // per layer when `perLayer`
        bool perLayer;
    };
    const std::vector<Array> arrays = {
        {"token_embedding", {vocab, dim}, false}, {"rms_att", {dim}, true},          {"wq", {dim, dim}, true},
        {"wk", {kvDim, dim}, true},               {"wv", {kvDim, dim}, true},        {"wo", {dim, dim}, true},
        {"rms_ffn", {dim}, true},                 {"w1", {hidden, dim}, true},       {"w2", {dim, hidden}, true},
        {"w3", {hidden, dim}, true},              {"rms_final", {dim}, false},       {"freq_cis_real", {seqLen, headDim / 2}, false},
        {"freq_cis_imag", {seqLen, headDim / 2}, false},
    };
    auto count = [&](const Array& a) {
        int64_t n = a.perLayer ? layers : 1;
        for (int64_t d : a.shape) n *= d;
        return n;
    };
    int64_t floats = 0;
    for (const Array& a : arrays) floats += count(a);
    if (!shared) floats += vocab * dim;
    const uint64_t expected = 28 + 4 * static_cast<uint64_t>(floats);
    if (file.size() != expected)
        return corrupt("the header (dim " + std::to_string(dim) + ", " + std::to_string(layers) + " layers, vocab " +
                       std::to_string(vocab) + (shared ? ", shared" : ", separate") + " classifier) implies " +
                       std::to_string(expected) + " bytes but the file has " + std::to_string(file.size()) +
                       (file.size() < expected ? " (truncated?)" : ""));

    uint64_t offset = 28;
    auto take = [&](std::vector<int64_t> shape) {
        at::Tensor t = at::empty(shape, at::kFloat);
        std::memcpy(t.data_ptr(), file.data() + offset, t.nbytes());
        offset += t.nbytes();
        return t;
    };
    auto takeLayers = [&](std::vector<int64_t> shape) {
        std::vector<at::Tensor> out;
        for (int64_t i = 0; i < layers; ++i) out.push_back(take(shape));
        return out;
    };

    ImportedModel m;
    ModelConfig& c = m.config;
    c.architecture = "LlamaForCausalLM";
    c.modelType = "llama";
    c.hiddenSize = int(dim);
    c.intermediateSize = int(hidden);
    c.numLayers = int(layers);
    c.numHeads = int(heads);
    c.numKvHeads = int(kvHeads);
    c.headDim = int(headDim);
    c.vocabSize = int(vocab);
    c.maxPositionEmbeddings = int(seqLen);
    c.rmsNormEps = 1e-5;  // llama2.c's run.c hard-codes this
    c.ropeTheta = 10000.0;
    c.tieWordEmbeddings = shared;
    c.bosTokenId = 1;
    c.eosTokenIds = {2};
    c.torchDtype = "float32";

    at::Tensor embed = take({vocab, dim});
    auto rmsAtt = takeLayers({dim});
    auto wq = takeLayers({dim, dim});
    auto wk = takeLayers({kvDim, dim});
    auto wv = takeLayers({kvDim, dim});
    auto wo = takeLayers({dim, dim});
    auto rmsFfn = takeLayers({dim});
    auto w1 = takeLayers({hidden, dim});
    auto w2 = takeLayers({dim, hidden});
    auto w3 = takeLayers({hidden, dim});
    at::Tensor rmsFinal = take({dim});
    offset += 2 * 4 * static_cast<uint64_t>(seqLen * headDim / 2);  // RoPE tables: recomputed from theta
    at::Tensor cls = shared ? at::Tensor() : take({vocab, dim});
    if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "import of " + path + " cancelled");

    m.tensors.emplace_back("model.embed_tokens.weight", embed);
    for (int64_t i = 0; i < layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        m.tensors.emplace_back(p + "input_layernorm.weight", rmsAtt[i]);
        m.tensors.emplace_back(p + "self_attn.q_proj.weight", interleavedToHalfRotary(wq[i], heads));
        m.tensors.emplace_back(p + "self_attn.k_proj.weight", interleavedToHalfRotary(wk[i], kvHeads));
        m.tensors.emplace_back(p + "self_attn.v_proj.weight", wv[i]);
        m.tensors.emplace_back(p + "self_attn.o_proj.weight", wo[i]);
        m.tensors.emplace_back(p + "post_attention_layernorm.weight", rmsFfn[i]);
        m.tensors.emplace_back(p + "mlp.gate_proj.weight", w1[i]);
        m.tensors.emplace_back(p + "mlp.up_proj.weight", w3[i]);
        m.tensors.emplace_back(p + "mlp.down_proj.weight", w2[i]);
    }
    m.tensors.emplace_back("model.norm.weight", rmsFinal);
    if (!shared) m.tensors.emplace_back("lm_head.weight", cls);
    return m;
}

}  // namespace lathe::model
