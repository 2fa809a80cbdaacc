#include "quant/ModuleNames.h"

#include <utility>

namespace lathe::ui {

namespace {

struct Projection {
    const char* name;
    const char* group;
    const char* block;  // the decoder block's submodule that holds it
};

const std::vector<Projection>& projections()
{
    static const std::vector<Projection> all = {{"q_proj", "query", "self_attn"}, {"k_proj", "key", "self_attn"},
                                                {"v_proj", "value", "self_attn"}, {"o_proj", "output", "self_attn"},
                                                {"gate_proj", "ffn", "mlp"},      {"up_proj", "ffn", "mlp"},
                                                {"down_proj", "ffn", "mlp"}};
    return all;
}

}  // namespace

std::vector<std::string> groupModuleNames(const ModelConfig& config, const std::string& group)
{
    if (group == "head") return {"lm_head"};
    std::vector<std::string> names;
    for (int layer = 0; layer < config.numLayers; ++layer)
        for (const Projection& p : projections())
            if (group == p.group)
                names.push_back("model.layers." + std::to_string(layer) + "." + p.block + "." + p.name);
    return names;
}

std::string moduleGroup(const std::string& module)
{
    if (module == "lm_head") return "head";
    const std::string prefix = "model.layers.";
    if (module.rfind(prefix, 0) != 0) return {};
    const std::size_t dot = module.find('.', prefix.size());
    if (dot == std::string::npos || dot == prefix.size()) return {};
    for (std::size_t i = prefix.size(); i < dot; ++i)
        if (module[i] < '0' || module[i] > '9') return {};
    const std::string rest = module.substr(dot + 1);
    for (const Projection& p : projections())
        if (rest == std::string(p.block) + "." + p.name) return p.group;
    return {};
}

}  // namespace lathe::ui
