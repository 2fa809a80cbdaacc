#include "lathe/deploy/GgufExport.h"

#include "compiled/CompiledModelFile.h"
#include "deploy/ExportSources.h"
#include "deploy/GgufLinear.h"
#include "deploy/GgufVocabulary.h"
#include "model/Checkpoint.h"
#include "model/GgufWriter.h"
#include "model/Rope.h"
#include "model/TensorLayout.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace lathe::deploy {
namespace {

namespace fs = std::filesystem;
using model::GgmlType;

struct Architecture {
    std::string name;      // general.architecture
    bool interleavedRope;  // llama.cpp's "llama" rotates pairs (2i, 2i+1): Q/K rows go back to Meta's order
};

Result<Architecture> ggufArchitecture(const model::ModelConfig& c, const std::string& path)
{
    if (c.modelType == "llama" || c.modelType == "mistral") return Architecture{"llama", true};
    if (c.modelType == "exaone4" && c.slidingWindow > 0)
        // llama.cpp takes no per-layer attention kinds from the file: it assumes EXAONE 4's hybrid pattern only for
        // the 64-layer model and runs any other model with global attention and RoPE in every layer, which is right
        // only for a config without a sliding window.
        return makeError(ErrorCode::Unsupported,
                         path +
                             ": this EXAONE 4 model has a sliding window (sliding-window layers, and global layers "
                             "without RoPE), which llama.cpp cannot be told through GGUF; export it as ONNX "
                             "instead");
    // llama.cpp runs these with NeoX (rotate-half) RoPE, as their checkpoints store q/k.
    if (c.modelType == "qwen2" || c.modelType == "qwen3" || c.modelType == "exaone" || c.modelType == "exaone4")
        return Architecture{c.modelType, false};
    return makeError(ErrorCode::Unsupported, path +
                                                 ": GGUF export handles llama, mistral, qwen2, qwen3, exaone and "
                                                 "exaone4 models, not \"" +
                                                 c.modelType + "\"");
}

const std::vector<std::pair<std::string, GgmlType>>& embeddingTypes()
{
    static const std::vector<std::pair<std::string, GgmlType>> types{{"q4_0", GgmlType::Q4_0},
                                                                     {"q8_0", GgmlType::Q8_0},
                                                                     {"f16", GgmlType::F16},
                                                                     {"bf16", GgmlType::BF16},
                                                                     {"f32", GgmlType::F32}};
    return types;
}

// general.file_type: llama_ftype of the file's main weight type.
uint32_t fileType(const std::map<std::string, int>& counts)
{
    if (counts.count("Q4_0")) return 2;   // LLAMA_FTYPE_MOSTLY_Q4_0
    if (counts.count("Q8_0")) return 7;   // LLAMA_FTYPE_MOSTLY_Q8_0
    if (counts.count("F16")) return 1;    // LLAMA_FTYPE_MOSTLY_F16
    if (counts.count("BF16")) return 32;  // LLAMA_FTYPE_MOSTLY_BF16
    return 0;                             // LLAMA_FTYPE_ALL_F32
}

// The model's name for general.name: the Hub repo id the compile recorded, else the source folder's name.
std::string modelName(const compiled::CompiledModelInfo& info)
{
    const auto j = nlohmann::json::parse(info.provenanceJson, nullptr, false);
    if (j.is_object() && j.contains("source") && j["source"].is_object()) {
        const auto& source = j["source"];
        if (source.contains("repo_id") && source["repo_id"].is_string()) return source["repo_id"].get<std::string>();
        if (source.contains("model_path") && source["model_path"].is_string()) {
            const fs::path p = fs::path(source["model_path"].get<std::string>()).lexically_normal();
            const std::string name = (p.has_filename() ? p : p.parent_path()).filename().string();
            if (!name.empty()) return name;
        }
    }
    return "model";
}

void writeModelMetadata(model::GgufWriter& w, const Architecture& arch, const compiled::CompiledModelInfo& info)
{
    const model::ModelConfig& c = info.config;
    const std::string a = arch.name + ".";
    w.setString("general.architecture", arch.name);
    w.setString("general.name", modelName(info));
    for (const auto& [key, value] : {std::pair{"context_length", c.maxPositionEmbeddings},
                                     {"embedding_length", c.hiddenSize},
                                     {"block_count", c.numLayers},
                                     {"feed_forward_length", c.intermediateSize},
                                     {"attention.head_count", c.numHeads},
                                     {"attention.head_count_kv", c.numKvHeads},
                                     {"attention.key_length", c.headDim},
                                     {"attention.value_length", c.headDim},
                                     {"rope.dimension_count", c.headDim},
                                     {"vocab_size", c.vocabSize}})
        w.setUInt32(a + key, uint32_t(value));
    w.setFloat32(a + "rope.freq_base", float(c.ropeTheta));
    w.setFloat32(a + "attention.layer_norm_rms_epsilon", float(c.rmsNormEps));
}

// Llama-3 rope scaling as llama.cpp takes it: a rope_freqs tensor of the factor each frequency is divided by.
std::vector<float> ropeFactors(const model::ModelConfig& config)
{
    model::ModelConfig plain = config;
    plain.ropeScaling.reset();
    const std::vector<double> scaled = model::Rope(config).inverseFrequencies();
    const std::vector<double> unscaled = model::Rope(plain).inverseFrequencies();
    std::vector<float> factors(scaled.size());
    for (size_t i = 0; i < scaled.size(); ++i) factors[i] = float(unscaled[i] / scaled[i]);
    return factors;
}

// GGUF's name of a layer norm ("post_attention_layernorm.weight" → "ffn_norm", or "post_attention_norm" where the
// family applies it to the attention output).
std::string ggufNormName(const model::ModelConfig& c, const std::string& suffix)
{
    if (suffix == "input_layernorm.weight") return "attn_norm";
    if (suffix == "post_attention_layernorm.weight") return c.postNorm ? "post_attention_norm" : "ffn_norm";
    if (suffix == "post_feedforward_layernorm.weight") return "post_ffw_norm";
    if (suffix == "self_attn.q_norm.weight") return "attn_q_norm";
    if (suffix == "self_attn.k_norm.weight") return "attn_k_norm";
    return suffix;
}

// GGUF's tensor name of a layer module ("model.layers.3.mlp.down_proj" → "blk.3.ffn_down").
std::string ggufName(const std::string& module)
{
    static const std::vector<std::pair<std::string, std::string>> names{
        {"self_attn.q_proj", "attn_q"},      {"self_attn.k_proj", "attn_k"}, {"self_attn.v_proj", "attn_v"},
        {"self_attn.o_proj", "attn_output"}, {"mlp.gate_proj", "ffn_gate"},  {"mlp.up_proj", "ffn_up"},
        {"mlp.down_proj", "ffn_down"}};
    if (module == compiled::kHeadModule) return "output";
    const std::string prefix = "model.layers.";
    const size_t dot = module.find('.', prefix.size());
    const std::string layer = module.substr(prefix.size(), dot - prefix.size());
    for (const auto& [hf, gguf] : names)
        if (module.compare(dot + 1, std::string::npos, hf) == 0) return "blk." + layer + "." + gguf;
    return module;
}

// Every file of the export in declaration order: what to write and how.
struct Item {
    enum class Kind { Embedding, Norm, Linear, Bias, RopeFactors } kind;
    std::string name;    // GGUF tensor name
    std::string source;  // container tensor or module
    int64_t rows = 0, cols = 0;
    GgmlType type = GgmlType::F32;
    LinearExport linear;  // Kind::Linear and Kind::Bias
};

}  // namespace

std::vector<std::string> ggufEmbeddingTypeNames()
{
    std::vector<std::string> out;
    for (const auto& [name, type] : embeddingTypes()) out.push_back(name);
    return out;
}

Result<GgufExportSummary> exportGguf(const GgufExportOptions& options, const ProgressFn& progress,
                                     const StopToken& stop)
{
    auto report = [&](const std::string& detail, int64_t done, int64_t total) {
        if (progress) progress(Progress{"export", detail, done, total, "tensors"});
    };
    if (options.outputPath.empty())
        return makeError(ErrorCode::InvalidArgument, "no output given; pass --output <file.gguf>");
    std::error_code ec;
    if (fs::exists(options.outputPath, ec) && !options.force)
        return makeError(ErrorCode::InvalidArgument,
                         options.outputPath + " already exists; pass --force to replace it");
    if (fs::is_directory(options.outputPath, ec))
        return makeError(ErrorCode::InvalidArgument,
                         options.outputPath + " is a folder; --output names the .gguf file");
    GgmlType embeddingType = GgmlType::Q8_0;
    bool embeddingTypeChosen = false;
    if (!options.embeddingType.empty()) {
        const auto& types = embeddingTypes();
        auto it =
            std::find_if(types.begin(), types.end(), [&](const auto& t) { return t.first == options.embeddingType; });
        if (it == types.end())
            return makeError(ErrorCode::InvalidArgument, "embedding type \"" + options.embeddingType +
                                                             "\" is not one of q4_0, q8_0, f16, bf16, f32");
        embeddingType = it->second;
        embeddingTypeChosen = true;
    }

    auto sources = openExportSources(options.compiledPath, options.embeddingPath, options.modelPath,
                                     "GGUF stores the input embedding in the file", progress);
    if (!sources) return sources.error();
    const compiled::CompiledModelFile& file = *sources->file;
    const compiled::CompiledModelInfo& info = file.info();
    const model::ModelConfig& config = info.config;
    auto arch = ggufArchitecture(config, options.compiledPath);
    if (!arch) return arch.error();

    // Every linear is checked against GGUF's blocks before anything is written.
    const bool halfScales = compiledWithHalfScales(info);
    std::vector<Item> items;
    auto linearItem = [&](const std::string& module, int heads) -> Result<void> {
        auto plan = planLinearExport(module, info, halfScales, options.requantize, options.compiledPath);
        if (!plan) return plan.error();
        plan->permuteHeads = arch->interleavedRope ? heads : 0;
        items.push_back(
            {Item::Kind::Linear, ggufName(module) + ".weight", module, plan->out, plan->in, plan->type, *plan});
        if (info.linears.at(module).hasBias)
            items.push_back({Item::Kind::Bias, ggufName(module) + ".bias", module, 0, plan->out, GgmlType::F32, *plan});
        return {};
    };
    const auto head = info.linears.find(compiled::kHeadModule);
    if (head == info.linears.end())
        return makeError(ErrorCode::Corrupt, options.compiledPath + ": the container has no lm_head");
    if (!embeddingTypeChosen) embeddingType = head->second.weightBits <= 4 ? GgmlType::Q4_0 : GgmlType::Q8_0;
    if (config.hiddenSize % model::kGgmlBlock != 0 &&
        (embeddingType == GgmlType::Q4_0 || embeddingType == GgmlType::Q8_0))
        embeddingType = GgmlType::F16;
    items.push_back(
        {Item::Kind::Embedding, "token_embd.weight", "", config.vocabSize, config.hiddenSize, embeddingType, {}});
    const auto norms = model::layerNormTensors(config);
    for (int i = 0; i < config.numLayers; ++i) {
        const std::string blk = "blk." + std::to_string(i) + ".";
        for (const auto& norm : norms)
            items.push_back({Item::Kind::Norm,
                             blk + ggufNormName(config, norm.name) + ".weight",
                             model::layerTensorName(i, norm.name),
                             0,
                             norm.shape.at(0),
                             GgmlType::F32,
                             {}});
        const auto modules = compiled::layerModules(i);
        for (size_t p = 0; p < modules.size(); ++p) {
            const int heads = p == 0 ? config.numHeads : p == 1 ? config.numKvHeads : 0;
            LATHE_TRY(linearItem(modules[p], heads));
        }
    }
    items.push_back(
        {Item::Kind::Norm, "output_norm.weight", "model.norm.weight", 0, config.hiddenSize, GgmlType::F32, {}});
    LATHE_TRY(linearItem(compiled::kHeadModule, 0));
    const bool llama3Rope = config.ropeScaling && config.ropeScaling->type == "llama3";
    if (llama3Rope)
        items.push_back({Item::Kind::RopeFactors, "rope_freqs.weight", "", 0, config.headDim / 2, GgmlType::F32, {}});

    // The tokenizer, checked before writing too.
    const std::string folder = sources->tokenizer.path();
    LATHE_TRY(copyModelFile(*sources, "chat_template.jinja", folder));
    auto tokenizer = readGgufTokenizer(folder, config.vocabSize);
    if (!tokenizer) return tokenizer.error().withContext("exporting the tokenizer stored in " + options.compiledPath);

    GgufExportSummary summary;
    summary.outputPath = options.outputPath;
    summary.architecture = arch->name;
    model::GgufWriter writer;
    for (const Item& item : items) {
        LATHE_TRY(writer.addTensor(item.name, item.rows, item.cols, item.type));
        ++summary.typeCounts[model::toString(item.type)];
        if (item.rows > 0) {
            summary.weights += item.rows * item.cols;
            summary.bitsPerWeight += double(*model::ggmlBytes(item.type, item.rows, item.cols)) * 8.0;
        }
        if (item.kind == Item::Kind::Linear) {
            if (item.linear.fit == LinearFit::Exact) ++summary.exactLinears;
            if (item.linear.fit == LinearFit::Float16) summary.f16Linears.push_back(item.source);
            if (item.linear.fit == LinearFit::HalfScales)
                summary.requantized.push_back(item.source + ": codes kept, scales rounded to float16");
            if (item.linear.fit == LinearFit::Rounded)
                summary.requantized.push_back(item.source + ": rounded to nearest as " + model::toString(item.type) +
                                              " (" + item.linear.reason + ")");
        }
    }
    summary.bitsPerWeight = summary.weights > 0 ? summary.bitsPerWeight / double(summary.weights) : 0.0;
    summary.tensors = int(items.size());
    writeModelMetadata(writer, *arch, info);
    writer.setUInt32("general.file_type", fileType(summary.typeCounts));
    writer.setUInt32("general.quantization_version", 2);
    writeTokenizerMetadata(writer, *tokenizer);
    summary.notes.push_back(
        "static activation scales are not stored: llama.cpp quantizes activations itself, at run "
        "time (to 8 bits for Q4_0 / Q8_0 products)");
    if (info.rotation.r1 || info.rotation.fusedNorms)
        summary.notes.push_back(
            "rotations and norm fusion are folded into the weights: norm weights are ones, the "
            "embedding and the head are rotated");

    auto lock = lockExportFolder(options.outputPath);
    if (!lock) return lock.error();
    LATHE_TRY(writer.begin(options.outputPath));
    for (size_t i = 0; i < items.size(); ++i) {
        const Item& item = items[i];
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "GGUF export cancelled");
        report(item.name, int64_t(i), int64_t(items.size()));
        std::string bytes;
        switch (item.kind) {
            case Item::Kind::Embedding:
                bytes = model::encodeRounded(sources->embedding, item.type);
                break;
            case Item::Kind::Norm: {
                auto t = file.floatTensor(item.source);
                if (!t) return t.error();
                bytes = model::encodeRounded(t->view({1, -1}), GgmlType::F32);
                break;
            }
            case Item::Kind::Linear: {
                auto linear = file.linear(item.source);
                if (!linear) return linear.error();
                auto encoded = encodeLinearExport(item.linear, *linear);
                if (!encoded) return encoded.error().withContext("exporting " + item.source);
                bytes = std::move(encoded).value();
                break;
            }
            case Item::Kind::Bias: {
                // Read on its own: the linear's codes need not be unpacked a second time for it.
                auto bias = file.floatTensor(compiled::biasName(item.source));
                if (!bias) return bias.error();
                bytes = encodeBiasExport(item.linear, *bias);
                break;
            }
            case Item::Kind::RopeFactors: {
                const auto factors = ropeFactors(config);
                bytes.assign(reinterpret_cast<const char*>(factors.data()), factors.size() * sizeof(float));
                break;
            }
        }
        LATHE_TRY(writer.writeTensor(bytes));
    }
    summary.bytes = writer.fileBytes();
    LATHE_TRY(writer.commit());
    report("done", int64_t(items.size()), int64_t(items.size()));
    return summary;
}

}  // namespace lathe::deploy
