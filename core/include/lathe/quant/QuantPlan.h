#pragma once
// The quantization rules, in one place: bit modes and methods, projection groups and module names, preset and
// allowed weight bits, scale group sizes, the plan of every linear of a model, its validation and the size
// estimate. The compiler, the compiled format, the project file, the CLI and the Studio all read them from here.
// Plain C++: no libtorch types.

#include "lathe/common/Result.h"
#include "lathe/model/ModelConfig.h"
#include "lathe/model/Projection.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe::quant {

// Weight presets: w8 = every linear 8-bit; w4 = every linear 4-bit; w4v8 = 4-bit with 8-bit value projections.
enum class BitMode { W8, W4, W4V8 };
enum class WeightMethod { Gptq, Rtn };                 // GPTQ or round-to-nearest
enum class ActivationMethod { Max, Percentile, Mse };  // how the static activation scale is calibrated
enum class RotationMode { Auto, On, Off };             // auto = on for w4 and w4v8, off for w8
// How weight scales are rounded when they are chosen: f32, or f16 so that they are exact in formats that store
// float16 scales (GGUF's Q4_0 / Q8_0 blocks).
enum class ScaleType { F32, F16 };
// What the compiled model is meant for. lathe: Lathe's runtime and container. gguf: a model `lathe export --format
// gguf` stores exactly in llama.cpp's Q4_0 / Q8_0 blocks: groups of 32 input columns, f16 scales, and 8 bits for
// the linears whose input width is not a multiple of 32, which GGUF stores as F16 anyway (fewer bits there would
// lose quality and save nothing). Activations stay at 16 bits, near float: llama.cpp quantizes them itself at run
// time, per block of 32, so the compile must not correct for a static 8-bit activation error GGUF never has.
enum class CompileTarget { Lathe, Gguf };

// The spellings used in CLI flags, project files, report.json and the container's metadata ("w8", "gptq",
// "percentile", "auto", ...). They never change: files written earlier keep reading the same.
const char* toString(BitMode mode);
const char* toString(WeightMethod method);
const char* toString(ActivationMethod method);
const char* toString(RotationMode rotation);
const char* toString(ScaleType type);
const char* toString(CompileTarget target);
// nullopt for any other spelling (exact match, lower case).
std::optional<BitMode> parseBitMode(std::string_view text);
std::optional<WeightMethod> parseWeightMethod(std::string_view text);
std::optional<ActivationMethod> parseActivationMethod(std::string_view text);
std::optional<RotationMode> parseRotationMode(std::string_view text);
std::optional<ScaleType> parseScaleType(std::string_view text);
std::optional<CompileTarget> parseCompileTarget(std::string_view text);
// Every spelling, in the order above: {"w8", "w4", "w4v8"} ...
std::vector<std::string> bitModeNames();
std::vector<std::string> weightMethodNames();
std::vector<std::string> activationMethodNames();
std::vector<std::string> rotationModeNames();
std::vector<std::string> scaleTypeNames();      // "f32", "f16"
std::vector<std::string> compileTargetNames();  // "lathe", "gguf"

// GGUF's block width: Q4_0 and Q8_0 hold 32 weights of one row with one float16 scale.
inline constexpr int64_t kGgufBlockSize = 32;

// Whether a compile with this mode and rotation choice rotates (R1 + R2 with norm fusion).
bool rotates(BitMode mode, RotationMode rotation);

// Projection groups as the reference flow names them; bit presets and overrides are per group.
// query=q_proj key=k_proj value=v_proj output=o_proj ffn=gate_proj,up_proj,down_proj head=lm_head
const std::vector<std::string>& projectionGroups();

// The group a projection belongs to ("query" ... "head").
const char* projectionGroup(model::Projection projection);

// The seven projections of a decoder layer in the order a layer runs them.
const std::vector<model::Projection>& layerProjections();

// The module name of a projection: "model.layers.<layer>.self_attn.q_proj", ..., "model.layers.<layer>.mlp.down_proj",
// "lm_head" (layer ignored).
std::string moduleName(int layer, model::Projection projection);
inline constexpr const char* kHeadModule = "lm_head";

// The inverse of moduleName: layer (-1 for lm_head) and projection; nullopt when `module` names no linear.
struct ModuleRef {
    int layer = -1;
    model::Projection projection = model::Projection::Head;
};
std::optional<ModuleRef> parseModuleName(const std::string& module);

// The projection group a module name belongs to; empty when it names no linear.
std::string moduleGroup(const std::string& module);

// The module names of group `group` in a model of `config`, in layer order.
std::vector<std::string> groupModuleNames(const model::ModelConfig& config, const std::string& group);

// Every linear of a model of `config` in run order: layer 0's seven projections, ..., then lm_head.
std::vector<std::string> allModuleNames(const model::ModelConfig& config);

// Input and output width of a projection of `config`.
struct LinearShape {
    int64_t in = 0;
    int64_t out = 0;
};
LinearShape linearShape(const model::ModelConfig& config, model::Projection projection);

// Weights are integers of kMinWeightBits..kMaxWeightBits bits; there is no float (16-bit) weight group. What
// stays at 16 bits is a linear's *activations* (keep16BitActivations).
inline constexpr int kMinWeightBits = 2;
inline constexpr int kMaxWeightBits = 8;
const std::vector<int>& allowedWeightBits();  // 2..8, ascending
// Activations: 8 bits, or 16 for the linears listed in keep16BitActivations.
inline constexpr int kActivationBits = 8;
inline constexpr int kKeptActivationBits = 16;

// Weight bits of a group under a preset: w8 all 8; w4 all 4; w4v8 4, value 8.
int presetBits(BitMode mode, const std::string& group);

// InvalidArgument when `bits` is not 2..8, naming `where` ("group override ffn=16") and saying what 16 means.
Result<void> checkWeightBits(int bits, const std::string& where);
// InvalidArgument unless 0 (one scale per output channel) or positive (columns per scale; a size that does not
// divide a linear's input width leaves its last group narrower).
Result<void> checkGroupSize(int64_t groupSize);

// The choices that decide how each linear is quantized.
struct QuantChoices {
    BitMode bitMode = BitMode::W4V8;
    // Overrides on top of the preset: group → bits, and "<layer>.<group>" → bits for one layer (e.g. "0.ffn").
    std::map<std::string, int> groupBits;
    std::map<std::string, int> layerGroupBits;
    // Linears ("model.layers.3.mlp.down_proj", "lm_head") whose inputs keep 16-bit activations.
    std::vector<std::string> keep16BitActivations;
    int64_t groupSize = 0;  // 0 = per output channel
    ScaleType scaleType = ScaleType::F32;
    CompileTarget target = CompileTarget::Lathe;
};

// The choices a target implies: gguf sets groups of 32 (when no group size was chosen) and f16 scales. Other
// targets leave the choices as they are. validateQuantChoices then refuses a gguf target with other settings.
QuantChoices applyTarget(QuantChoices choices);

// Checks what does not depend on the model: group names and bits of the overrides, the group size, and that the
// gguf target has groups of 32 and f16 scales. Errors: InvalidArgument naming the setting and the accepted values.
Result<void> validateQuantChoices(const QuantChoices& choices);

// How one linear is compiled, after the preset and every override.
struct LinearPlan {
    std::string module;  // "model.layers.3.self_attn.q_proj", "lm_head"
    int layer = -1;      // -1 for lm_head
    model::Projection projection = model::Projection::Query;
    std::string group;  // "query" "key" "value" "output" "ffn" "head"
    int weightBits = 8;
    int activationBits = 8;
    int64_t in = 0;
    int64_t out = 0;
};

// The plan of every linear of `config`, layer by layer in run order, then lm_head (the gguf target's 8-bit rule
// included). Validates everything validateQuantChoices does, plus the layer overrides and keep16BitActivations against
// the model and the packing of <= 4-bit codes (an even input width). Errors: InvalidArgument.
Result<std::vector<LinearPlan>> planLinears(const model::ModelConfig& config, const QuantChoices& choices);

// Bits one weight code of a `bits`-bit linear takes in the container: 4 for <= 4 bits (packed two per byte),
// otherwise 8 (one int8).
int storedWeightBits(int bits);

// Estimated bytes of the compiled weights: for every linear out·in·storedWeightBits/8 bytes of codes plus one
// float32 scale per output channel (per channel and group of `groupSize` inputs when groupSize > 0). Group
// overrides apply, layer overrides too. Invalid bits count as their preset. Norms, activation scales and
// metadata (a few kB) are left out.
int64_t estimateCompiledBytes(const model::ModelConfig& config, const QuantChoices& choices);

// The same linears in bfloat16, for the "x smaller than bf16" comparison.
int64_t bfloat16Bytes(const model::ModelConfig& config);

}  // namespace lathe::quant
