#pragma once

#include "lathe/calib/Calibration.h"

#include <cstdint>
#include <optional>
#include <string>

namespace lathe::calib {

// The options as a run uses them: an empty language list replaced by the layout's default ("en" with a text file).
CalibrationOptions resolvedOptions(const CalibrationOptions& options);

// Checks that need no file: numbers, names, combinations (of resolved options). Errors: InvalidArgument saying
// which flag.
Result<void> checkOptions(const CalibrationOptions& options);

// What config.json next to the tokenizer says, when there is one.
struct ModelLimits {
    std::optional<std::int64_t> maxPositions;  // max_position_embeddings
    std::optional<std::int64_t> hiddenSize;
    std::optional<std::int64_t> vocabSize;
    std::string configPath;
};

// Reads <dir>/config.json, dir being the tokenizer folder (or the folder of the tokenizer file). No file is
// not an error; an unreadable one is Corrupt.
Result<ModelLimits> readModelLimits(const std::string& tokenizerDir);

}  // namespace lathe::calib
