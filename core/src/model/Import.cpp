#include "lathe/model/Import.h"

#include "common/FileIo.h"
#include "model/GgufImport.h"
#include "model/HfDirectoryWriter.h"
#include "model/Llama2cReader.h"
#include "model/SafetensorsWriter.h"
#include "model/SpmModelWriter.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace lathe::model {
namespace {

namespace fs = std::filesystem;

bool looksLikeGguf(const std::string& path)
{
    const std::string ext = fs::path(path).extension().string();
    if (ext == ".gguf") return true;
    if (ext == ".bin") return false;
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    return in.read(magic, 4) && std::string(magic, 4) == "GGUF";
}

std::string tokenizerConfigJson(const ModelConfig& c, const std::string& unk, const std::string& bos,
                                const std::string& eos)
{
    nlohmann::ordered_json j;
    j["tokenizer_class"] = "LlamaTokenizer";
    j["add_bos_token"] = true;
    j["add_eos_token"] = false;
    j["bos_token"] = bos;
    j["eos_token"] = eos;
    j["unk_token"] = unk;
    j["pad_token"] = nullptr;
    j["model_max_length"] = c.maxPositionEmbeddings;
    j["clean_up_tokenization_spaces"] = false;
    j["legacy"] = true;
    j["sp_model_kwargs"] = nlohmann::ordered_json::object();
    return j.dump(2) + "\n";
}

std::string specialTokensMapJson(const std::string& unk, const std::string& bos, const std::string& eos)
{
    nlohmann::ordered_json j;
    j["bos_token"] = bos;
    j["eos_token"] = eos;
    j["unk_token"] = unk;
    return j.dump(2) + "\n";
}

std::string generationConfigJson(const ModelConfig& c)
{
    nlohmann::ordered_json j;
    if (c.bosTokenId) j["bos_token_id"] = *c.bosTokenId;
    if (!c.eosTokenIds.empty()) j["eos_token_id"] = c.eosTokenIds.front();
    j["max_length"] = c.maxPositionEmbeddings;
    return j.dump(2) + "\n";
}

}  // namespace

Result<ImportSummary> importModel(const ImportOptions& options, const ProgressFn& progress, const StopToken& stop)
{
    try {
        std::error_code ec;
        if (options.sourcePath.empty()) return makeError(ErrorCode::InvalidArgument, "no source file given (--from)");
        if (options.outDir.empty()) return makeError(ErrorCode::InvalidArgument, "no output folder given (--out)");
        if (!fs::is_regular_file(options.sourcePath, ec))
            return makeError(ErrorCode::NotFound, "cannot find " + options.sourcePath);
        std::string tokenizerBytes;
        if (!options.tokenizerPath.empty()) {
            auto bytes = readWholeFile(options.tokenizerPath);
            if (!bytes) return bytes.error().withContext("reading the tokenizer");
            tokenizerBytes = std::move(bytes).value();
        }
        auto writer = HfDirectoryWriter::create(options.outDir, options.force);
        if (!writer) return writer.error();

        ImportSummary summary;
        summary.outDir = options.outDir;
        const bool gguf = looksLikeGguf(options.sourcePath);
        summary.format = gguf ? "gguf" : "llama2.c";
        if (progress) progress({"import", "reading " + fs::path(options.sourcePath).filename().string(), 0, 3, "steps"});
        auto read = gguf ? readGgufCheckpoint(options.sourcePath, stop) : readLlama2cCheckpoint(options.sourcePath, stop);
        if (!read) return read.error();
        ImportedModel model = std::move(read).value();
        const ModelConfig& config = model.config;

        std::string unk = "<unk>", bos = "<s>", eos = "</s>";
        if (model.vocabulary) {
            const auto& v = *model.vocabulary;
            auto piece = [&](int id, const std::string& fallback) {
                return id >= 0 && id < int(v.tokens.size()) ? v.tokens[id] : fallback;
            };
            unk = piece(v.unkId, unk);
            bos = piece(v.bosId, bos);
            eos = piece(v.eosId, eos);
        }
        if (!tokenizerBytes.empty()) {
            auto pieces = countSentencepiecePieces(tokenizerBytes, options.tokenizerPath);
            if (!pieces) return pieces.error();
            if (*pieces != config.vocabSize)
                return makeError(ErrorCode::InvalidArgument,
                                 options.tokenizerPath + " has " + std::to_string(*pieces) +
                                     " pieces but the model's vocabulary has " + std::to_string(config.vocabSize) +
                                     "; pass the tokenizer the model was trained with");
            summary.tokenizer = "copied";
        } else if (model.vocabulary) {
            auto synthesized = synthesizeSentencepieceModel(*model.vocabulary);
            if (!synthesized) return synthesized.error().withContext(options.sourcePath);
            tokenizerBytes = std::move(synthesized).value();
            summary.tokenizer = "synthesized from GGUF metadata";
        } else {
            summary.tokenizer = "none";
            summary.warnings.push_back("no tokenizer written: llama2.c checkpoints carry none; pass --tokenizer "
                                       "with the model's tokenizer.model");
        }
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "import cancelled");

        // Checked where the values are read, so a damaged file fails here and not later in a compile.
        for (const auto& [name, t] : model.tensors)
            if (!at::isfinite(t).all().item<bool>())
                return makeError(ErrorCode::Corrupt, options.sourcePath + ": tensor " + name +
                                                         " holds NaN or infinite values; the checkpoint is damaged");
        if (progress) progress({"import", "writing model.safetensors", 1, 3, "steps"});
        for (const auto& [name, t] : model.tensors) summary.parameterCount += t.numel();
        summary.tensorCount = int(model.tensors.size());
        summary.tiedEmbeddings = config.tieWordEmbeddings;
        LATHE_TRY(writeSafetensors(writer->stagedPath("model.safetensors"), model.tensors, {{"format", "pt"}}));
        LATHE_TRY(writer->writeFile("config.json", modelConfigToJson(config)));
        LATHE_TRY(writer->writeFile("generation_config.json", generationConfigJson(config)));
        if (!tokenizerBytes.empty()) {
            LATHE_TRY(writer->writeFile("tokenizer.model", tokenizerBytes));
            LATHE_TRY(writer->writeFile("tokenizer_config.json", tokenizerConfigJson(config, unk, bos, eos)));
            LATHE_TRY(writer->writeFile("special_tokens_map.json", specialTokensMapJson(unk, bos, eos)));
        }
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "import cancelled");
        if (progress) progress({"import", "finishing", 2, 3, "steps"});
        LATHE_TRY(writer->commit());
        if (progress) progress({"import", "done", 3, 3, "steps"});
        return summary;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "importing " + options.sourcePath + " failed: " + e.what());
    }
}

}  // namespace lathe::model
