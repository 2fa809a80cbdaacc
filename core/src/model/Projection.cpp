#include "lathe/model/Projection.h"

namespace lathe::model {

const char* projectionName(Projection p)
{
    switch (p) {
        case Projection::Query:
            return "q_proj";
        case Projection::Key:
            return "k_proj";
        case Projection::Value:
            return "v_proj";
        case Projection::Output:
            return "o_proj";
        case Projection::Gate:
            return "gate_proj";
        case Projection::Up:
            return "up_proj";
        case Projection::Down:
            return "down_proj";
        case Projection::Head:
            return "lm_head";
    }
    return "?";
}

}  // namespace lathe::model
