#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::calib {

// Step 2 of the reference flow: text → tokens (BOS as AutoTokenizer adds it) → rows of the input embedding,
// saved as <outputDir>/datas/<modelTag with '/' → '-'>/<language>/inputs_embeds_<i>.npy, float32 [1, seq, hidden].
// docs/calibration.md describes the layout, the manifest and the dataset cache.
struct CalibrationOptions {
    std::string modelTag;       // e.g. "meta-llama/Llama-3.2-1B-Instruct"
    std::string embeddingPath;  // torch.save'd tensor [vocab, hidden]: float32, bfloat16 or float16
    std::string tokenizerPath;  // tokenizer file, model folder, or a repo id found in the HF cache
    std::string outputDir = "./calib";
    int minSeqLen = 512;        // shorter articles are skipped
    int maxSeqLen = 2048;       // longer ones are truncated
    int maxCalib = 128;         // samples per language
    std::vector<std::string> languages{"en"};

    // Source: the Hub dataset (default), or a local corpus when textFile is set.
    std::string dataset = "wikimedia/wikipedia";
    std::string datasetRevision = "main";
    std::string dumpDate = "20231101";  // configs are "<dumpDate>.<language>"
    std::string textFile;               // .txt / .jsonl / .parquet; samples go to the folder `languages[0]`
    std::string cacheDir;               // byte-range cache; empty = $HF_HOME/lathe/datasets

    bool merge = false;  // also write <tag>/merged/inputs_embeds_<j>.npy, all languages renumbered
    // Wrap each text as a user turn with the chat template of the tokenizer's model folder, as some flows
    // calibrate Instruct models; the template then writes the special tokens and the tokenizer adds none.
    bool chatTemplate = false;
};

struct LanguageSummary {
    std::string language;
    std::string folder;              // absolute path of the language folder
    int samples = 0;
    int wanted = 0;
    std::int64_t articlesRead = 0;   // documents looked at (empty ones included)
    std::int64_t emptyArticles = 0;
    std::int64_t tooShort = 0;       // fewer than minSeqLen tokens
    std::int64_t truncated = 0;      // samples cut to maxSeqLen
    std::int64_t bytesFetched = 0;   // over the network (0 when everything came from the cache)
    std::int64_t bytesFromCache = 0;
    bool exhausted = false;          // the source ran out before `wanted` samples
};

struct CalibrationSummary {
    std::string tagFolder;     // <outputDir>/datas/<tag>
    std::string mergedFolder;  // empty without merge
    std::string manifestPath;  // <tagFolder>/manifest.json
    std::string datasetCommit; // Hub source: the commit the revision resolved to
    std::vector<LanguageSummary> languages;
    std::vector<std::string> warnings;  // e.g. a language that could not supply `maxCalib` samples
};

// Validates everything first (options, embedding, tokenizer, max_seqlen against config.json next to the
// tokenizer, that each language's config exists), then writes the samples. Every file is written under a
// temporary name and renamed; sample files left from an earlier run with higher indices are removed.
// A language that yields fewer than maxCalib samples is a warning; one that yields none is an error
// (NotFound), as is an exhausted corpus. Errors: InvalidArgument (options, shapes), NotFound, Corrupt,
// Unsupported, Io, Network, Auth, Cancelled (samples already renamed into place stay; no manifest).
// Progress: stage "calib <language>", done/total in samples, detail with bytes fetched.
Result<CalibrationSummary> generateCalibration(const CalibrationOptions& options, const ProgressFn& progress = {},
                                               const StopToken& stop = {});

// "meta-llama/Llama-3.2-1B" → "meta-llama-Llama-3.2-1B" (the folder name the reference scripts use).
std::string modelTagFolder(const std::string& modelTag);

// The folders generateCalibration writes for `options`, from the options alone (nothing is read or written).
// generateCalibration names its folders with this, so callers that only need the paths agree with it.
struct CalibrationFolders {
    std::string tagFolder;     // <outputDir>/datas/<modelTagFolder(modelTag)>, one folder per language inside
    std::string mergedFolder;  // <tagFolder>/merged; empty without merge
    std::string manifestPath;  // <tagFolder>/manifest.json
};
CalibrationFolders calibrationFolders(const CalibrationOptions& options);

// One sample as manifest.json lists it, in file order.
struct CalibrationSample {
    std::string language;
    std::string file;         // relative to the tag folder: "<language>/inputs_embeds_<i>.npy"
    std::string title;        // the article's title; empty where the source has none
    std::int64_t tokens = 0;  // saved sequence length
};

// Reads the samples of a manifest that generateCalibration wrote. Errors: NotFound (no such file), Corrupt (not
// a calibration manifest, or a sample field of the wrong type), each naming the file.
Result<std::vector<CalibrationSample>> readCalibrationSamples(const std::string& manifestPath);

}  // namespace lathe::calib
