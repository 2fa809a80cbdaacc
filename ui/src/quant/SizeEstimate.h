#pragma once

#include "lathe/model/ModelConfig.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe::ui {

// One kind of quantized linear: `count` matrices of [out, in] in projection group `group`.
struct LinearShape {
    std::string name;   // q_proj, ..., lm_head
    std::string group;  // query key value output ffn head
    std::int64_t out = 0;
    std::int64_t in = 0;
    std::int64_t count = 0;
};

// The linears the compiler quantizes: seven per decoder layer plus the (untied) lm_head.
std::vector<LinearShape> quantizedLinears(const ModelConfig& config);

// Weight bits of a group under a bit mode preset (w8: all 8; w4: all 4; w4v8: 4, value 8); 0 for an unknown mode.
int presetBits(const std::string& bitMode, const std::string& group);

// Bits a group ends up with: the override when there is one, else the preset.
int effectiveBits(const std::string& bitMode, const std::map<std::string, int>& groupBits, const std::string& group);

// Estimated bytes of the compiled weights: for every linear, out·⌈in·bits/8⌉ packed integers plus one float32
// scale per output channel (per channel and group of `groupSize` inputs when groupSize > 0); a group kept at
// 16 bits stores out·in·2 bytes and no scales. Norms, activation scales and metadata (a few kB) are left out.
std::int64_t estimateCompiledBytes(const ModelConfig& config, const std::string& bitMode,
                                   const std::map<std::string, int>& groupBits, int groupSize);

// The same linears in bfloat16, for the "x smaller than bf16" comparison.
std::int64_t bfloat16Bytes(const ModelConfig& config);

}  // namespace lathe::ui
