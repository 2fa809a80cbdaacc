#include "compile/CalibrationSet.h"

#include "common/Hashing.h"
#include "lathe/data/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <tuple>

namespace lathe::compile {

namespace {

namespace fs = std::filesystem;

// The largest |value| a calibration sample may hold (input embeddings, not hidden states).
constexpr float kMaxSampleMagnitude = 10000.0f;

struct Found {
    std::string folder;    // relative to the calibration folder
    std::string language;  // "<language>_" prefix of the multilingual layout's names; empty for per-language ones
    int64_t index = 0;
    fs::path path;
};

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

}  // namespace

Result<CalibrationSet> CalibrationSet::open(const std::string& folder, int64_t hidden, int64_t maxPositions,
                                            int64_t maxTokens, const ProgressFn& progress, const StopToken& stop)
{
    std::error_code ec;
    if (folder.empty())
        return makeError(ErrorCode::InvalidArgument,
                         "no calibration folder given; pass the folder of inputs_embeds_<i>.npy files that "
                         "`lathe generate-calib` wrote");
    if (!fs::is_directory(folder, ec))
        return makeError(ErrorCode::NotFound, "calibration folder " + folder +
                                                  " does not exist; make samples with `lathe generate-calib` and "
                                                  "pass their folder");
    // generate-calib's names: inputs_embeds_<i>.npy (per language), <language>_inputs_embeds_<i>.npy (multilingual).
    static const std::regex kName(R"((?:(.+)_)?inputs_embeds_([0-9]{1,9})\.npy)");
    std::vector<Found> found;
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::smatch m;
        const std::string name = it->path().filename().string();
        if (!it->is_regular_file(ec) || !std::regex_match(name, m, kName)) continue;
        found.push_back({it->path().parent_path().lexically_relative(folder).generic_string(), m[1].str(),
                         std::stoll(m[2]), it->path()});
    }
    if (ec) return makeError(ErrorCode::Io, "cannot list the calibration folder " + folder + ": " + ec.message());
    if (found.empty())
        return makeError(ErrorCode::NotFound,
                         "calibration folder " + folder +
                             " holds no inputs_embeds_<i>.npy (or <language>_inputs_embeds_<i>.npy) "
                             "files; make them with "
                             "`lathe generate-calib` and pass their folder");
    // A multilingual folder holds index 0.. of every language: the language orders them, so that the order (and the
    // digest) does not depend on the directory listing.
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
        return std::tie(a.folder, a.language, a.index) < std::tie(b.folder, b.language, b.index);
    });

    CalibrationSet set;
    set.m_folder = folder;
    set.m_hidden = hidden;
    Hasher hasher(Hasher::Kind::Sha256);
    for (size_t i = 0; i < found.size(); ++i) {
        if (stop.stopRequested())
            return makeError(ErrorCode::Cancelled, "compile cancelled while reading calibration data");
        if (maxTokens > 0 && set.m_tokens >= maxTokens) break;
        const std::string path = found[i].path.string();
        if (progress) progress({"validate", "reading " + path, int64_t(i), int64_t(found.size()), "samples"});
        auto array = data::readNpy(found[i].path);
        if (!array) return array.error();
        const auto& shape = array->shape;
        if (shape.size() != 3 || shape[0] != 1 || shape[1] < 1)
            return makeError(ErrorCode::InvalidArgument,
                             "calibration sample " + path + " has shape " + shapeText(shape) +
                                 "; samples must be float32 [1, seq, hidden] as `lathe generate-calib` writes them");
        if (shape[2] != hidden)
            return makeError(ErrorCode::InvalidArgument,
                             "calibration sample " + path + " has hidden size " + std::to_string(shape[2]) +
                                 " but the model's hidden_size is " + std::to_string(hidden) +
                                 ": the samples were made with another model's embedding; make them again from "
                                 "this model's embedding");
        if (maxPositions > 0 && shape[1] > maxPositions)
            return makeError(ErrorCode::InvalidArgument,
                             "calibration sample " + path + " has " + std::to_string(shape[1]) +
                                 " tokens, more than the model's max_position_embeddings (" +
                                 std::to_string(maxPositions) + "); make samples with a smaller --max_seqlen");
        if (!std::all_of(array->data.begin(), array->data.end(), [](float v) { return std::isfinite(v); }))
            return makeError(ErrorCode::Corrupt,
                             "calibration sample " + path + " holds NaN or infinite values; make the samples again");
        // Input embeddings are small numbers (|x| well below 10 in every released model); a sample far beyond that
        // overflows the float model's hidden states and would make every measured error 0.
        const auto largest = std::max_element(array->data.begin(), array->data.end(),
                                              [](float a, float b) { return std::fabs(a) < std::fabs(b); });
        if (largest != array->data.end() && std::fabs(*largest) > kMaxSampleMagnitude) {
            char value[32];
            std::snprintf(value, sizeof value, "%g", double(*largest));
            return makeError(ErrorCode::Corrupt, "calibration sample " + path + " holds the value " + value +
                                                     ", far beyond any input embedding (at most " +
                                                     std::to_string(int(kMaxSampleMagnitude)) +
                                                     " is accepted); make the samples again from the model's "
                                                     "embedding");
        }
        int64_t tokens = shape[1];
        if (maxTokens > 0) tokens = std::min(tokens, maxTokens - set.m_tokens);
        const std::string relative = found[i].path.lexically_relative(folder).generic_string();
        const int64_t header[2] = {tokens, hidden};
        hasher.update(relative.data(), relative.size() + 1);
        hasher.update(header, sizeof(header));
        hasher.update(array->data.data(), size_t(tokens * hidden) * sizeof(float));
        set.m_samples.push_back({path, tokens});
        set.m_tokens += tokens;
    }
    set.m_digest = hasher.hexDigest();
    if (progress)
        progress({"validate", "calibration data checked", int64_t(found.size()), int64_t(found.size()), "samples"});
    return set;
}

Result<at::Tensor> CalibrationSet::load(size_t i) const
{
    const Sample& sample = m_samples.at(i);
    auto array = data::readNpy(sample.path);
    if (!array) return array.error();
    if (array->shape.size() != 3 || array->shape[1] < sample.tokens || array->shape[2] != m_hidden)
        return makeError(ErrorCode::Corrupt,
                         "calibration sample " + sample.path + " changed while compiling; start the compile again");
    try {
        return at::from_blob(array->data.data(), {1, sample.tokens, m_hidden}, at::kFloat).clone();
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "loading calibration sample " + sample.path + " failed: " + e.what());
    }
}

}  // namespace lathe::compile
