#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lathe::calib {

// Where the samples go inside the tag folder, and what maxCalib counts. docs/calibration.md says which vendor
// tutorial each matches.
enum class CalibrationLayout {
    // <language>/inputs_embeds_<i>.npy, maxCalib samples per language (the original tutorial's generate_calib.py).
    PerLanguage,
    // multilingual/<language>_inputs_embeds_<i>.npy, maxCalib samples in all, split evenly over the languages
    // (the newer tutorial; its compile step reads that one folder).
    Multilingual,
};

// "per-language" / "multilingual", as --layout and manifest.json spell them; parse returns nullopt otherwise.
const char* calibrationLayoutName(CalibrationLayout layout);
std::optional<CalibrationLayout> parseCalibrationLayout(const std::string& name);

// The languages used when CalibrationOptions::languages is empty: {"en"} per language (the original tutorial's
// default); for Multilingual the newer tutorial's eight, in its order: en, de, fr, it, pt, hi, es, th.
std::vector<std::string> defaultCalibrationLanguages(CalibrationLayout layout);

// How many samples each of `languages` languages is asked for: maxCalib each per language; with Multilingual,
// maxCalib / languages each and one more for the first maxCalib % languages (the tutorial's divmod), so they add
// up to maxCalib. Empty when languages is 0.
std::vector<int> samplesPerLanguage(CalibrationLayout layout, int maxCalib, std::size_t languages);

// Step 2 of the reference flow: text → tokens (BOS as AutoTokenizer adds it) → rows of the input embedding,
// saved as <outputDir>/datas/<modelTag with '/' → '-'>/<language>/inputs_embeds_<i>.npy (or, with the
// multilingual layout, .../multilingual/<language>_inputs_embeds_<i>.npy), float32 [1, seq, hidden].
// docs/calibration.md describes the layouts, the manifest and the dataset cache.
struct CalibrationOptions {
    std::string modelTag;       // e.g. "meta-llama/Llama-3.2-1B-Instruct"
    std::string embeddingPath;  // torch.save'd tensor [vocab, hidden]: float32, bfloat16 or float16
    std::string tokenizerPath;  // tokenizer file, model folder, or a repo id found in the HF cache
    std::string outputDir = "./calib";
    int minSeqLen = 512;   // shorter articles are skipped
    int maxSeqLen = 2048;  // longer ones are truncated
    int maxCalib = 128;    // samples per language; with the multilingual layout, samples in all
    CalibrationLayout layout = CalibrationLayout::PerLanguage;
    std::vector<std::string> languages;  // empty: defaultCalibrationLanguages(layout), or "en" with textFile

    // Source: the Hub dataset (default), or a local corpus when textFile is set.
    std::string dataset = "wikimedia/wikipedia";
    std::string datasetRevision = "main";
    std::string dumpDate = "20231101";  // configs are "<dumpDate>.<language>"
    std::string textFile;               // .txt / .jsonl / .parquet; samples go to the folder `languages[0]`
    std::string cacheDir;               // byte-range cache; empty = $HF_HOME/lathe/datasets

    // Also write <tag>/merged/inputs_embeds_<j>.npy, all languages renumbered. Per-language layout only: the
    // multilingual folder already holds every language (InvalidArgument otherwise).
    bool merge = false;
    // Wrap each text as a user turn with the chat template of the tokenizer's model folder, as some flows
    // calibrate Instruct models; the template then writes the special tokens and the tokenizer adds none.
    bool chatTemplate = false;
};

struct LanguageSummary {
    std::string language;
    std::string folder;  // the language folder (per-language layout) or the multilingual folder
    int samples = 0;
    int wanted = 0;
    std::int64_t articlesRead = 0;  // documents looked at (empty ones included)
    std::int64_t emptyArticles = 0;
    std::int64_t tooShort = 0;      // fewer than minSeqLen tokens
    std::int64_t truncated = 0;     // samples cut to maxSeqLen
    std::int64_t bytesFetched = 0;  // over the network (0 when everything came from the cache)
    std::int64_t bytesFromCache = 0;
    bool exhausted = false;  // the source ran out before `wanted` samples
};

struct CalibrationSummary {
    std::string tagFolder;           // <outputDir>/datas/<tag>
    std::string mergedFolder;        // empty without merge
    std::string multilingualFolder;  // <tagFolder>/multilingual with that layout, else empty
    std::string manifestPath;        // <tagFolder>/manifest.json
    std::string datasetCommit;       // Hub source: the commit the revision resolved to
    std::vector<LanguageSummary> languages;
    std::vector<std::string> warnings;  // e.g. a language that could not supply `maxCalib` samples
};

// Validates everything first (options, embedding, tokenizer, max_seqlen against config.json next to the
// tokenizer, that each language's config exists), then writes the samples. Every file is written under a
// temporary name and renamed; sample files left from an earlier run with higher indices are removed.
// A language that yields fewer than its share of samples is a warning; one that yields none is an error
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
    std::string tagFolder;           // <outputDir>/datas/<modelTagFolder(modelTag)>, one folder per language inside
    std::string mergedFolder;        // <tagFolder>/merged; empty without merge
    std::string multilingualFolder;  // <tagFolder>/multilingual with the multilingual layout; else empty
    std::string manifestPath;        // <tagFolder>/manifest.json
    // The one folder that holds every sample of the run, for the compiler: the multilingual or merged folder,
    // else the tag folder (searched recursively).
    std::string compileFolder() const;
};
CalibrationFolders calibrationFolders(const CalibrationOptions& options);

// The sample file's name inside its folder: "inputs_embeds_<index>.npy" per language,
// "<language>_inputs_embeds_<index>.npy" multilingual.
std::string calibrationSampleName(CalibrationLayout layout, const std::string& language, int index);

// One sample as manifest.json lists it, in file order.
struct CalibrationSample {
    std::string language;
    std::string file;         // relative to the tag folder: "<language>/inputs_embeds_<i>.npy" or
                              // "multilingual/<language>_inputs_embeds_<i>.npy"
    std::string title;        // the article's title; empty where the source has none
    std::int64_t tokens = 0;  // saved sequence length
};

// Reads the samples of a manifest that generateCalibration wrote, in either layout. Errors: NotFound (no such
// file), Corrupt (not a calibration manifest, an unknown layout, or a sample field of the wrong type), each naming
// the file.
Result<std::vector<CalibrationSample>> readCalibrationSamples(const std::string& manifestPath);

// The layout a manifest records ("settings.layout"; manifests written before there was a choice have none and are
// per-language). Errors: as readCalibrationSamples.
Result<CalibrationLayout> readCalibrationLayout(const std::string& manifestPath);

}  // namespace lathe::calib
