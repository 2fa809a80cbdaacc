#pragma once

#include "lathe/common/Result.h"
#include "lathe/quant/QuantPlan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::compile {

// One quantized linear in the compile report (report.json "linears", one row per layer and projection).
struct LinearReport {
    int layer = -1;          // -1 for lm_head
    std::string projection;  // "q_proj" "k_proj" "v_proj" "o_proj" "gate_proj" "up_proj" "down_proj" "lm_head"
    std::string group;       // "query" "key" "value" "output" "ffn" "head"
    int weightBits = 0;
    int activationBits = 0;       // 8, or 16 when kept (--keep-16bit-act)
    double sqnrIsolatedDb = 0;    // float inputs, only this linear quantized (weights and input activation)
    double sqnrPropagatedDb = 0;  // inputs from the quantized model so far
    double weightScaleMin = 0, weightScaleMax = 0, weightScaleMean = 0;
    double weightClipRate = 0;      // weights whose own code round(w/s) leaves the grid (clipped by the scale search)
    double activationScale = 0;     // static per-tensor scale (16-bit inputs: max|x| / 32767)
    double activationAbsMax = 0;    // max |x| seen on calibration tokens
    double activationClipRate = 0;  // calibration values clipped by the static scale
    double gptqDamping = 0;         // λ used (0 for RTN)
};

// One decoder block (report.json "blocks").
struct BlockReport {
    int layer = 0;
    double outputSqnrDb = 0;  // block output, quantized model so far vs float model
    double seconds = 0;       // wall time in the run that compiled it; not stored in report.json, whose bytes
                              // depend only on the inputs (0 when loaded)
};

struct CompileReport {
    int formatVersion = 1;
    std::string model;
    quant::BitMode bitMode = quant::BitMode::W4V8;
    quant::WeightMethod weightMethod = quant::WeightMethod::Gptq;
    bool rotated = false;
    int64_t calibTokens = 0;
    int calibSamples = 0;
    quant::ActivationMethod activationMethod = quant::ActivationMethod::Percentile;
    double percentile = 0;
    std::vector<LinearReport> linears;
    std::vector<BlockReport> blocks;
    double finalKlDivergence = 0;  // mean KL(float ‖ compiled) of the final logits over calibration tokens, nats
};

// Infinite SQNRs (nothing differed) are stored in report.json as the string "inf" and read back as +inf.
// Reads a report.json written by compileModel(). Errors: NotFound, Corrupt (naming the field), Unsupported (a
// newer report format).
Result<CompileReport> loadCompileReport(const std::string& path);

}  // namespace lathe::compile
