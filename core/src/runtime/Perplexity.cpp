#include "lathe/runtime/Perplexity.h"

#include "lathe/runtime/RuntimeOptions.h"
#include "runtime/LoadedModel.h"
#include "runtime/PerplexityWindows.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace lathe {
namespace {

Result<std::string> readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::NotFound, "cannot open text file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return makeError(ErrorCode::Io, "reading text file " + path + " failed");
    return text.str();
}

// Removes lines equal to one of `drop` (a trailing '\r' is ignored when comparing), with their '\n'.
std::string dropMatchingLines(const std::string& text, const std::vector<std::string>& drop, int64_t& dropped)
{
    if (drop.empty()) return text;
    std::string out;
    out.reserve(text.size());
    size_t begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        const size_t next = end == std::string::npos ? text.size() : end + 1;
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + begin, end - begin);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (std::find(drop.begin(), drop.end(), line) != drop.end())
            ++dropped;
        else
            out.append(text, begin, next - begin);
        begin = next;
    }
    return out;
}

}  // namespace

Result<PerplexityResult> evaluatePerplexity(const EvalOptions& options, const ProgressFn& progress, StopToken stop)
{
    const auto start = std::chrono::steady_clock::now();
    if (options.ctx < 0 || options.ctx == 1)
        return makeError(ErrorCode::InvalidArgument, "--ctx must be at least 2, got " + std::to_string(options.ctx));
    auto text = readText(options.textFile);
    if (!text) return text.error();
    auto model = loadFloatModel(options.modelPath, progress, stop);
    if (!model) return model.error();
    setComputeThreads(options.threads, model->decoder->config().hiddenSize);

    return guarded<PerplexityResult>("evaluating " + model->directory, [&]() -> Result<PerplexityResult> {
        const ModelConfig& config = model->decoder->config();
        const int ctx = options.ctx > 0 ? options.ctx : std::min(config.maxPositionEmbeddings, 2048);
        if (config.maxPositionEmbeddings > 0 && ctx > config.maxPositionEmbeddings)
            return makeError(ErrorCode::InvalidArgument,
                             "--ctx " + std::to_string(ctx) + " exceeds the model's max_position_embeddings (" +
                                 std::to_string(config.maxPositionEmbeddings) + ")");
        std::optional<int32_t> bos;
        if (options.addBos) {
            bos = model->tokenizer->bosId();
            if (!bos)
                return makeError(ErrorCode::InvalidArgument, "the tokenizer of " + model->directory +
                                                                 " has no BOS token; evaluate with --no-bos");
        }
        if (progress) progress({"tokenize", options.textFile, 0, 0, "bytes"});
        int64_t droppedLines = 0;
        const std::string kept = dropMatchingLines(*text, options.dropLines, droppedLines);
        auto tokens = model->tokenizer->encode(kept, /*addSpecial=*/false);
        if (!tokens) return tokens.error().withContext("tokenizing " + options.textFile);
        auto result = perplexityOfTokens(*model->decoder, *tokens, ctx, bos, options.batchWindows, progress, stop);
        if (!result) return result.error();
        result->droppedLines = droppedLines;
        result->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
    });
}

}  // namespace lathe
