#include "lathe/project/Project.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

namespace lathe {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Stored paths are relative to the project folder when they lie inside it, so a project folder can move.
std::string toStored(const std::string& path, const fs::path& base)
{
    if (path.empty()) return path;
    const fs::path p = fs::path(path).lexically_normal();
    if (!p.is_absolute()) return p.generic_string();
    const fs::path rel = p.lexically_relative(base);
    if (!rel.empty() && *rel.begin() != "..") return rel.generic_string();
    return p.generic_string();
}

std::string fromStored(const std::string& path, const fs::path& base)
{
    if (path.empty()) return path;
    const fs::path p(path);
    return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

json toJson(const ProjectSettings& s, const fs::path& base)
{
    const auto& q = s.quantization;
    const auto& c = s.calibration;
    return json{
        {"schema", "lathe-project"},
        {"version", kProjectSchemaVersion},
        {"name", s.name},
        {"output_dir", toStored(s.outputDir, base)},
        {"model",
         {{"source", s.model.source},
          {"repo_id", s.model.repoId},
          {"revision", s.model.revision},
          {"local_path", toStored(s.model.localPath, base)}}},
        {"calibration",
         {{"dataset", c.dataset},
          {"text_file", toStored(c.textFile, base)},
          {"languages", c.languages},
          {"min_seqlen", c.minSeqLen},
          {"max_seqlen", c.maxSeqLen},
          {"max_calib", c.maxCalib},
          {"merge", c.merge}}},
        {"quantization",
         {{"bit_mode", q.bitMode},
          {"rotation", q.rotation},
          {"gptq", q.gptq},
          {"activation_method", q.activationMethod},
          {"percentile", q.percentile},
          {"group_size", q.groupSize},
          {"group_bits", q.groupBits},
          {"keep_16bit_activations", q.keep16BitActivations},
          {"seed", q.seed},
          {"threads", q.threads}}},
    };
}

// Reads `key` from `obj` into `out` when present; a value of the wrong type is an error naming the field.
template <typename T>
void readField(const json& obj, const char* key, T& out, const std::string& where)
{
    if (!obj.contains(key) || obj.at(key).is_null()) return;
    try {
        out = obj.at(key).get<T>();
    } catch (const json::exception&) {
        throw std::runtime_error("field \"" + where + key + "\" has the wrong type (found " +
                                 std::string(obj.at(key).type_name()) + ")");
    }
}

const json& section(const json& root, const char* key)
{
    static const json empty = json::object();
    if (!root.contains(key)) return empty;
    if (!root.at(key).is_object()) throw std::runtime_error(std::string("field \"") + key + "\" must be an object");
    return root.at(key);
}

// Version 0 (the pre-release format) kept the bit mode at the top level as "bit".
void migrate(json& root, int fromVersion)
{
    if (fromVersion < 1) {
        if (root.contains("bit")) {
            root["quantization"]["bit_mode"] = root["bit"];
            root.erase("bit");
        }
    }
    root["version"] = kProjectSchemaVersion;
}

ProjectSettings fromJson(json root, const fs::path& base)
{
    if (!root.is_object()) throw std::runtime_error("the top level must be a JSON object");
    int version = 0;
    readField(root, "version", version, "");
    if (version > kProjectSchemaVersion)
        throw std::invalid_argument("it was written by a newer Lathe (schema version " + std::to_string(version) +
                                    ", this build reads up to " + std::to_string(kProjectSchemaVersion) +
                                    "); update Lathe to open it");
    migrate(root, version);

    ProjectSettings s;
    readField(root, "name", s.name, "");
    readField(root, "output_dir", s.outputDir, "");
    s.outputDir = fromStored(s.outputDir, base);

    const json& m = section(root, "model");
    readField(m, "source", s.model.source, "model.");
    readField(m, "repo_id", s.model.repoId, "model.");
    readField(m, "revision", s.model.revision, "model.");
    readField(m, "local_path", s.model.localPath, "model.");
    s.model.localPath = fromStored(s.model.localPath, base);

    const json& c = section(root, "calibration");
    auto& cal = s.calibration;
    readField(c, "dataset", cal.dataset, "calibration.");
    readField(c, "text_file", cal.textFile, "calibration.");
    cal.textFile = fromStored(cal.textFile, base);
    readField(c, "languages", cal.languages, "calibration.");
    readField(c, "min_seqlen", cal.minSeqLen, "calibration.");
    readField(c, "max_seqlen", cal.maxSeqLen, "calibration.");
    readField(c, "max_calib", cal.maxCalib, "calibration.");
    readField(c, "merge", cal.merge, "calibration.");

    const json& q = section(root, "quantization");
    auto& qs = s.quantization;
    readField(q, "bit_mode", qs.bitMode, "quantization.");
    readField(q, "rotation", qs.rotation, "quantization.");
    readField(q, "gptq", qs.gptq, "quantization.");
    readField(q, "activation_method", qs.activationMethod, "quantization.");
    readField(q, "percentile", qs.percentile, "quantization.");
    readField(q, "group_size", qs.groupSize, "quantization.");
    readField(q, "group_bits", qs.groupBits, "quantization.");
    readField(q, "keep_16bit_activations", qs.keep16BitActivations, "quantization.");
    readField(q, "seed", qs.seed, "quantization.");
    readField(q, "threads", qs.threads, "quantization.");
    return s;
}

}  // namespace

Result<ProjectSettings> loadProject(const std::string& path)
{
    auto bytes = readWholeFile(path);
    if (!bytes) return bytes.error().withContext("opening project");
    const fs::path base = fs::absolute(path).parent_path();
    try {
        return fromJson(json::parse(*bytes), base);
    } catch (const json::parse_error& e) {
        return makeError(ErrorCode::Corrupt, "project file " + path + " is not valid JSON: " + e.what());
    } catch (const std::invalid_argument& e) {
        return makeError(ErrorCode::Unsupported, "cannot open project " + path + ": " + e.what());
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Corrupt, "project file " + path + ": " + e.what());
    }
}

Result<void> saveProject(const ProjectSettings& settings, const std::string& path)
{
    const fs::path base = fs::absolute(path).parent_path();
    const std::string text = toJson(settings, base).dump(2) + "\n";
    auto written = writeFileAtomically(path, text);
    if (!written) return written.error().withContext("saving project");
    return {};
}

Result<void> validateProject(const ProjectSettings& s)
{
    auto invalid = [](const std::string& msg) { return makeError(ErrorCode::InvalidArgument, msg); };
    static const std::set<std::string> modes = {"w8", "w4", "w4v8"};
    static const std::set<std::string> methods = {"max", "percentile", "mse"};
    static const std::set<std::string> groups = {"query", "key", "value", "output", "ffn", "head"};
    const auto& q = s.quantization;
    const auto& c = s.calibration;
    if (s.model.source != "hub" && s.model.source != "local")
        return invalid("model source must be \"hub\" or \"local\", not \"" + s.model.source + "\"");
    if (s.model.source == "hub" && s.model.repoId.empty()) return invalid("choose a model repository");
    if (s.model.source == "local" && s.model.localPath.empty()) return invalid("choose a local model folder");
    if (!modes.count(q.bitMode)) return invalid("bit mode must be w8, w4 or w4v8, not \"" + q.bitMode + "\"");
    if (!methods.count(q.activationMethod))
        return invalid("activation calibration must be max, percentile or mse, not \"" + q.activationMethod + "\"");
    if (!(q.percentile > 0.0 && q.percentile <= 1.0))
        return invalid("the activation percentile must lie in (0, 1], e.g. 0.9999");
    for (const auto& [group, bits] : q.groupBits) {
        if (!groups.count(group))
            return invalid("unknown projection group \"" + group + "\" (use query, key, value, output, ffn, head)");
        if (bits != 4 && bits != 8 && bits != 16)
            return invalid("bits for " + group + " must be 4, 8 or 16, not " + std::to_string(bits));
    }
    if (q.groupSize < 0) return invalid("group size must be 0 (per channel) or positive");
    if (q.threads < 0) return invalid("thread count must be 0 (all cores) or positive");
    if (c.minSeqLen < 1) return invalid("minimum sequence length must be at least 1");
    if (c.minSeqLen > c.maxSeqLen)
        return invalid("minimum sequence length (" + std::to_string(c.minSeqLen) +
                       ") must not exceed the maximum (" + std::to_string(c.maxSeqLen) + ")");
    if (c.maxCalib < 1) return invalid("samples per language must be at least 1");
    if (c.dataset == "local" && c.textFile.empty()) return invalid("choose a local text file for calibration");
    if (c.dataset != "local" && c.languages.empty()) return invalid("choose at least one language");
    return {};
}

}  // namespace lathe
