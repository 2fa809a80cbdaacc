#pragma once
// stories260K's weights under another family's config: the same tensors (plus `extra`, e.g. q/k/v biases) in a new
// model folder whose config.json `change` edits, with the fixture's tokenizer files. Export tests run the families
// and RoPE variants they map (Qwen2 biases, Llama-3 rope scaling) on real weights this way.

#include "StoriesFixture.h"
#include "lathe/model/ModelConfig.h"
#include "model/SafetensorsWriter.h"

#include <functional>

namespace lathe::test {

// `<dir>/<name>`, or empty on failure.
QString storiesVariant(const StoriesFixture& stories, const QString& dir, const QString& name,
                       const std::function<void(model::ModelConfig&)>& change, const model::NamedTensors& extra);

// The two variants: "stories-qwen2" (Qwen2ForCausalLM, seeded q/k/v biases) and "stories-llama3-rope" (Llama-3 rope
// scaling: factor 8, original context 64, so that scaled and unscaled frequencies both occur).
QString storiesQwen2(const StoriesFixture& stories, const QString& dir);
QString storiesLlama3Rope(const StoriesFixture& stories, const QString& dir);

// "stories-qwen3" (Qwen3ForCausalLM, seeded per-head q/k norm weights around 1) and "stories-exaone"
// (ExaoneForCausalLM: EXAONE's tensor and config field names, Llama-3 rope scaling as EXAONE 3.5 has it).
QString storiesQwen3(const StoriesFixture& stories, const QString& dir);
QString storiesExaone(const StoriesFixture& stories, const QString& dir);

// "stories-exaone4" (Exaone4ForCausalLM: seeded q/k norms and post-feedforward norms, the attention output normed
// by stories' post_attention_layernorm, no input norms; global attention with RoPE in every layer, as
// EXAONE-4.0-1.2B) and "stories-exaone4-hybrid" (window 16: layers 0, 1 and 3 sliding with RoPE, 2 and 4 global
// without).
QString storiesExaone4(const StoriesFixture& stories, const QString& dir, bool hybrid);

}  // namespace lathe::test
