#include "model/Checkpoint.h"

#include "model/SafetensorsFile.h"
#include "model/TensorLayout.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace lathe::model {

std::string layerTensorName(int layer, const std::string& suffix)
{
    return "model.layers." + std::to_string(layer) + "." + suffix;
}

namespace {

namespace fs = std::filesystem;

at::ScalarType scalarTypeFor(const std::string& dtype)
{
    if (dtype == "F32") return at::kFloat;
    if (dtype == "F16") return at::kHalf;
    if (dtype == "BF16") return at::kBFloat16;
    if (dtype == "F64") return at::kDouble;
    return at::ScalarType::Undefined;
}

class SafetensorsCheckpoint final : public Checkpoint {
public:
    struct Located {
        const SafetensorsFile* file;
        const SafetensorsEntry* entry;
    };

    ModelConfig m_config;
    std::string m_directory;
    std::vector<std::shared_ptr<const SafetensorsFile>> m_files;
    std::map<std::string, Located> m_tensors;

    const ModelConfig& config() const override { return m_config; }
    const std::string& directory() const override { return m_directory; }
    bool has(const std::string& name) const override { return m_tensors.count(name) != 0; }

    std::vector<TensorInfo> tensors() const override
    {
        std::vector<TensorInfo> out;
        for (const auto& [name, loc] : m_tensors)
            out.push_back({name, loc.entry->dtype, loc.entry->shape, loc.file->path()});
        return out;
    }

    Result<at::Tensor> load(const std::string& name, at::ScalarType dtype) const override
    {
        auto it = m_tensors.find(name);
        if (it == m_tensors.end())
            return makeError(ErrorCode::NotFound, "tensor " + name + " is not in the checkpoint in " + m_directory);
        const auto& [file, entry] = it->second;
        const at::ScalarType source = scalarTypeFor(entry->dtype);
        if (source == at::ScalarType::Undefined)
            return makeError(ErrorCode::Unsupported, file->path() + ": tensor " + name + " has dtype " + entry->dtype +
                                                         "; Lathe reads F32, F16, BF16 and F64 weights");
        try {
            // Copy out of the mapping first: the data may be unaligned and must outlive the file.
            at::Tensor raw = at::empty(entry->shape, at::TensorOptions().dtype(source));
            if (entry->end > entry->begin) std::memcpy(raw.data_ptr(), file->data(*entry), entry->end - entry->begin);
            file->release(*entry);
            return source == dtype ? raw : raw.to(dtype);
        } catch (const std::exception& e) {
            return makeError(ErrorCode::Internal, file->path() + ": converting tensor " + name + " failed: " + e.what());
        }
    }
};

Result<std::vector<std::string>> shardsFromIndex(const std::string& indexPath,
                                                 std::map<std::string, std::string>& weightMap)
{
    std::ifstream in(indexPath, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot read " + indexPath);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
        return makeError(ErrorCode::Corrupt, indexPath + " is not valid JSON: " + e.what());
    }
    if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object())
        return makeError(ErrorCode::Corrupt, indexPath + " has no \"weight_map\" object");
    std::vector<std::string> shards;
    for (const auto& [name, shard] : json["weight_map"].items()) {
        if (!shard.is_string())
            return makeError(ErrorCode::Corrupt, indexPath + ": weight_map entry for " + name + " is not a file name");
        const std::string s = shard.get<std::string>();
        if (s.empty() || fs::path(s).has_parent_path() || s == "." || s == "..")
            return makeError(ErrorCode::Corrupt, indexPath + ": weight_map entry for " + name +
                                                     " names \"" + s + "\", which is not a file in the model folder");
        weightMap[name] = s;
        if (std::find(shards.begin(), shards.end(), s) == shards.end()) shards.push_back(s);
    }
    return shards;
}

}  // namespace

Result<std::unique_ptr<Checkpoint>> Checkpoint::open(const std::string& modelDir)
{
    auto config = loadModelConfig(modelDir);
    if (!config) return config.error();
    auto ckpt = std::make_unique<SafetensorsCheckpoint>();
    ckpt->m_config = std::move(config).value();
    ckpt->m_directory = modelDir;

    const fs::path dir(modelDir);
    const fs::path index = dir / "model.safetensors.index.json";
    const fs::path single = dir / "model.safetensors";
    std::error_code ec;
    std::map<std::string, std::string> weightMap;
    std::vector<std::string> shardNames;
    if (fs::exists(index, ec)) {
        auto shards = shardsFromIndex(index.string(), weightMap);
        if (!shards) return shards.error();
        shardNames = std::move(shards).value();
    } else if (fs::exists(single, ec)) {
        shardNames.push_back("model.safetensors");
    } else {
        return makeError(ErrorCode::NotFound,
                         "no model.safetensors or model.safetensors.index.json in " + modelDir +
                             " (Lathe reads safetensors checkpoints; convert pytorch_model.bin with the "
                             "safetensors converter first)");
    }

    for (const std::string& shardName : shardNames) {
        const fs::path shardPath = dir / shardName;
        if (!fs::exists(shardPath, ec))
            return makeError(ErrorCode::NotFound, "shard " + shardName + " listed in " + index.string() +
                                                      " is missing from " + modelDir +
                                                      " (the download is incomplete; download the model again)");
        auto file = SafetensorsFile::open(shardPath.string());
        if (!file) return file.error();
        const SafetensorsFile* f = file->get();
        ckpt->m_files.push_back(std::move(file).value());
        for (const auto& e : f->entries()) {
            // With an index, the index decides which shard owns a tensor; stray copies are ignored.
            if (!weightMap.empty()) {
                auto w = weightMap.find(e.name);
                if (w == weightMap.end() || w->second != shardName) continue;
            }
            if (!ckpt->m_tensors.emplace(e.name, SafetensorsCheckpoint::Located{f, &e}).second)
                return makeError(ErrorCode::Corrupt, "tensor " + e.name + " appears twice in " + modelDir);
        }
    }
    for (const auto& [name, shard] : weightMap)
        if (!ckpt->m_tensors.count(name))
            return makeError(ErrorCode::Corrupt, (dir / shard).string() + " does not contain tensor " + name +
                                                     " although " + index.string() + " says it does");

    const ModelConfig& c = ckpt->m_config;
    for (const ExpectedTensor& expected : expectedTensors(c)) {
        const std::string stored = checkpointTensorName(c, expected.name);
        if (stored != expected.name) {
            // A family with its own names is read under Llama's: the tensor is moved to its canonical key.
            auto renamed = ckpt->m_tensors.extract(stored);
            if (renamed && !ckpt->m_tensors.count(expected.name)) {
                renamed.key() = expected.name;
                ckpt->m_tensors.insert(std::move(renamed));
            }
        }
        auto it = ckpt->m_tensors.find(expected.name);
        if (it == ckpt->m_tensors.end())
            return makeError(
                ErrorCode::NotFound,
                "tensor " + stored + " " + shapeToString(expected.shape) + ", which " + c.architecture +
                    " needs, is missing from " + modelDir +
                    (expected.name == "lm_head.weight" ? " (config.json says the embeddings are not tied)" : ""));
        const auto& [file, entry] = it->second;
        if (entry->shape != expected.shape)
            return makeError(ErrorCode::Corrupt, file->path() + ": tensor " + stored + " has shape " +
                                                     shapeToString(entry->shape) + " but config.json implies " +
                                                     shapeToString(expected.shape));
        if (scalarTypeFor(entry->dtype) == at::ScalarType::Undefined)
            return makeError(ErrorCode::Unsupported, file->path() + ": tensor " + stored + " has dtype " +
                                                         entry->dtype +
                                                         "; Lathe reads F32, F16 and BF16 (unquantized) checkpoints");
    }
    return std::unique_ptr<Checkpoint>(std::move(ckpt));
}

}  // namespace lathe::model
