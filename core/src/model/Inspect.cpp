#include "lathe/model/Inspect.h"

#include "model/Checkpoint.h"
#include "model/SafetensorsFile.h"
#include "model/TensorLayout.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace lathe::model {

Result<ModelSummary> inspectModel(const std::string& modelDir)
{
    try {
        auto opened = Checkpoint::open(modelDir);
        if (!opened) return opened.error();
        const Checkpoint& ckpt = **opened;
        ModelSummary s;
        s.directory = modelDir;
        s.config = ckpt.config();
        const std::string layer0 = layerTensorName(0, "");
        for (const TensorInfo& t : ckpt.tensors()) {
            int64_t n = 1;
            for (int64_t d : t.shape) n *= d;
            s.parameterCount += n;
            s.byteCount += n * int64_t(safetensorsDtypeSize(t.dtype));
            s.dtypeTensors[t.dtype] += 1;
            s.dtypeParameters[t.dtype] += n;
            const std::string file = std::filesystem::path(t.file).filename().string();
            if (std::find(s.files.begin(), s.files.end(), file) == s.files.end()) s.files.push_back(file);
            if (t.name.rfind(layer0, 0) == 0)
                s.layerTensors.push_back({t.name.substr(layer0.size()), t.dtype, t.shape});
            else if (t.name.rfind("model.layers.", 0) != 0)
                s.otherTensors.push_back({t.name, t.dtype, t.shape});
        }
        // List layer tensors in the architecture's order rather than alphabetically.
        const auto order = expectedLayerTensors(s.config);
        auto rank = [&](const TensorSummary& t) {
            for (size_t i = 0; i < order.size(); ++i)
                if (order[i].name == t.name) return i;
            return order.size();
        };
        std::stable_sort(s.layerTensors.begin(), s.layerTensors.end(),
                         [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
        std::sort(s.files.begin(), s.files.end());
        return s;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "inspecting " + modelDir + " failed: " + e.what());
    }
}

namespace {

std::string withThousands(int64_t n)
{
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string ropeText(const ModelConfig& c)
{
    std::ostringstream o;
    o << "theta " << c.ropeTheta;
    if (c.ropeScaling)
        o << ", scaling " << c.ropeScaling->type << " (factor " << c.ropeScaling->factor << ", low_freq_factor "
          << c.ropeScaling->lowFreqFactor << ", high_freq_factor " << c.ropeScaling->highFreqFactor
          << ", original context " << c.ropeScaling->originalMaxPositionEmbeddings << ")";
    else
        o << ", no scaling";
    return o.str();
}

}  // namespace

std::string formatModelSummary(const ModelSummary& s)
{
    const ModelConfig& c = s.config;
    std::ostringstream o;
    o << "model:          " << s.directory << "\n";
    o << "architecture:   " << c.architecture << " (" << c.modelType << ")\n";
    o << "parameters:     " << withThousands(s.parameterCount) << " (" << s.parameterCount << ")\n";
    o << "dtypes:        ";
    for (const auto& [dtype, count] : s.dtypeTensors)
        o << " " << dtype << " " << count << " tensors / " << withThousands(s.dtypeParameters.at(dtype)) << " params;";
    o << "\n";
    o << "embeddings:     " << (c.tieWordEmbeddings ? "tied (lm_head shares embed_tokens)" : "untied") << "\n";
    o << "hidden:         " << c.hiddenSize << ", intermediate " << c.intermediateSize << "\n";
    o << "attention:      " << c.numHeads << " heads, " << c.numKvHeads << " kv heads, head_dim " << c.headDim
      << (c.attentionBias ? ", q/k/v biases" : "") << (c.qkNorm ? ", per-head q/k RMSNorm" : "") << "\n";
    o << "rope:           " << ropeText(c) << "\n";
    o << "vocab:          " << c.vocabSize << "\n";
    o << "context:        " << c.maxPositionEmbeddings << "\n";
    o << "rms_norm_eps:   " << c.rmsNormEps << "\n";
    o << "files:          ";
    for (size_t i = 0; i < s.files.size(); ++i) o << (i ? ", " : "") << s.files[i];
    o << "\n";
    o << "tensors:\n";
    for (const auto& t : s.otherTensors) o << "  " << t.name << "  " << t.dtype << " " << shapeToString(t.shape) << "\n";
    o << "  per layer (× " << c.numLayers << " layers):\n";
    for (const auto& t : s.layerTensors)
        o << "    " << t.name << "  " << t.dtype << " " << shapeToString(t.shape) << "\n";
    return o.str();
}

std::string modelSummaryToJson(const ModelSummary& s)
{
    const ModelConfig& c = s.config;
    using Json = nlohmann::ordered_json;
    auto tensorList = [](const std::vector<TensorSummary>& list) {
        Json a = Json::array();
        for (const auto& t : list) a.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}});
        return a;
    };
    Json j;
    j["directory"] = s.directory;
    j["architecture"] = c.architecture;
    j["model_type"] = c.modelType;
    j["parameters"] = s.parameterCount;
    j["bytes"] = s.byteCount;
    Json dtypes = Json::object();
    for (const auto& [dtype, count] : s.dtypeTensors)
        dtypes[dtype] = {{"tensors", count}, {"parameters", s.dtypeParameters.at(dtype)}};
    j["dtypes"] = dtypes;
    j["tie_word_embeddings"] = c.tieWordEmbeddings;
    j["hidden_size"] = c.hiddenSize;
    j["intermediate_size"] = c.intermediateSize;
    j["num_layers"] = c.numLayers;
    j["num_heads"] = c.numHeads;
    j["num_kv_heads"] = c.numKvHeads;
    j["head_dim"] = c.headDim;
    j["vocab_size"] = c.vocabSize;
    j["max_position_embeddings"] = c.maxPositionEmbeddings;
    j["rms_norm_eps"] = c.rmsNormEps;
    j["rope_theta"] = c.ropeTheta;
    if (c.ropeScaling)
        j["rope_scaling"] = {{"rope_type", c.ropeScaling->type},
                             {"factor", c.ropeScaling->factor},
                             {"low_freq_factor", c.ropeScaling->lowFreqFactor},
                             {"high_freq_factor", c.ropeScaling->highFreqFactor},
                             {"original_max_position_embeddings", c.ropeScaling->originalMaxPositionEmbeddings}};
    else
        j["rope_scaling"] = nullptr;
    j["attention_bias"] = c.attentionBias;
    j["qk_norm"] = c.qkNorm;
    j["files"] = s.files;
    j["layer_tensors"] = tensorList(s.layerTensors);
    j["other_tensors"] = tensorList(s.otherTensors);
    return j.dump(2) + "\n";
}

}  // namespace lathe::model
