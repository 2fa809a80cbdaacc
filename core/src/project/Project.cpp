#include "lathe/project/Project.h"

#include "lathe/deploy/OnnxExport.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "common/JsonFields.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace lathe::project {

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

// Folders of the operating system a project must not write into, whatever its file says.
bool isSystemFolder(const std::string& folder)
{
    const fs::path p = fs::absolute(fs::path(folder)).lexically_normal();
    if (p == p.root_path()) return true;
    static const char* kSystem[] = {"/bin",  "/boot", "/dev",  "/etc", "/lib", "/lib32",   "/lib64",   "/libx32",
                                    "/proc", "/run",  "/sbin", "/sys", "/usr", "/var/lib", "/var/log", "/var/cache"};
    for (const char* system : kSystem) {
        const fs::path rel = p.lexically_relative(system);
        if (!rel.empty() && *rel.begin() != "..") return true;
    }
    return false;
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
          {"merge", c.merge},
          {"layout", calib::calibrationLayoutName(c.layout)}}},
        {"quantization",
         {{"bit_mode", quant::toString(q.bitMode)},
          {"rotation", q.rotation},
          {"gptq", q.gptq},
          {"activation_method", quant::toString(q.activationMethod)},
          {"percentile", q.percentile},
          {"group_size", q.groupSize},
          {"group_bits", q.groupBits},
          {"keep_16bit_activations", q.keep16BitActivations},
          {"seed", q.seed},
          {"threads", q.threads},
          {"target", quant::toString(q.target)}}},
        {"export", {{"formats", s.exports.formats}, {"onnx_opset", s.exports.onnxOpset}}},
    };
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

// Errors name the field by its path: field "calibration.max_calib" must be an integer, got "many".
JsonFields projectFields(const json& root)
{
    return JsonFields(
        root, [](const std::string& field, const std::string& what) { return "field \"" + field + "\" " + what; });
}

template <typename E>
Result<E> enumField(const JsonFields& f, const char* field, E fallback, std::optional<E> (*parse)(std::string_view),
                    const std::vector<std::string>& names, const std::string& what)
{
    auto text = f.string(field, quant::toString(fallback));
    if (!text) return text.error();
    if (auto value = parse(*text)) return *value;
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return f.bad(field, "is \"" + *text + "\", but the " + what + " must be " + list);
}

Result<ProjectSettings> fromJson(json root, const fs::path& base)
{
    if (!root.is_object()) return makeError(ErrorCode::Corrupt, "the top level must be a JSON object");
    const JsonFields top = projectFields(root);
    int version = 0;
    LATHE_READ_FIELD(version, top.int32("version", 0));
    if (root.contains("schema") && root["schema"] != "lathe-project")
        return top.bad("schema",
                       "is " + root["schema"].dump() + ", not \"lathe-project\": this is not a Lathe project");
    if (version < 0) return top.bad("version", "is " + std::to_string(version) + "; versions start at 0");
    if (version > kProjectSchemaVersion)
        return makeError(ErrorCode::Unsupported, "it was written by a newer Lathe (schema version " +
                                                     std::to_string(version) + ", this build reads up to " +
                                                     std::to_string(kProjectSchemaVersion) +
                                                     "); update Lathe to open it");
    migrate(root, version);
    const JsonFields f = projectFields(root);

    ProjectSettings s;
    LATHE_READ_FIELD(s.name, f.string("name", s.name));
    LATHE_READ_FIELD(s.outputDir, f.string("output_dir", s.outputDir));
    // A relative output folder is the project folder's: one that climbs out of it ("../x") is refused, so a project
    // file never sends its outputs elsewhere on its own. An absolute folder is one the user chose (validateProject
    // still refuses system folders).
    if (const fs::path stored(s.outputDir); !stored.is_absolute() && !stored.empty()) {
        const fs::path normal = stored.lexically_normal();
        if (!normal.empty() && *normal.begin() == "..")
            return f.bad("output_dir", "\"" + s.outputDir +
                                           "\" leaves the project folder; a relative output folder must lie inside "
                                           "it (choose the folder in the Studio, or give an absolute path)");
    }
    s.outputDir = fromStored(s.outputDir, base);

    auto m = f.object("model");
    if (!m) return m.error();
    LATHE_READ_FIELD(s.model.source, m->string("source", s.model.source));
    LATHE_READ_FIELD(s.model.repoId, m->string("repo_id", s.model.repoId));
    LATHE_READ_FIELD(s.model.revision, m->string("revision", s.model.revision));
    LATHE_READ_FIELD(s.model.localPath, m->string("local_path", s.model.localPath));
    s.model.localPath = fromStored(s.model.localPath, base);

    auto c = f.object("calibration");
    if (!c) return c.error();
    auto& cal = s.calibration;
    LATHE_READ_FIELD(cal.dataset, c->string("dataset", cal.dataset));
    LATHE_READ_FIELD(cal.textFile, c->string("text_file", cal.textFile));
    cal.textFile = fromStored(cal.textFile, base);
    LATHE_READ_FIELD(cal.languages, c->strings("languages", cal.languages));
    LATHE_READ_FIELD(cal.minSeqLen, c->int32("min_seqlen", cal.minSeqLen));
    LATHE_READ_FIELD(cal.maxSeqLen, c->int32("max_seqlen", cal.maxSeqLen));
    LATHE_READ_FIELD(cal.maxCalib, c->int32("max_calib", cal.maxCalib));
    LATHE_READ_FIELD(cal.merge, c->boolean("merge", cal.merge));
    std::string layout;
    LATHE_READ_FIELD(layout, c->string("layout", calib::calibrationLayoutName(cal.layout)));
    if (const auto parsed = calib::parseCalibrationLayout(layout))
        cal.layout = *parsed;
    else
        return c->bad("layout",
                      "is \"" + layout + "\", but the calibration layout must be per-language or multilingual");

    auto q = f.object("quantization");
    if (!q) return q.error();
    auto& qs = s.quantization;
    LATHE_READ_FIELD(qs.bitMode,
                     enumField(*q, "bit_mode", qs.bitMode, quant::parseBitMode, quant::bitModeNames(), "bit mode"));
    LATHE_READ_FIELD(qs.rotation, q->boolean("rotation", qs.rotation));
    LATHE_READ_FIELD(qs.gptq, q->boolean("gptq", qs.gptq));
    LATHE_READ_FIELD(qs.activationMethod,
                     enumField(*q, "activation_method", qs.activationMethod, quant::parseActivationMethod,
                               quant::activationMethodNames(), "activation calibration"));
    LATHE_READ_FIELD(qs.percentile, q->number("percentile", qs.percentile));
    LATHE_READ_FIELD(qs.groupSize, q->int32("group_size", qs.groupSize));
    LATHE_READ_FIELD(qs.groupBits, q->intMap("group_bits", qs.groupBits));
    LATHE_READ_FIELD(qs.keep16BitActivations, q->strings("keep_16bit_activations", qs.keep16BitActivations));
    LATHE_READ_FIELD(qs.seed, q->int32("seed", qs.seed));
    LATHE_READ_FIELD(qs.threads, q->int32("threads", qs.threads));
    LATHE_READ_FIELD(qs.target, enumField(*q, "target", qs.target, quant::parseCompileTarget,
                                          quant::compileTargetNames(), "compile target"));
    if (root.contains("export")) {
        auto e = f.object("export");
        if (!e) return e.error();
        LATHE_READ_FIELD(s.exports.formats, e->strings("formats", s.exports.formats));
        LATHE_READ_FIELD(s.exports.onnxOpset, e->int32("onnx_opset", s.exports.onnxOpset));
    }
    return s;
}

}  // namespace

Result<ProjectSettings> loadProject(const std::string& path)
{
    auto bytes = readWholeFile(path);
    if (!bytes) return bytes.error().withContext("opening project");
    const fs::path base = fs::absolute(path).parent_path();
    json root;
    try {
        root = json::parse(*bytes);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too large for a double
        return makeError(ErrorCode::Corrupt, "project file " + path + " is not valid JSON: " + e.what());
    }
    auto settings = fromJson(std::move(root), base);
    if (!settings) {
        const Error& e = settings.error();
        return makeError(e.code, (e.code == ErrorCode::Unsupported ? "cannot open project " + path + ": "
                                                                   : "project file " + path + ": ") +
                                     e.message);
    }
    return settings;
}

Result<void> saveProject(const ProjectSettings& settings, const std::string& path)
{
    const fs::path base = fs::absolute(path).parent_path();
    const std::string text = toJson(settings, base).dump(2) + "\n";
    auto written = writeFileAtomically(path, text);
    if (!written) return written.error().withContext("saving project");
    return {};
}

quant::QuantChoices quantChoices(const ProjectSettings::Quantization& q)
{
    quant::QuantChoices choices;
    choices.bitMode = q.bitMode;
    choices.groupBits = q.groupBits;
    choices.keep16BitActivations = q.keep16BitActivations;
    choices.groupSize = q.groupSize;
    choices.target = q.target;
    return quant::applyTarget(choices);
}

std::vector<std::string> projectExportFormats()
{
    return {"gguf", "onnx"};
}

Result<void> validateProject(const ProjectSettings& s)
{
    auto invalid = [](const std::string& msg) { return makeError(ErrorCode::InvalidArgument, msg); };
    const auto& q = s.quantization;
    const auto& c = s.calibration;
    if (s.model.source != "hub" && s.model.source != "local")
        return invalid("model source must be \"hub\" or \"local\", not \"" + s.model.source + "\"");
    if (s.model.source == "hub" && s.model.repoId.empty()) return invalid("choose a model repository");
    if (s.outputDir.empty()) return invalid("choose an output folder");
    if (isSystemFolder(s.outputDir))
        return invalid("the output folder " + s.outputDir +
                       " is a system folder; choose a folder of your own (for example in your home folder)");
    if (s.model.source == "local" && s.model.localPath.empty()) return invalid("choose a local model folder");
    if (!(q.percentile > 0.0 && q.percentile <= 1.0))
        return invalid("the activation percentile must lie in (0, 1], e.g. 0.9999");
    // Bits and group size: the compiler's own rules.
    LATHE_TRY(quant::validateQuantChoices(quantChoices(q)));
    if (q.threads < 0) return invalid("thread count must be 0 (all cores) or positive");
    const auto known = projectExportFormats();
    for (const std::string& format : s.exports.formats)
        if (std::find(known.begin(), known.end(), format) == known.end())
            return invalid("export format \"" + format + "\" is not one Lathe writes; use gguf or onnx");
    const auto opsets = deploy::onnxOpsets();
    if (std::find(opsets.begin(), opsets.end(), s.exports.onnxOpset) == opsets.end())
        return invalid("ONNX opset " + std::to_string(s.exports.onnxOpset) + " is not one Lathe writes; use 21 or 17");
    if (c.minSeqLen < 1) return invalid("minimum sequence length must be at least 1");
    if (c.minSeqLen > c.maxSeqLen)
        return invalid("minimum sequence length (" + std::to_string(c.minSeqLen) + ") must not exceed the maximum (" +
                       std::to_string(c.maxSeqLen) + ")");
    if (c.maxCalib < 1) return invalid("samples per language must be at least 1");
    if (c.dataset == "local" && c.textFile.empty()) return invalid("choose a local text file for calibration");
    if (c.dataset != "local" && c.languages.empty()) return invalid("choose at least one language");
    if (c.layout == calib::CalibrationLayout::Multilingual && c.dataset != "local" &&
        static_cast<size_t>(c.maxCalib) < c.languages.size())
        return invalid("the multilingual layout splits " + std::to_string(c.maxCalib) + " samples over " +
                       std::to_string(c.languages.size()) + " languages: choose at least one sample per language");
    return {};
}

}  // namespace lathe::project
