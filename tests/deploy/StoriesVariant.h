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

}  // namespace lathe::test
