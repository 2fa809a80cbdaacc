#include "deploy/GgufLinear.h"

#include "lathe/quant/QuantPlan.h"
#include "model/RopePermutation.h"
#include "quant/IntegerGrid.h"

#include <nlohmann/json.hpp>

namespace lathe::deploy {

using model::GgmlType;

bool compiledWithHalfScales(const compiled::CompiledModelInfo& info)
{
    const auto j = nlohmann::json::parse(info.provenanceJson, nullptr, false);
    return j.is_object() && j.contains("options") && j["options"].is_object() &&
           j["options"].value("scale_dtype", "") == quant::toString(quant::ScaleType::F16);
}

Result<LinearExport> planLinearExport(const std::string& module, const compiled::CompiledModelInfo& info,
                                      bool halfScales, bool requantize, const std::string& path)
{
    const auto ref = quant::parseModuleName(module);
    const auto spec = info.linears.find(module);
    if (!ref || spec == info.linears.end())
        return makeError(ErrorCode::Corrupt, path + ": the container has no linear " + module);
    const quant::LinearShape shape = quant::linearShape(info.config, ref->projection);
    LinearExport e;
    e.module = module;
    e.bits = spec->second.weightBits;
    e.in = shape.in;
    e.out = shape.out;
    e.type = e.bits <= 4 ? GgmlType::Q4_0 : GgmlType::Q8_0;
    if (shape.in % model::kGgmlBlock != 0) {
        e.type = GgmlType::F16;
        e.fit = LinearFit::Float16;
        return e;
    }
    const int64_t group = spec->second.groupSize;
    if (group == model::kGgmlBlock && halfScales) return e;
    e.reason = group == 0                   ? "compiled per output channel"
               : group != model::kGgmlBlock ? "compiled in groups of " + std::to_string(group)
                                            : "compiled with float32 scales";
    if (!requantize)
        return makeError(ErrorCode::InvalidArgument,
                         path + ": " + module + " was " + e.reason +
                             ", which GGUF's Q4_0 / Q8_0 blocks (32 weights of a row, one float16 scale) cannot hold "
                             "exactly. Compile with --target gguf (or --group-size 32 --scale-dtype f16), or pass "
                             "--requantize to round the weights into the blocks (round to nearest gives up part of "
                             "what GPTQ gained)");
    e.fit = group == model::kGgmlBlock ? LinearFit::HalfScales : LinearFit::Rounded;
    return e;
}

namespace {

// Rows (the first dimension) in the order GGUF's architecture expects.
at::Tensor ggufRows(const LinearExport& plan, const at::Tensor& t)
{
    return plan.permuteHeads > 0 ? model::halfRotaryToInterleaved(t, plan.permuteHeads) : t;
}

}  // namespace

std::string encodeBiasExport(const LinearExport& plan, const at::Tensor& bias)
{
    return model::encodeRounded(ggufRows(plan, bias.to(at::kFloat)).view({1, -1}), GgmlType::F32);
}

Result<std::string> encodeLinearExport(const LinearExport& plan, const compiled::QuantizedLinear& linear)
{
    auto rows = [&](const at::Tensor& t) { return ggufRows(plan, t); };
    const quant::QuantizedWeight& w = linear.weight;
    switch (plan.fit) {
        case LinearFit::Exact:
            if (!model::scalesAreHalf(w.scales))
                return makeError(ErrorCode::Corrupt, plan.module +
                                                         " records float16 scales but holds scales that are "
                                                         "not float16 values; the container is damaged");
            return model::encodeGrid(rows(w.codes), rows(w.scales), plan.type);
        case LinearFit::HalfScales:
            return model::encodeGrid(rows(w.codes), rows(quant::roundScalesToHalf(w.scales)), plan.type);
        case LinearFit::Float16:
        case LinearFit::Rounded:
            return model::encodeRounded(rows(w.dequantize()), plan.type);
    }
    return std::string();
}

}  // namespace lathe::deploy
