#include "model/Projections.h"

#include "model/DecoderWeights.h"

#include <stdexcept>

namespace lathe::model {

at::Tensor floatProjection(const LayerWeights& l, Projection p, const at::Tensor& x)
{
    switch (p) {
        case Projection::Query:
            return at::linear(x, l.qProj, l.qBias);
        case Projection::Key:
            return at::linear(x, l.kProj, l.kBias);
        case Projection::Value:
            return at::linear(x, l.vProj, l.vBias);
        case Projection::Output:
            return at::linear(x, l.oProj);
        case Projection::Gate:
            return at::linear(x, l.gateProj);
        case Projection::Up:
            return at::linear(x, l.upProj);
        case Projection::Down:
            return at::linear(x, l.downProj);
        case Projection::Head:
            break;
    }
    throw std::invalid_argument("the lm_head is not a projection of a decoder layer");
}

}  // namespace lathe::model
