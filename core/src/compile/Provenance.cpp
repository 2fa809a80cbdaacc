#include "compile/Provenance.h"

#include "common/FileIo.h"
#include "common/Hashing.h"
#include "model/Checkpoint.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <filesystem>
#include <regex>
#include <set>

#ifndef LATHE_VERSION
#define LATHE_VERSION "unknown"
#endif

namespace lathe::compile {
namespace {

namespace fs = std::filesystem;
using OrderedJson = nlohmann::ordered_json;

OrderedJson optionsJson(const CompilePlan& plan)
{
    const CompileOptions& o = plan.options;
    OrderedJson j;
    j["bit_mode"] = toString(o.bitMode);
    j["group_bits"] = o.groupBits;
    j["layer_group_bits"] = o.layerGroupBits;
    const std::set<std::string> keep(o.keep16BitActivations.begin(), o.keep16BitActivations.end());
    j["keep_16bit_activations"] = keep;
    j["weight_method"] = toString(o.weightMethod);
    j["group_size"] = o.groupSize;
    // Written only when not the default, so that containers compiled before these options existed, and the same
    // compile today, stay byte-identical.
    if (o.scaleType != quant::ScaleType::F32) j["scale_dtype"] = toString(o.scaleType);
    if (o.target != quant::CompileTarget::Lathe) j["target"] = toString(o.target);
    j["act_order"] = o.actOrder;
    j["damp_fraction"] = o.dampFraction;
    j["float_target"] = o.floatTarget && o.weightMethod == quant::WeightMethod::Gptq;  // RTN has no target
    j["activation_method"] = toString(o.activationMethod);
    j["percentile"] = o.percentile;
    j["rotation"] = plan.rotate ? "random-hadamard" : "none";
    j["seed"] = o.seed;
    j["max_calib_tokens"] = o.maxCalibTokens;
    return j;
}

// (repo id, commit) of a snapshot folder <cache>/models--Org--Name/snapshots/<commit>; empty otherwise.
std::pair<std::string, std::string> hubSnapshot(const std::string& modelDir)
{
    const fs::path dir = fs::path(modelDir).lexically_normal();
    const fs::path snapshot = dir.filename().empty() ? dir.parent_path() : dir;
    const std::string repoFolder = snapshot.parent_path().parent_path().filename().string();
    if (snapshot.parent_path().filename() != "snapshots" || repoFolder.rfind("models--", 0) != 0) return {};
    // Hugging Face names the folder after the repo id with "/" spelled "--".
    const std::string repo = std::regex_replace(repoFolder.substr(8), std::regex("--"), "/");
    return {repo, snapshot.filename().string()};
}

}  // namespace

std::string latheVersion()
{
    return LATHE_VERSION;
}

std::string provenanceJson(const CompilePlan& plan, const CalibrationSet& calibration)
{
    OrderedJson j;
    j["lathe_version"] = latheVersion();
    OrderedJson source;
    source["model_path"] = plan.options.modelPath;
    const auto [repo, commit] = hubSnapshot(plan.modelDir);
    if (!repo.empty()) {
        source["repo_id"] = repo;
        source["commit"] = commit;
    }
    j["source"] = std::move(source);
    // The samples are identified by their content, not their folder, so the same compile run from another
    // output folder (the Studio and `lathe run-project`) writes the same bytes.
    j["calibration"] = {{"samples", calibration.size()},
                        {"tokens", calibration.tokens()},
                        {"sha256", calibration.digest()}};
    j["options"] = optionsJson(plan);
    return j.dump();
}

// Raised with every change that can alter a finished layer's bits (the fast R1 transform, the fused clip search),
// so that a resumed compile never mixes layers of two revisions that share a version number.
constexpr int kCompilerRevision = 2;

std::string compileFingerprint(const CompilePlan& plan, const model::Checkpoint& checkpoint,
                               const CalibrationSet& calibration)
{
    OrderedJson j;
    j["lathe_version"] = latheVersion();
    j["compiler_revision"] = kCompilerRevision;
    j["options"] = optionsJson(plan);
    auto config = readWholeFile((fs::path(plan.modelDir) / "config.json").string());
    j["config"] = config ? *config : std::string();
    std::set<std::string> files;
    for (const auto& t : checkpoint.tensors()) files.insert(t.file);
    OrderedJson weights = OrderedJson::array();
    for (const auto& file : files) {
        struct stat st {};
        const bool ok = ::stat(file.c_str(), &st) == 0;  // follows the HF cache's symlinks to the blobs
        weights.push_back({fs::path(file).filename().string(), ok ? int64_t(st.st_size) : -1,
                           ok ? int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec : -1});
    }
    j["weights"] = std::move(weights);
    j["calibration"] = calibration.digest();
    const std::string text = j.dump();
    Hasher hasher(Hasher::Kind::Sha256);
    hasher.update(text.data(), text.size());
    return hasher.hexDigest();
}

}  // namespace lathe::compile
