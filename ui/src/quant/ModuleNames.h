#pragma once

#include "lathe/model/ModelConfig.h"

#include <string>
#include <vector>

namespace lathe::ui {

// The names the compiler gives the linears of projection group `group` in this model, as the project's
// keep_16bit_activations lists them: "model.layers.<i>.self_attn.v_proj", ..., "lm_head". Layer order.
std::vector<std::string> groupModuleNames(const ModelConfig& config, const std::string& group);

// The projection group (query key value output ffn head) a module name belongs to; empty when it names none.
std::string moduleGroup(const std::string& module);

}  // namespace lathe::ui
