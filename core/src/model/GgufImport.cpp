#include "model/GgufImport.h"

#include "model/GgufBlocks.h"
#include "model/GgufFile.h"
#include "model/RopePermutation.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lathe::model {

double shortestFloatAsDouble(float value)
{
    char buf[64];
    for (int precision = 1; precision <= 9; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(value));
        if (std::strtof(buf, nullptr) == value) return std::strtod(buf, nullptr);
    }
    return value;
}

namespace {

// The tensor's values as fp32, dequantized when it is stored in blocks.
at::Tensor toFloatTensor(const GgufFile& file, const GgufTensor& t)
{
    // GGUF lists ne0 (the contiguous row length) first; torch wants it last.
    std::vector<int64_t> shape(t.dims.rbegin(), t.dims.rend());
    const int64_t cols = t.dims[0];
    int64_t rows = 1;
    for (size_t d = 1; d < t.dims.size(); ++d) rows *= t.dims[d];  // bounded by the reader
    return decodeRows(file.data(t), *ggmlType(t.ggmlType), rows, cols).view(shape);
}

}  // namespace

Result<ImportedModel> readGgufCheckpoint(const std::string& path, const StopToken& stop)
{
    auto opened = GgufFile::open(path);
    if (!opened) return opened.error();
    const GgufFile& g = **opened;
    auto missing = [&](const std::string& key) {
        return makeError(ErrorCode::Corrupt, path + ": GGUF metadata \"" + key + "\" is missing or not a number");
    };

    const GgufValue* archValue = g.find("general.architecture");
    const std::string arch = archValue && archValue->type == GgufType::String ? archValue->text : "";
    if (arch != "llama")
        return makeError(ErrorCode::Unsupported, path + ": GGUF architecture \"" + arch +
                                                     "\" is not supported; Lathe imports \"llama\" GGUF files");
    auto integer = [&](const std::string& key, std::optional<int64_t> fallback) -> Result<int64_t> {
        const GgufValue* v = g.find(key);
        if (!v) {
            if (fallback) return *fallback;
            return missing(key);
        }
        if (!v->isInteger() || v->integer <= 0 || v->integer > INT32_MAX) return missing(key);
        return v->integer;
    };
    auto real = [&](const std::string& key, double fallback) -> Result<double> {
        const GgufValue* v = g.find(key);
        if (!v) return fallback;
        if (v->isReal()) return v->type == GgufType::Float32 ? shortestFloatAsDouble(float(v->real)) : v->real;
        if (v->isInteger()) return double(v->integer);
        return missing(key);
    };
#define LATHE_GET(dst, expr)           \
    do {                               \
        auto r_ = (expr);              \
        if (!r_) return r_.error();    \
        dst = r_.value();              \
    } while (0)

    if (const GgufValue* s = g.find(arch + ".rope.scaling.type"); s && s->text != "none" && !s->text.empty())
        return makeError(ErrorCode::Unsupported,
                         path + ": rope scaling \"" + s->text + "\" in GGUF files is not supported");
    if (g.findTensor("rope_freqs.weight"))
        return makeError(ErrorCode::Unsupported,
                         path + ": the model uses Llama-3 rope scaling (rope_freqs.weight), which GGUF import does "
                                "not support; download the Hugging Face checkpoint instead");

    ImportedModel m;
    ModelConfig& c = m.config;
    c.architecture = "LlamaForCausalLM";
    c.modelType = "llama";
    int64_t v = 0;
    LATHE_GET(v, integer(arch + ".embedding_length", std::nullopt)); c.hiddenSize = int(v);
    LATHE_GET(v, integer(arch + ".feed_forward_length", std::nullopt)); c.intermediateSize = int(v);
    LATHE_GET(v, integer(arch + ".block_count", std::nullopt)); c.numLayers = int(v);
    LATHE_GET(v, integer(arch + ".attention.head_count", std::nullopt)); c.numHeads = int(v);
    LATHE_GET(v, integer(arch + ".attention.head_count_kv", c.numHeads)); c.numKvHeads = int(v);
    LATHE_GET(v, integer(arch + ".context_length", 2048)); c.maxPositionEmbeddings = int(v);
    if (c.hiddenSize % c.numHeads != 0 && !g.find(arch + ".attention.key_length"))
        return makeError(ErrorCode::Corrupt, path + ": embedding_length is not a multiple of head_count");
    LATHE_GET(v, integer(arch + ".attention.key_length", c.hiddenSize / c.numHeads)); c.headDim = int(v);
    if (c.numHeads % c.numKvHeads != 0 || c.headDim % 2 != 0)
        return makeError(ErrorCode::Corrupt, path + ": head_count " + std::to_string(c.numHeads) +
                                                 " is not a multiple of head_count_kv " +
                                                 std::to_string(c.numKvHeads) + " or the head size is odd");
    if (const GgufValue* rd = g.find(arch + ".rope.dimension_count"); rd && rd->integer != c.headDim)
        return makeError(ErrorCode::Unsupported, path + ": partial rotary embeddings (rope.dimension_count " +
                                                     std::to_string(rd->integer) + " of head size " +
                                                     std::to_string(c.headDim) + ") are not supported");
    LATHE_GET(c.rmsNormEps, real(arch + ".attention.layer_norm_rms_epsilon", 1e-5));
    LATHE_GET(c.ropeTheta, real(arch + ".rope.freq_base", 10000.0));

    const GgufTensor* embd = g.findTensor("token_embd.weight");
    if (!embd || embd->dims.size() != 2 || embd->dims[0] != c.hiddenSize)
        return makeError(ErrorCode::Corrupt,
                         path + ": tensor token_embd.weight is missing or is not [vocab, " +
                             std::to_string(c.hiddenSize) + "]");
    c.vocabSize = int(embd->dims[1]);

    // Vocabulary and special ids.
    auto idOr = [&](const std::string& key, int fallback) {
        const GgufValue* id = g.find(key);
        return id && id->isInteger() && id->integer >= 0 && id->integer < c.vocabSize ? int(id->integer) : fallback;
    };
    c.bosTokenId = idOr("tokenizer.ggml.bos_token_id", 1);
    c.eosTokenIds = {idOr("tokenizer.ggml.eos_token_id", 2)};
    c.torchDtype = "float32";
    if (const GgufValue* tokens = g.find("tokenizer.ggml.tokens")) {
        EmbeddedVocabulary vocab;
        const GgufValue* model = g.find("tokenizer.ggml.model");
        vocab.model = model ? model->text : "";
        const GgufValue* scores = g.find("tokenizer.ggml.scores");
        const GgufValue* types = g.find("tokenizer.ggml.token_type");
        const size_t n = tokens->elements.size();
        if (tokens->type != GgufType::Array || tokens->elementType != GgufType::String || n != size_t(c.vocabSize))
            return makeError(ErrorCode::Corrupt, path + ": tokenizer.ggml.tokens must list " +
                                                     std::to_string(c.vocabSize) + " strings, one per embedding row");
        if ((scores && (scores->elements.size() != n || (n > 0 && !scores->elements[0].isReal()))) ||
            (types && (types->elements.size() != n || (n > 0 && !types->elements[0].isInteger()))))
            return makeError(ErrorCode::Corrupt,
                             path + ": tokenizer.ggml.scores / token_type do not match tokenizer.ggml.tokens");
        for (size_t i = 0; i < n; ++i) {
            vocab.tokens.push_back(tokens->elements[i].text);
            vocab.scores.push_back(scores ? float(scores->elements[i].real) : 0.0f);
            vocab.types.push_back(types ? int32_t(types->elements[i].integer) : 1);
        }
        if (const GgufValue* prefix = g.find("tokenizer.ggml.add_space_prefix"))
            vocab.addSpacePrefix = prefix->integer != 0;
        vocab.unkId = idOr("tokenizer.ggml.unknown_token_id", 0);
        vocab.bosId = *c.bosTokenId;
        vocab.eosId = c.eosTokenIds.front();
        vocab.padId = idOr("tokenizer.ggml.padding_token_id", -1);
        m.vocabulary = std::move(vocab);
    }

    // Tensors, in checkpoint order.
    auto fetch = [&](const std::string& name, std::vector<int64_t> shape) -> Result<at::Tensor> {
        const GgufTensor* t = g.findTensor(name);
        if (!t) return makeError(ErrorCode::Corrupt, path + ": tensor " + name + " is missing");
        std::vector<int64_t> actual(t->dims.rbegin(), t->dims.rend());
        if (actual != shape) {
            auto text = [](const std::vector<int64_t>& s) {
                std::string out = "[";
                for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
                return out + "]";
            };
            return makeError(ErrorCode::Corrupt, path + ": tensor " + name + " has shape " + text(actual) +
                                                     " (rows, columns) but the metadata implies " + text(shape));
        }
        return toFloatTensor(g, *t);
    };
    const int64_t h = c.hiddenSize, ffn = c.intermediateSize;
    const int64_t q = int64_t(c.numHeads) * c.headDim, kv = int64_t(c.numKvHeads) * c.headDim;
    at::Tensor t;
    LATHE_GET(t, fetch("token_embd.weight", {c.vocabSize, h}));
    m.tensors.emplace_back("model.embed_tokens.weight", t);
    for (int i = 0; i < c.numLayers; ++i) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "import of " + path + " cancelled");
        const std::string b = "blk." + std::to_string(i) + ".";
        const std::string p = "model.layers." + std::to_string(i) + ".";
        LATHE_GET(t, fetch(b + "attn_norm.weight", {h}));
        m.tensors.emplace_back(p + "input_layernorm.weight", t);
        LATHE_GET(t, fetch(b + "attn_q.weight", {q, h}));
        m.tensors.emplace_back(p + "self_attn.q_proj.weight", interleavedToHalfRotary(t, c.numHeads));
        LATHE_GET(t, fetch(b + "attn_k.weight", {kv, h}));
        m.tensors.emplace_back(p + "self_attn.k_proj.weight", interleavedToHalfRotary(t, c.numKvHeads));
        LATHE_GET(t, fetch(b + "attn_v.weight", {kv, h}));
        m.tensors.emplace_back(p + "self_attn.v_proj.weight", t);
        LATHE_GET(t, fetch(b + "attn_output.weight", {h, q}));
        m.tensors.emplace_back(p + "self_attn.o_proj.weight", t);
        LATHE_GET(t, fetch(b + "ffn_norm.weight", {h}));
        m.tensors.emplace_back(p + "post_attention_layernorm.weight", t);
        LATHE_GET(t, fetch(b + "ffn_gate.weight", {ffn, h}));
        m.tensors.emplace_back(p + "mlp.gate_proj.weight", t);
        LATHE_GET(t, fetch(b + "ffn_up.weight", {ffn, h}));
        m.tensors.emplace_back(p + "mlp.up_proj.weight", t);
        LATHE_GET(t, fetch(b + "ffn_down.weight", {h, ffn}));
        m.tensors.emplace_back(p + "mlp.down_proj.weight", t);
    }
    LATHE_GET(t, fetch("output_norm.weight", {h}));
    m.tensors.emplace_back("model.norm.weight", t);
    const GgufTensor* output = g.findTensor("output.weight");
    c.tieWordEmbeddings = output == nullptr;
    if (output) {
        // Converters write the classifier even when the model shares it with the embeddings.
        at::Tensor head;
        LATHE_GET(head, fetch("output.weight", {c.vocabSize, h}));
        const at::Tensor& embed = m.tensors.front().second;
        c.tieWordEmbeddings = std::memcmp(head.data_ptr(), embed.data_ptr(), embed.nbytes()) == 0;
        if (!c.tieWordEmbeddings) m.tensors.emplace_back("lm_head.weight", head);
    }
#undef LATHE_GET
    return m;
}

}  // namespace lathe::model
