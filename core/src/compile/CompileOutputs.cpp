#include "compile/CompileOutputs.h"

#include "common/AtomicFileWriter.h"
#include "common/FileIo.h"
#include "compile/ReportJson.h"
#include "compile/RotatedEmbedding.h"
#include "compile/TensorFile.h"
#include "compiled/CompiledModelWriter.h"
#include "compiled/LinearEncoding.h"
#include "lathe/export/Rotation.h"
#include "model/Checkpoint.h"

#include <filesystem>
#include <vector>

namespace lathe::compile {
namespace {

namespace fs = std::filesystem;

std::string partialName(const std::string& path)
{
    return path + ".partial";
}

compiled::CompiledModelInfo containerInfo(const CompilePlan& plan, const std::string& provenance)
{
    const CompileOptions& o = plan.options;
    compiled::CompiledModelInfo info;
    info.config = plan.compiledConfig;
    info.bitMode = o.bitMode;
    info.weightMethod = o.weightMethod;
    info.activationMethod = o.activationMethod;
    info.percentile = o.activationMethod == quant::ActivationMethod::Percentile ? o.percentile : 0.0;
    info.rotation.fusedNorms = info.rotation.r1 = info.rotation.r2 = plan.rotate;
    info.rotation.kind = plan.rotate ? "random-hadamard" : "";
    info.rotation.seed = plan.rotate ? o.seed : 0;
    info.embeddingRotated = plan.rotate;
    for (const quant::LinearPlan& l : plan.linears) {
        if (l.projection == model::Projection::Head) continue;  // addLinear records the head
        const bool bias = plan.config.attentionBias &&
                          (l.projection == model::Projection::Query || l.projection == model::Projection::Key ||
                           l.projection == model::Projection::Value);
        // The spec encodeLinear recorded when the layer's part file was written.
        info.linears[l.module] = compiled::linearSpec(l.weightBits, o.groupSize, l.activationBits, bias);
    }
    info.provenanceJson = provenance;
    return info;
}

Result<void> writeContainer(const OutputInputs& in, const std::string& path, const ProgressFn& progress,
                            const StopToken& stop)
{
    compiled::CompiledModelWriter writer(containerInfo(in.plan, in.provenance));
    for (const FinishedLayer& layer : in.state.layers()) {
        auto part = TensorFile::open((fs::path(in.state.folder()) / layer.partFile).string());
        if (!part) return part.error();
        for (const StoredTensor& t : part->tensors())
            writer.addFileRange(t.name, t.dtype, t.shape, part->path(), t.offset, t.bytes);
    }
    writer.addTensor("model.norm.weight", in.finalNorm);
    writer.addLinear(compiled::kHeadModule, in.head.linear);
    for (const std::string& name : compiled::tokenizerFileNames()) {
        const fs::path file = fs::path(in.plan.modelDir) / name;
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) continue;
        auto bytes = readWholeFile(file.string());
        if (!bytes) return bytes.error();
        writer.addTokenizerFile(name, *bytes);
    }
    return writer.write(path, progress, stop);
}

}  // namespace

Result<void> writeCompileOutputs(const OutputInputs& in, const ProgressFn& progress, const StopToken& stop)
{
    const CompilePlan& plan = in.plan;
    std::vector<std::string> finals{plan.savePath, plan.reportPath, plan.reportCsvPath};
    if (plan.rotate) {
        finals.push_back(plan.rotationPath);
        finals.push_back(plan.rotatedEmbeddingPath);
    }
    auto removePartials = [&] {
        std::error_code ec;
        for (const auto& f : finals) {
            fs::remove(partialName(f), ec);
            removeStaleTemporaries(partialName(f));  // a run killed while it wrote (SIGKILL runs no cleanup)
        }
    };
    auto cancelled = [&]() -> Result<void> {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "compile cancelled while writing outputs");
        return {};
    };
    auto writeAll = [&]() -> Result<void> {
        for (const auto& f : finals) {
            std::error_code ec;
            const fs::path parent = fs::path(f).parent_path();
            if (!parent.empty()) fs::create_directories(parent, ec);
            if (ec)
                return makeError(ErrorCode::Io, "cannot create the folder " + parent.string() + ": " + ec.message());
        }
        if (progress) progress({"write", "compiled model " + plan.savePath, 0, 0, "bytes"});
        LATHE_TRY(writeContainer(in, partialName(plan.savePath), progress, stop));
        LATHE_TRY(cancelled());
        if (plan.rotate) {
            if (progress) progress({"write", "rotation " + plan.rotationPath, 0, 0, "bytes"});
            const at::Tensor& r = in.r1.matrix();
            std::vector<double> values(r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
            LATHE_TRY(exports::writeRotationFile(partialName(plan.rotationPath), values, int(r.size(0))));
            LATHE_TRY(cancelled());
            if (progress) progress({"write", "rotated embedding " + plan.rotatedEmbeddingPath, 0, 0, "bytes"});
            auto bytes = rotatedEmbeddingBytes(in.checkpoint, in.r1, plan.rowsPerBlock, stop);
            if (!bytes) return bytes.error();
            LATHE_TRY(writeFileAtomically(partialName(plan.rotatedEmbeddingPath),
                                          std::string_view(bytes->data(), bytes->size())));
            LATHE_TRY(cancelled());
        }
        LATHE_TRY(writeFileAtomically(partialName(plan.reportPath), reportJsonText(in.report)));
        LATHE_TRY(writeFileAtomically(partialName(plan.reportCsvPath), reportCsvText(in.report)));
        LATHE_TRY(cancelled());
        // Every output is complete: only now do final names appear.
        for (const auto& f : finals) {
            std::error_code ec;
            fs::rename(partialName(f), f, ec);
            if (ec)
                return makeError(ErrorCode::Io, "cannot rename " + partialName(f) + " to " + f + ": " + ec.message());
        }
        return {};
    };
    removePartials();
    auto written = writeAll();
    if (!written) removePartials();
    return written;
}

}  // namespace lathe::compile
