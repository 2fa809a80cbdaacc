#pragma once

#include "lathe/calib/Calibration.h"
#include "lathe/common/Result.h"
#include "lathe/quant/QuantPlan.h"

#include <map>
#include <string>
#include <vector>

namespace lathe::project {

// Every setting of the Studio wizard, as stored in a `.lathe` project file (JSON, schema documented in
// docs/project-file.md). Paths are stored relative to the project file's folder; in memory they are absolute
// once loaded with loadProject(). The Hugging Face token is never part of a project.
struct ProjectSettings {
    struct Model {
        std::string source = "hub";  // "hub" or "local"
        std::string repoId;          // for "hub"
        std::string revision = "main";
        std::string localPath;  // for "local"
    };
    struct Calibration {
        std::string dataset = "wikimedia/wikipedia";  // or "local"
        std::string textFile;                         // for "local"
        std::vector<std::string> languages = {"en"};
        int minSeqLen = 512;
        int maxSeqLen = 2048;
        int maxCalib = 128;  // per language; with the multilingual layout, in all
        bool merge = true;   // per-language layout only (the multilingual folder holds every language)
        // Stored as "per-language" or "multilingual" (calib::calibrationLayoutName).
        calib::CalibrationLayout layout = calib::CalibrationLayout::PerLanguage;
    };
    struct Quantization {
        // Stored as "w8", "w4", "w4v8" and "max", "percentile", "mse" (lathe/quant/QuantPlan.h).
        quant::BitMode bitMode = quant::BitMode::W4V8;
        bool rotation = true;  // R1/R2 random Hadamard (w4, w4v8)
        bool gptq = true;      // false = RTN
        quant::ActivationMethod activationMethod = quant::ActivationMethod::Percentile;
        double percentile = 0.9999;
        int groupSize = 0;                              // 0 = per output channel
        std::map<std::string, int> groupBits;           // weight bits (2..8) per group: query key value output ffn head
        std::vector<std::string> keep16BitActivations;  // linear names kept at 16-bit activations
        int seed = 0;
        int threads = 0;  // 0 = all hardware threads
        // "lathe" or "gguf": a gguf target compiles what `lathe export --format gguf` stores exactly.
        quant::CompileTarget target = quant::CompileTarget::Lathe;
    };
    // Formats the export step writes after the compile ("gguf", "onnx"); none by default.
    struct Export {
        std::vector<std::string> formats;
        int onnxOpset = 21;  // 21 or 17 (deploy::onnxOpsets)
    };

    std::string name;
    std::string outputDir = "output";
    Model model;
    Calibration calibration;
    Quantization quantization;
    Export exports;
};

// The formats a project's export step knows, as project files spell them.
std::vector<std::string> projectExportFormats();

inline constexpr int kProjectSchemaVersion = 1;

// Reads a project file, migrating older schema versions. Relative paths are resolved against the file's folder.
// Errors: NotFound, Corrupt (malformed JSON, a field of the wrong type or an unknown bit mode or activation
// method, naming it), Unsupported (a schema version newer than this build understands).
Result<ProjectSettings> loadProject(const std::string& path);

// Writes atomically (temporary file + rename); paths under the project folder are stored relative to it.
Result<void> saveProject(const ProjectSettings& settings, const std::string& path);

// Checks values a user can get wrong (bits, sequence lengths, languages, percentile) and says which; the bits and
// group size through validateQuantChoices(), as the compiler does. Errors: InvalidArgument.
Result<void> validateProject(const ProjectSettings& settings);

// The project's bit choices, as the compiler and the size estimate take them.
quant::QuantChoices quantChoices(const ProjectSettings::Quantization& quantization);

}  // namespace lathe::project
