#include "lathe/compile/Compile.h"

#include "common/FreedMemory.h"
#include "common/KillPoint.h"
#include "compile/ActivationStore.h"
#include "compile/CalibrationSet.h"
#include "compile/CompileOutputs.h"
#include "compile/CompilePlan.h"
#include "compile/ContainerTensors.h"
#include "compile/FloatWeights.h"
#include "compile/HeadCompiler.h"
#include "compile/LayerCompiler.h"
#include "compile/Provenance.h"
#include "compile/SampleLoop.h"
#include "compile/StepProgress.h"
#include "compile/WorkState.h"
#include "lathe/common/ComputeThreads.h"
#include "lathe/model/ModelPath.h"
#include "model/Checkpoint.h"
#include "model/TensorLayout.h"
#include "quant/Hadamard.h"

#include <chrono>
#include <filesystem>

namespace lathe::compile {
namespace {

// The tensors of a finished layer as the container stores them: its norms, then each linear in run order.
Result<model::NamedTensors> layerTensors(const CompilePlan& plan, int layer, const model::LayerWeights& weights,
                                         const CompiledLayer& compiled)
{
    model::NamedTensors tensors;
    model::LayerWeights norms = weights;
    for (const auto& norm : model::layerNormTensors(plan.config))
        tensors.emplace_back(model::layerTensorName(layer, norm.name), *model::layerTensor(norms, norm.name));
    for (model::Projection p : quant::layerProjections())
        LATHE_TRY(appendLinearTensors(tensors, plan.linear(layer, p).module, compiled.linears.at(p)));
    return tensors;
}

// Layer 0's inputs: the calibration embeddings of the original model, rotated by R1 for rotated plans (in fp64,
// rounded to fp32), in both streams.
Result<void> initialStreams(const CalibrationSet& calibration, const quant::Rotation& r1, ActivationStore& store,
                            const ProgressFn& progress, const StopToken& stop)
{
    for (size_t s = 0; s < calibration.size(); ++s) {
        if (stop.stopRequested()) return compileCancelled();
        if (progress)
            progress({"validate", "loading calibration samples", int64_t(s), int64_t(calibration.size()), "samples"});
        auto x = calibration.load(s);
        if (!x) return x.error();
        at::Tensor h = *x;
        if (r1.defined()) h = r1.rotateRows(h).to(at::kFloat);
        LATHE_TRY(store.put(kFloatStream, s, h));
        LATHE_TRY(store.put(kQuantStream, s, h));
    }
    return {};
}

Result<CompileSummary> run(const CompileOptions& options, const ProgressFn& progress, const StopToken& stop)
{
    const auto started = std::chrono::steady_clock::now();
    auto validate = [&](const std::string& detail) {
        if (progress) progress({"validate", detail, 0, 0, ""});
    };

    // Validation: everything that can be wrong is found before any work.
    validate("model " + options.modelPath);
    auto modelDir = model::resolveModelPath(options.modelPath);
    if (!modelDir) return modelDir.error();
    auto checkpoint = model::Checkpoint::open(*modelDir);
    if (!checkpoint) return checkpoint.error();
    const model::ModelConfig& config = (*checkpoint)->config();
    {
        // The container carries the tokenizer so that it runs on its own; a model without one could not be run.
        std::error_code ec;
        if (!std::filesystem::exists(std::filesystem::path(*modelDir) / "tokenizer.json", ec) &&
            !std::filesystem::exists(std::filesystem::path(*modelDir) / "tokenizer.model", ec))
            return makeError(ErrorCode::NotFound,
                             "the model folder " + *modelDir +
                                 " has no tokenizer.json or tokenizer.model, which the compiled "
                                 "model stores to run on its own; copy the model's tokenizer there");
    }
    auto planned = makeCompilePlan(options, *modelDir, config);
    if (!planned) return planned.error();
    const CompilePlan& plan = *planned;
    quant::Rotation r1;
    if (plan.rotate) {
        auto r = quant::Rotation::randomHadamard(config.hiddenSize, options.seed);
        if (!r) return r.error().withContext("rotation R1 for hidden size " + std::to_string(config.hiddenSize));
        r1 = std::move(r).value();
        auto r2 = quant::randomHadamard(config.headDim, options.seed + 1);
        if (!r2) return r2.error().withContext("rotation R2 for head_dim " + std::to_string(config.headDim));
    }
    auto calibration = CalibrationSet::open(options.calibDataPath, config.hiddenSize, config.maxPositionEmbeddings,
                                            options.maxCalibTokens, progress, stop);
    if (!calibration) return calibration.error();
    const size_t samples = calibration->size();
    setComputeThreads(options.threads, config.hiddenSize);

    std::string note;
    auto state =
        WorkState::open(plan.workDir, compileFingerprint(plan, **checkpoint, *calibration), options.resume, note);
    if (!state) return state.error();
    if (!note.empty()) validate(note);
    ActivationStore store(state->spillFolder(), options.activationMemoryBudget);
    const int resumed = state->finishedLayers();
    if (resumed > 0)
        LATHE_TRY(state->restoreStreams(store, samples));
    else
        LATHE_TRY(initialStreams(*calibration, r1, store, progress, stop));
    if (options.onLayerReport)
        for (const FinishedLayer& l : state->layers()) options.onLayerReport(l.block, l.linears);

    // Layers, one at a time from the mapped checkpoint.
    const int layers = config.numLayers;
    StepProgress steps(progress,
                       layers * StepProgress::layerSteps(int64_t(samples)) + StepProgress::headSteps(int64_t(samples)));
    steps.skip(resumed * StepProgress::layerSteps(int64_t(samples)));
    LayerCompiler compiler(plan, store, samples, steps, stop);
    std::vector<BlockReport> blockTimes;
    for (int i = resumed; i < layers; ++i) {
        if (stop.stopRequested()) return compileCancelled();
        steps.setStage("layer " + std::to_string(i + 1) + "/" + std::to_string(layers));
        steps.report("loading weights");
        auto weights = loadLayerWeights(**checkpoint, plan, i, r1);
        if (!weights) return weights.error();
        auto compiled = compiler.compile(i, *weights);
        if (!compiled) return compiled.error();
        steps.report("saving the finished layer");
        auto tensors = layerTensors(plan, i, *weights, *compiled);
        if (!tensors) return tensors.error();
        LATHE_TRY(state->commitLayer(i, *tensors, compiled->reports, compiled->block, store, samples));
        if (options.onLayerReport) options.onLayerReport(compiled->block, compiled->reports);
        blockTimes.push_back(compiled->block);
        returnFreedMemory();
    }

    // The head and the final logits.
    steps.setStage("head");
    steps.report("loading lm_head");
    auto headWeights = loadHeadWeights(**checkpoint, plan, r1);
    if (!headWeights) return headWeights.error();
    auto head = compileHead(plan, *headWeights, store, samples, steps, stop);
    if (!head) return head.error();
    killPoint("head");
    if (options.onLayerReport) options.onLayerReport(BlockReport{-1, 0, 0}, {head->report});
    headWeights->weight = at::Tensor();
    returnFreedMemory();

    CompileReport report;
    report.model = plan.modelName;
    report.bitMode = options.bitMode;
    report.weightMethod = options.weightMethod;
    report.activationMethod = options.activationMethod;
    report.percentile = options.activationMethod == quant::ActivationMethod::Percentile ? options.percentile : 0.0;
    report.rotated = plan.rotate;
    report.calibSamples = int(samples);
    report.calibTokens = calibration->tokens();
    for (const FinishedLayer& l : state->layers()) {
        report.linears.insert(report.linears.end(), l.linears.begin(), l.linears.end());
        report.blocks.push_back(l.block);
    }
    report.linears.push_back(head->report);
    report.finalKlDivergence = head->klDivergence;

    LATHE_TRY(writeCompileOutputs(
        {plan, **checkpoint, *state, *head, headWeights->finalNorm, r1, report, provenanceJson(plan, *calibration)},
        progress, stop));
    state->remove();

    CompileSummary summary;
    summary.savePath = plan.savePath;
    summary.reportPath = plan.reportPath;
    summary.reportCsvPath = plan.reportCsvPath;
    summary.rotationPath = plan.rotationPath;
    summary.rotatedEmbeddingPath = plan.rotatedEmbeddingPath;
    summary.layers = layers;
    summary.samples = int(samples);
    summary.calibTokens = calibration->tokens();
    summary.resumedLayers = resumed;
    summary.finalKlDivergence = head->klDivergence;
    // Timings exist only for the blocks compiled in this run.
    for (const BlockReport& b : blockTimes) report.blocks[size_t(b.layer)].seconds = b.seconds;
    summary.report = std::move(report);
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary;
}

}  // namespace

Result<CompileSummary> compileModel(const CompileOptions& options, const ProgressFn& progress, const StopToken& stop)
{
    try {
        return run(options, progress, stop);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "compiling " + options.modelPath + " failed: " + e.what());
    }
}

}  // namespace lathe::compile
