#pragma once
// The linears of a decoder layer and the head, as the model names them. Plain C++: no libtorch types.

namespace lathe::model {

// The linear layers of a decoder, in the order a layer runs them; Head is the lm_head after the final norm.
enum class Projection { Query, Key, Value, Output, Gate, Up, Down, Head };

// Hugging Face module names: "q_proj" ... "down_proj", "lm_head".
const char* projectionName(Projection p);

}  // namespace lathe::model
