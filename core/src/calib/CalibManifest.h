#pragma once

#include "lathe/calib/Calibration.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lathe::calib {

// The multilingual layout's folder inside the tag folder.
inline constexpr const char* kMultilingualFolder = "multilingual";

// One saved sample and the article it came from.
struct SampleRecord {
    std::string language;
    int index = 0;     // i of <language>/inputs_embeds_<i>.npy (or multilingual/<language>_inputs_embeds_<i>.npy)
    std::string file;  // relative to the tag folder
    std::optional<int> merged;       // j of merged/inputs_embeds_<j>.npy
    std::int64_t tokens = 0;         // saved sequence length
    std::int64_t articleTokens = 0;  // before truncation
    std::string shard;               // Hub source
    std::int64_t row = -1;           // Hub source
    std::string id, title;           // the article's id and title columns (empty where the source has none)
};

// Everything manifest.json records. Only inputs and results go in (no times, no byte counts, no output
// path), so two runs with the same inputs write the same bytes.
struct ManifestData {
    const CalibrationOptions* options = nullptr;
    std::string tagFolderName;
    std::string sourceKind;  // "hub" | "file"
    std::string datasetCommit;
    std::vector<std::string> configs;                  // per language, Hub source
    std::vector<std::vector<std::string>> shardsRead;  // per language
    std::string tokenizerEngine;
    std::int64_t tokenizerVocab = 0;
    std::optional<std::int32_t> bosId;
    std::int64_t embeddingVocab = 0, embeddingHidden = 0;
    std::string embeddingDtype;
    std::optional<std::int64_t> modelMaxPositions;
    std::vector<LanguageSummary> languages;
    std::vector<SampleRecord> samples;
};

std::string manifestJson(const ManifestData& data);

}  // namespace lathe::calib
