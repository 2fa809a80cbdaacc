#pragma once
// Private to core: exposes libtorch types.

#include "compile/CompilePlan.h"
#include "compile/HeadCompiler.h"
#include "compile/WorkState.h"
#include "lathe/compile/CompileReport.h"
#include "quant/Rotation.h"

#include <ATen/ATen.h>

#include <string>

namespace lathe::model {
class Checkpoint;
}

namespace lathe::compile {

struct OutputInputs {
    const CompilePlan& plan;
    const model::Checkpoint& checkpoint;
    const WorkState& state;  // the finished layers' part files
    const CompiledHead& head;
    const at::Tensor& finalNorm;  // fp32 [hidden]
    const quant::Rotation& r1;    // undefined unless rotated
    const CompileReport& report;
    const std::string& provenance;
};

// Writes every output of a compile: the container (layers copied from their part files, the head, the tokenizer
// files of the model folder), for rotated plans the R1 rotation file and the rotated embedding, and report.json +
// report.csv. All are first written under "<name>.partial" and renamed only once every one is complete, so an
// error or a cancel leaves no file under a final name. Errors: Io, Cancelled, Internal.
Result<void> writeCompileOutputs(const OutputInputs& in, const ProgressFn& progress, const StopToken& stop);

}  // namespace lathe::compile
