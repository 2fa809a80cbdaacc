#pragma once
// Private to core.

#include "compile/CalibrationSet.h"
#include "compile/CompilePlan.h"

#include <string>

namespace lathe::model {
class Checkpoint;
}

namespace lathe::compile {

// This build's version ("0.1.0").
std::string latheVersion();

// The container's provenance JSON: the source model as given (and its Hub repo id and commit when it is a snapshot
// in the Hugging Face cache), the calibration folder as given with its sample count, tokens and digest, every option
// that shapes the output, and the Lathe version. No times or output paths, so equal inputs give equal bytes.
std::string provenanceJson(const CompilePlan& plan, const CalibrationSet& calibration);

// A digest of everything the compile's result depends on: the options above, config.json, the weight files
// (name, size, modification time), the calibration digest and the compiler revision. A work folder is resumed only
// with an equal one.
std::string compileFingerprint(const CompilePlan& plan, const model::Checkpoint& checkpoint,
                               const CalibrationSet& calibration);

}  // namespace lathe::compile
