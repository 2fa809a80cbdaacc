#include "runtime/EvalText.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string_view>

namespace lathe::runtime {

Result<std::string> readEvalText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::NotFound, "cannot open text file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return makeError(ErrorCode::Io, "reading text file " + path + " failed");
    return text.str();
}

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

Result<int> evalWindowLength(int requested, const model::ModelConfig& config)
{
    if (requested < 0 || requested == 1)
        return makeError(ErrorCode::InvalidArgument, "--ctx must be at least 2, got " + std::to_string(requested));
    const int ctx = requested > 0 ? requested : std::min(config.maxPositionEmbeddings, 2048);
    if (config.maxPositionEmbeddings > 0 && ctx > config.maxPositionEmbeddings)
        return makeError(ErrorCode::InvalidArgument,
                         "--ctx " + std::to_string(ctx) + " exceeds the model's max_position_embeddings (" +
                             std::to_string(config.maxPositionEmbeddings) + ")");
    return ctx;
}

}  // namespace lathe::runtime
