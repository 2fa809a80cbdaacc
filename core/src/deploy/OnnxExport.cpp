#include "lathe/deploy/OnnxExport.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "common/StagingFolder.h"
#include "deploy/ExportSources.h"
#include "deploy/GgufVocabulary.h"
#include "deploy/OnnxDecoderGraph.h"
#include "deploy/OnnxModelWriter.h"
#include "deploy/SpmTokenizerJson.h"
#include "model/SpmModelReader.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <system_error>

namespace lathe::deploy {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

Result<void> writeText(const fs::path& path, const std::string& text)
{
    return writeFileAtomically(path.string(), text);
}

std::string generationConfig(const model::ModelConfig& c)
{
    Json j;
    if (c.bosTokenId) j["bos_token_id"] = *c.bosTokenId;
    if (c.eosTokenIds.size() == 1) j["eos_token_id"] = c.eosTokenIds.front();
    if (c.eosTokenIds.size() > 1) j["eos_token_id"] = c.eosTokenIds;
    return j.dump(2) + "\n";
}

std::string configJson(const model::ModelConfig& c, bool externalData)
{
    Json j = Json::parse(model::modelConfigToJson(c));
    // transformers.js looks for onnx/model.onnx_data only when the config says the model has one.
    if (externalData) j["transformers.js_config"] = {{"use_external_data_format", true}};
    return j.dump(2) + "\n";
}

// tokenizer_config.json for a sentencepiece tokenizer that has none, so that tokenizer.json readers pick the
// Llama tokenizer class in its legacy (sentencepiece-exact) mode.
std::string spmTokenizerConfig(const model::EmbeddedVocabulary& v, const AddedSpecials& specials, int maxLength)
{
    auto token = [&](int id) { return id >= 0 && size_t(id) < v.tokens.size() ? Json(v.tokens[size_t(id)]) : Json(); };
    Json j;
    j["tokenizer_class"] = "LlamaTokenizer";
    j["legacy"] = true;
    j["add_bos_token"] = specials.bos;
    j["add_eos_token"] = specials.eos;
    j["bos_token"] = token(v.bosId);
    j["eos_token"] = token(v.eosId);
    j["unk_token"] = token(v.unkId);
    j["clean_up_tokenization_spaces"] = false;
    j["model_max_length"] = maxLength;
    return j.dump(2) + "\n";
}

// The tokenizer files: those the container stores, and a tokenizer.json (+ tokenizer_config.json) derived from a
// sentencepiece BPE tokenizer.model when the model has no tokenizer.json. Returns the names written.
Result<std::vector<std::string>> writeTokenizerFiles(const ExportSources& sources, const fs::path& out,
                                                     std::vector<std::string>& notes)
{
    const fs::path stored = sources.tokenizer.path();
    std::vector<std::string> written;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(stored, ec)) {
        fs::copy_file(entry.path(), out / entry.path().filename(), ec);
        if (ec)
            return makeError(ErrorCode::Io, "cannot write " + (out / entry.path().filename()).string() + ": " +
                                                ec.message() + "; free disk space or choose another folder");
        written.push_back(entry.path().filename().string());
    }
    if (ec) return makeError(ErrorCode::Io, "cannot list " + stored.string() + ": " + ec.message());
    if (fs::exists(stored / "tokenizer.json") || !fs::exists(stored / "tokenizer.model")) return written;

    auto bytes = readWholeFile((stored / "tokenizer.model").string());
    if (!bytes) return bytes.error();
    auto vocabulary = model::readSentencepieceModel(*bytes, "tokenizer.model");
    if (!vocabulary) return vocabulary.error();
    auto tokenizer = tokenize::Tokenizer::load(stored.string());
    if (!tokenizer) return tokenizer.error();
    auto specials = addedSpecials(**tokenizer);
    if (!specials) return specials.error();
    auto json = sentencepieceTokenizerJson(*vocabulary, vocabulary->spmModelType, specials->bos, specials->eos,
                                           "the stored tokenizer.model");
    if (!json) {
        notes.push_back(json.error().message + " (transformers.js reads only tokenizer.json)");
        return written;
    }
    LATHE_TRY(writeText(out / "tokenizer.json", *json));
    written.push_back("tokenizer.json");
    notes.push_back(
        "tokenizer.json was derived from the sentencepiece tokenizer.model (transformers.js reads only "
        "tokenizer.json)");
    if (!fs::exists(stored / "tokenizer_config.json")) {
        LATHE_TRY(writeText(out / "tokenizer_config.json",
                            spmTokenizerConfig(*vocabulary, *specials, sources.file->config().maxPositionEmbeddings)));
        written.push_back("tokenizer_config.json");
    }
    return written;
}

Result<void> checkOptions(const OnnxExportOptions& o)
{
    if (o.outputDir.empty())
        return makeError(ErrorCode::InvalidArgument, "no output folder given; pass --output-dir <folder>");
    const auto opsets = onnxOpsets();
    if (std::find(opsets.begin(), opsets.end(), o.opset) == opsets.end())
        return makeError(ErrorCode::InvalidArgument,
                         "opset " + std::to_string(o.opset) +
                             " is not one the export writes: 21 (INT4 weights, block-wise scales) or 17 (int8 "
                             "initializers, for toolchains that stop at ONNX 1.12)");
    std::error_code ec;
    if (fs::exists(o.outputDir, ec) && !fs::is_directory(o.outputDir, ec))
        return makeError(ErrorCode::InvalidArgument, o.outputDir + " is a file; --output-dir names a folder");
    if (fs::exists(o.outputDir, ec) && !o.force)
        return makeError(ErrorCode::InvalidArgument, o.outputDir + " already exists; pass --force to replace it");
    return {};
}

}  // namespace

std::vector<int> onnxOpsets()
{
    return {21, 17};
}

Result<OnnxExportSummary> exportOnnx(const OnnxExportOptions& options, const ProgressFn& progress,
                                     const StopToken& stop)
{
    LATHE_TRY(checkOptions(options));
    auto sources = openExportSources(options.compiledPath, options.embeddingPath, options.modelPath,
                                     "the ONNX graph looks tokens up in it", progress);
    if (!sources) return sources.error();
    const model::ModelConfig& config = sources->file->config();

    // The graph's embedding batch holds the table from here on, and drops it once written.
    auto graph = buildDecoderGraph(sources->file, std::move(sources->embedding), options.opset);
    if (!graph) return graph.error().withContext("exporting " + options.compiledPath);

    OnnxExportSummary summary;
    summary.outputDir = options.outputDir;
    summary.opset = options.opset;
    summary.externalData = options.externalData || graph->deferredBytes() > kOnnxInlineLimit;
    for (const auto& node : graph->proto().node()) ++summary.opCounts[node.op_type()];
    summary.nodes = graph->proto().node_size();
    for (const auto& [module, spec] : sources->file->info().linears)
        if (spec.activationBits == 16) summary.int16Inputs.push_back(module);

    // Staged beside the output, under a lock on its parent folder so that two exports never interleave there.
    const fs::path target = fs::absolute(options.outputDir).lexically_normal();
    auto lock = lockExportFolder(target);
    if (!lock) return lock.error();
    std::error_code ec;
    auto staged = StagingFolder::create(target);
    if (!staged) return staged.error();
    StagingFolder& staging = *staged;
    fs::create_directories(staging.path() / "onnx", ec);
    if (ec) return makeError(ErrorCode::Io, "cannot create " + staging.path().string() + ": " + ec.message());

    LATHE_TRY(writeText(staging.path() / "config.json", configJson(config, summary.externalData)));
    summary.files.push_back("config.json");
    auto tokenizerFiles = writeTokenizerFiles(*sources, staging.path(), summary.notes);
    if (!tokenizerFiles) return tokenizerFiles.error();
    summary.files.insert(summary.files.end(), tokenizerFiles->begin(), tokenizerFiles->end());
    for (const char* name : {"generation_config.json", "chat_template.jinja"})
        LATHE_TRY(copyModelFile(*sources, name, staging.path().string()));
    if (!fs::exists(staging.path() / "generation_config.json", ec))
        LATHE_TRY(writeText(staging.path() / "generation_config.json", generationConfig(config)));
    summary.files.push_back("generation_config.json");
    if (fs::exists(staging.path() / "chat_template.jinja", ec)) summary.files.push_back("chat_template.jinja");

    OnnxWriteOptions write;
    write.opset = options.opset;
    write.externalData = summary.externalData;
    auto written = writeOnnxModel((staging.path() / "onnx" / "model.onnx").string(), *graph, write, progress, stop);
    if (!written) return written.error();
    summary.modelBytes = written->modelBytes;
    summary.dataBytes = written->dataBytes;
    summary.tensors = graph->proto().initializer_size() + (summary.externalData ? 0 : written->tensors);
    summary.files.push_back("onnx/model.onnx");
    if (summary.externalData) summary.files.push_back("onnx/model.onnx_data");
    if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "ONNX export cancelled");
    LATHE_TRY(staging.commit(target));

    if (!summary.int16Inputs.empty())
        summary.notes.push_back(std::to_string(summary.int16Inputs.size()) +
                                " linears keep 16-bit activations: int16 QuantizeLinear / DequantizeLinear at opset "
                                "21, Div / Round / Clip / Mul at opset 17");
    if (sources->file->info().rotation.r1 || sources->file->info().rotation.fusedNorms)
        summary.notes.push_back("rotations and norm fusion are folded into the weights and the embedding");
    return summary;
}

}  // namespace lathe::deploy
