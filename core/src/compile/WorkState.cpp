#include "compile/WorkState.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "compile/LayerCompiler.h"
#include "compile/ReportJson.h"

#include <filesystem>
#include <regex>

namespace lathe::compile {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr const char* kStateFile = "state.json";
constexpr const char* kStateFormat = "lathe-compile-state";
constexpr int kStateVersion = 1;

std::string streamName(const char* stream, size_t sample)
{
    return std::string(stream) + "." + std::to_string(sample);
}

// Files a compile may leave in its work folder (including temporaries of an interrupted write).
bool isCompileFile(const std::string& name)
{
    static const std::regex kNames(
        R"((state\.json|layer-[0-9]+\.safetensors|streams-[0-9]+\.safetensors)(\.tmp-[0-9]+(-[0-9]+)?)?)");
    return std::regex_match(name, kNames);
}

void removeCompileFiles(const std::string& folder)
{
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_regular_file(ec) && isCompileFile(entry.path().filename().string())) fs::remove(entry.path(), ec);
    fs::remove_all(fs::path(folder) / "spill", ec);
}

// The finished layers recorded in state.json, or an explanation of why they cannot be used.
Result<std::vector<FinishedLayer>> readState(const std::string& folder, const std::string& fingerprint,
                                             std::string& streams)
{
    const std::string path = (fs::path(folder) / kStateFile).string();
    auto text = readWholeFile(path);
    if (!text) return text.error();
    Json j;
    try {
        j = Json::parse(*text);
    } catch (const std::exception&) {
        return makeError(ErrorCode::Corrupt, "its state.json is damaged");
    }
    if (!j.is_object() || j.value("format", "") != kStateFormat || j.value("version", 0) != kStateVersion)
        return makeError(ErrorCode::Corrupt, "its state.json was written by another Lathe version");
    if (j.value("fingerprint", "") != fingerprint)
        return makeError(ErrorCode::InvalidArgument,
                         "it holds a compile of other inputs or options (model, calibration data, bits, methods)");
    std::vector<FinishedLayer> layers;
    if (!j.contains("layers") || !j["layers"].is_array())
        return makeError(ErrorCode::Corrupt, "its state.json is damaged");
    for (const Json& l : j["layers"]) {
        FinishedLayer layer;
        layer.partFile = l.value("part", "");
        std::error_code ec;
        if (layer.partFile.empty() || !fs::is_regular_file(fs::path(folder) / layer.partFile, ec))
            return makeError(ErrorCode::Corrupt, "a finished layer's part file is missing");
        if (!l.contains("linears") || !l["linears"].is_array() || !l.contains("block"))
            return makeError(ErrorCode::Corrupt, "its state.json is damaged");
        for (const Json& r : l["linears"]) {
            auto row = linearFromJson(r, path);
            if (!row) return row.error();
            layer.linears.push_back(std::move(row).value());
        }
        auto block = blockFromJson(l["block"], path);
        if (!block) return block.error();
        layer.block = std::move(block).value();
        layers.push_back(std::move(layer));
    }
    streams = j.value("streams", "");
    std::error_code ec;
    if (!layers.empty() && (streams.empty() || !fs::is_regular_file(fs::path(folder) / streams, ec)))
        return makeError(ErrorCode::Corrupt, "its hidden-state checkpoint is missing");
    return layers;
}

}  // namespace

Result<WorkState> WorkState::open(const std::string& workDir, const std::string& fingerprint, bool resume,
                                  std::string& note)
{
    WorkState state;
    state.m_folder = workDir;
    state.m_fingerprint = fingerprint;
    note.clear();
    std::error_code ec;
    fs::create_directories(workDir, ec);
    if (!fs::is_directory(workDir, ec))
        return makeError(ErrorCode::Io, "cannot create the work folder " + workDir + ": " + ec.message() +
                                            "; choose another one with --work-dir");
    auto lock = FileLock::tryLock(workDir, "another compile is running with the work folder " + workDir +
                                               " (the same --save_path or --work-dir); wait for it to finish, or "
                                               "choose another --save_path");
    if (!lock) return lock.error();
    state.m_lock = std::make_shared<FileLock>(std::move(lock).value());
    // Spilled activations never outlive the run that wrote them.
    fs::remove_all(fs::path(workDir) / "spill", ec);
    const bool hasState = fs::exists(fs::path(workDir) / kStateFile, ec);
    if (hasState && resume) {
        std::string streams;
        auto layers = readState(workDir, fingerprint, streams);
        if (layers) {
            state.m_layers = std::move(layers).value();
            state.m_streamsFile = streams;
            if (!state.m_layers.empty())
                note = "resuming after layer " + std::to_string(state.m_layers.size() - 1) + " from " + workDir;
            return state;
        }
        note = "the work folder " + workDir + " cannot be resumed (" + layers.error().message + "); starting over";
    } else if (hasState) {
        note = "not resuming: starting over in " + workDir;
    }
    removeCompileFiles(workDir);
    return state;
}

std::string WorkState::spillFolder() const
{
    return (fs::path(m_folder) / "spill").string();
}

Result<void> WorkState::restoreStreams(ActivationStore& store, size_t samples) const
{
    const std::string path = (fs::path(m_folder) / m_streamsFile).string();
    auto file = TensorFile::open(path);
    if (!file) return file.error();
    for (size_t s = 0; s < samples; ++s)
        for (const char* stream : {kFloatStream, kQuantStream}) {
            auto t = file->load(streamName(stream, s));
            if (!t) return t.error();
            LATHE_TRY(store.put(stream, s, *t));
        }
    return {};
}

Result<void> WorkState::commitLayer(int layer, const model::NamedTensors& tensors,
                                    const std::vector<LinearReport>& linears, const BlockReport& block,
                                    const ActivationStore& store, size_t samples)
{
    FinishedLayer finished;
    finished.partFile = "layer-" + std::to_string(layer) + ".safetensors";
    finished.linears = linears;
    finished.block = block;
    LATHE_TRY(writeTensorFile((fs::path(m_folder) / finished.partFile).string(), tensors));

    model::NamedTensors streams;
    for (size_t s = 0; s < samples; ++s)
        for (const char* stream : {kFloatStream, kQuantStream}) {
            auto t = store.getStored(stream, s);
            if (!t) return t.error();
            streams.emplace_back(streamName(stream, s), *t);
        }
    const std::string previous = m_streamsFile;
    const std::string next = "streams-" + std::to_string(layer + 1) + ".safetensors";
    LATHE_TRY(writeTensorFile((fs::path(m_folder) / next).string(), streams));
    streams.clear();

    m_layers.push_back(std::move(finished));
    m_streamsFile = next;
    LATHE_TRY(writeState());
    if (!previous.empty() && previous != next) {
        std::error_code ec;
        fs::remove(fs::path(m_folder) / previous, ec);
    }
    return {};
}

Result<void> WorkState::writeState() const
{
    OrderedJson j;
    j["format"] = kStateFormat;
    j["version"] = kStateVersion;
    j["fingerprint"] = m_fingerprint;
    j["layers"] = OrderedJson::array();
    for (const FinishedLayer& l : m_layers) {
        OrderedJson layer;
        layer["part"] = l.partFile;
        layer["linears"] = OrderedJson::array();
        for (const auto& r : l.linears) layer["linears"].push_back(linearToJson(r));
        layer["block"] = blockToJson(l.block);
        j["layers"].push_back(std::move(layer));
    }
    j["streams"] = m_streamsFile;
    return writeFileAtomically((fs::path(m_folder) / kStateFile).string(), j.dump(1) + "\n");
}

void WorkState::remove() const
{
    removeCompileFiles(m_folder);
    std::error_code ec;
    if (fs::is_empty(m_folder, ec)) fs::remove(m_folder, ec);
}

}  // namespace lathe::compile
