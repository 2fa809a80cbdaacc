#include "compile/WeightQuantizer.h"

#include "quant/Gptq.h"
#include "quant/Rtn.h"

#include <algorithm>
#include <utility>

namespace lathe::compile {

Result<WeightQuantization> quantizeWeights(const std::string& module, const at::Tensor& weight, at::Tensor hessian,
                                           int bits, const CompileOptions& options, const StopToken& stop)
{
    quant::GridSpec grid;
    grid.bits = bits;
    grid.groupSize = options.groupSize;
    grid.clipSearch = true;
    grid.halfScales = options.scaleType == quant::ScaleType::F16;
    WeightQuantization out;
    if (options.weightMethod == quant::WeightMethod::Rtn) {
        auto q = quant::quantizeRtn(weight, grid);
        if (!q) return q.error().withContext("quantizing " + module);
        out.weight = std::move(q).value();
        return out;
    }
    quant::GptqOptions gptq;
    gptq.grid = grid;
    gptq.actOrder = options.actOrder;
    gptq.dampFraction = options.dampFraction;
    auto q = quant::quantizeGptq(weight, std::move(hessian), gptq, &stop);
    if (!q) {
        if (q.error().code == ErrorCode::Cancelled) return q.error();
        return q.error().withContext("GPTQ on " + module);
    }
    out.weight = std::move(q->weight);
    out.damping = q->damping;
    return out;
}

void WeightStatistics::add(const at::Tensor& weight, const quant::QuantizedWeight& quantized)
{
    const at::Tensor scales = quantized.scales.to(at::kDouble);
    m_min = std::min(m_min, scales.min().item<double>());
    m_max = std::max(m_max, scales.max().item<double>());
    m_sum += scales.sum().item<double>();
    m_scales += scales.numel();
    // Clipped: a weight whose own code round(w / s) would fall outside the grid, i.e. beyond what its scale
    // (shrunk by the clipping search) can represent.
    const at::Tensor perWeight = quant::perWeightScales(quantized.scales, weight.size(1), quantized.groupSize);
    const at::Tensor codes = at::round(weight.to(at::kFloat) / perWeight);
    m_clipped += codes.gt(double(quant::gridMax(quantized.bits)))
                     .logical_or_(codes.lt(double(quant::gridMin(quantized.bits))))
                     .sum()
                     .item<int64_t>();
    m_weights += weight.numel();
}

void WeightStatistics::fill(LinearReport& report) const
{
    report.weightScaleMin = m_scales > 0 ? m_min : 0.0;
    report.weightScaleMax = m_max;
    report.weightScaleMean = m_scales > 0 ? m_sum / double(m_scales) : 0.0;
    report.weightClipRate = m_weights > 0 ? double(m_clipped) / double(m_weights) : 0.0;
}

}  // namespace lathe::compile
