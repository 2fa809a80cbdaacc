#pragma once
// Private to core.

#include "lathe/project/Project.h"

#include <string>

namespace lathe::project {

// The names a project gives its own files under its output folder. The rest of ProjectLayout follows from the
// step options built on these (calibrationOptionsFor, compileOptionsFor), so both read them from here.
struct ProjectFileNames {
    std::string embeddingPath;  // <out>/embedding.pt
    std::string calibDir;       // <out>/calib
    std::string compiledPath;   // <out>/<model name>-<bit mode>.compiled.safetensors
    std::string reportPath;     // <compiledPath>.report.json
    std::string ggufPath;       // <out>/<model name>-<bit mode>.gguf (export step)
    std::string onnxDir;        // <out>/<model name>-<bit mode>-onnx (export step)
};

ProjectFileNames projectFileNames(const ProjectSettings& settings);

}  // namespace lathe::project
