#pragma once

#include "lathe/project/Project.h"

#include <string>

namespace lathe::project {

// Every path a project's steps write, all under ProjectSettings::outputDir. The steps take their paths from the
// same rules (runProjectStep, `lathe run-project`, the Studio), so what is listed here is what gets written:
// the calibration folders are calib::calibrationFolders of the project's calibration options, the compile paths
// compile::compileOutputPaths of its compile options. Computed from the settings alone; nothing is read or
// written, and the paths are as absolute as outputDir is.
struct ProjectLayout {
    std::string outputDir;  // ProjectSettings::outputDir
    std::string modelTag;   // projectModelTag: names the calibration folder
    std::string modelName;  // projectModelName: names the compiled model and the rotation folder

    std::string embeddingPath;  // <out>/embedding.pt (float32, input to calibration)

    std::string calibDir;           // <out>/calib (generate-calib's output_dir)
    std::string calibTagFolder;     // <out>/calib/datas/<model tag, '/' as '-'>, one folder per language inside
    std::string calibMergedFolder;  // <calibTagFolder>/merged; empty unless calibration.merge
    std::string calibManifestPath;  // <calibTagFolder>/manifest.json (written last: the samples are complete)
    std::string calibSamplesDir;    // what the compile reads: the multilingual folder with that layout, the merged
                                    // folder when merging, else the tag folder

    std::string compiledPath;   // <out>/<model name>-<bit mode>.compiled.safetensors
    std::string reportPath;     // <compiledPath>.report.json
    std::string reportCsvPath;  // <compiledPath>.report.csv
    std::string workDir;        // <compiledPath>.work: an interrupted compile's resume state
    std::string ggufPath;       // <out>/<model name>-<bit mode>.gguf: the export step's GGUF
    std::string onnxDir;        // <out>/<model name>-<bit mode>-onnx: the export step's ONNX folder

    // Where a rotated compile writes R1 and the rotated embedding. Set whether or not this project's compile
    // rotates (a file from an earlier rotated compile may be there); `rotated` says whether it does.
    std::string rotationPath;          // <out>/spinWeight/<model name>/R1/global_rotation.pth
    std::string rotatedEmbeddingPath;  // <out>/embedding_rotated.pt
    bool rotated = false;
};

ProjectLayout projectLayout(const ProjectSettings& settings);

// Names the calibration folder: the repo id for hub models ("meta-llama/Llama-3.2-1B-Instruct"), the model name
// for local ones.
std::string projectModelTag(const ProjectSettings& settings);

// The compiler's name for the project's model (compile::compiledModelName): the repository's name for hub
// models ("Llama-3.2-1B-Instruct"), for local ones the folder's name (the repository's name when the folder is a
// snapshot of the Hugging Face cache). Empty when no model is set.
std::string projectModelName(const ProjectSettings& settings);

}  // namespace lathe::project
