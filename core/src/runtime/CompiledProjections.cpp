#include "runtime/CompiledProjections.h"

#include <stdexcept>

namespace lathe::runtime {

Result<std::shared_ptr<const CompiledProjections>> CompiledProjections::load(const compiled::CompiledModelFile& file,
                                                                             const ProgressFn& progress,
                                                                             const StopToken& stop)
{
    auto projections = std::make_shared<CompiledProjections>();
    const int layers = file.config().numLayers;
    projections->m_layers.resize(static_cast<size_t>(layers));
    for (int i = 0; i < layers; ++i) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "loading " + file.path() + " cancelled");
        if (progress) progress({"load compiled model", "layer " + std::to_string(i + 1), i, layers, "layers"});
        // layerModules() lists the projections in Projection order, Query .. Down.
        const auto modules = compiled::layerModules(i);
        for (size_t p = 0; p < kLayerProjections; ++p) {
            auto linear = file.linear(modules[p]);
            if (!linear) return linear.error();
            projections->m_layers[static_cast<size_t>(i)][p] = std::move(linear).value();
        }
    }
    auto head = file.linear(compiled::kHeadModule);
    if (!head) return head.error();
    projections->m_head = std::move(head).value();
    if (progress) progress({"load compiled model", "", layers, layers, "layers"});
    return std::shared_ptr<const CompiledProjections>(std::move(projections));
}

const compiled::QuantizedLinear& CompiledProjections::linear(int layer, model::Projection p) const
{
    if (p == model::Projection::Head) return m_head;
    if (layer < 0 || static_cast<size_t>(layer) >= m_layers.size())
        throw std::out_of_range("layer " + std::to_string(layer) + " is not a layer of the compiled model");
    return m_layers[static_cast<size_t>(layer)][static_cast<size_t>(p)];
}

at::Tensor CompiledProjections::apply(int layer, model::Projection p, const at::Tensor& x) const
{
    return linear(layer, p).forward(x);
}

}  // namespace lathe::runtime
