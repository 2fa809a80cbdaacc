#include "deploy/OnnxModelWriter.h"

#include "common/AtomicFileWriter.h"

#include <filesystem>

namespace lathe::deploy {
namespace {

constexpr uint64_t kDataAlignment = 64;

// ONNX IR versions: 8 goes with opset 17, 10 with opset 21 (which brought INT4).
int64_t irVersion(int opset)
{
    return opset >= 21 ? 10 : 8;
}

void describe(onnx::TensorProto& t, const OnnxTensorSpec& spec)
{
    t.set_name(spec.name);
    t.set_data_type(static_cast<int32_t>(spec.type));
    for (int64_t d : spec.dims) t.add_dims(d);
}

Result<std::string_view> bytesOf(const OnnxTensorSpec& spec, const at::Tensor& t)
{
    const size_t bytes = t.defined() && t.is_contiguous() ? size_t(t.numel()) * t.element_size() : 0;
    if (bytes == rawBytes(spec)) return std::string_view(static_cast<const char*>(t.data_ptr()), bytes);
    return makeError(ErrorCode::Internal, "tensor " + spec.name + " has " + std::to_string(bytes) +
                                              " bytes where its shape needs " + std::to_string(rawBytes(spec)));
}

Result<void> writeSerialized(AtomicFileWriter& file, const google::protobuf::MessageLite& message)
{
    const std::string bytes = message.SerializeAsString();
    return file.write(bytes.data(), bytes.size());
}

}  // namespace

Result<OnnxWriteSummary> writeOnnxModel(const std::string& path, OnnxGraph& graph, const OnnxWriteOptions& options,
                                        const ProgressFn& progress, const StopToken& stop)
{
    onnx::ModelProto model;
    model.set_ir_version(irVersion(options.opset));
    model.set_producer_name("lathe");
    model.set_producer_version(options.producerVersion);
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(options.opset);
    graph.proto().set_name("lathe");

    auto& batches = graph.deferred();
    int total = 0;
    for (const auto& b : batches) total += int(b.tensors.size());
    OnnxWriteSummary summary;
    summary.tensors = total;

    auto file = AtomicFileWriter::create(path);
    if (!file) return file.error();
    std::optional<AtomicFileWriter> data;
    const std::string dataName = std::filesystem::path(path).filename().string() + "_data";
    if (options.externalData) {
        auto created = AtomicFileWriter::create(path + "_data");
        if (!created) return created.error();
        data.emplace(std::move(created).value());
    } else {
        // The graph without its large tensors first; each tensor follows as a fragment that merges into it.
        *model.mutable_graph() = graph.proto();
        LATHE_TRY(writeSerialized(*file, model));
    }

    int done = 0;
    for (OnnxTensorBatch& batch : batches) {
        if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "ONNX export cancelled");
        if (progress) progress({"export", batch.what, done, total, "tensors"});
        auto produced = batch.produce();
        batch.produce = nullptr;  // what it held (the embedding table) goes once its bytes are written
        if (!produced) return produced.error().withContext("exporting " + batch.what);
        if (produced->size() != batch.tensors.size())
            return makeError(ErrorCode::Internal, "exporting " + batch.what + ": wrong number of tensors made");
        for (size_t i = 0; i < batch.tensors.size(); ++i) {
            const OnnxTensorSpec& spec = batch.tensors[i];
            auto bytes = bytesOf(spec, (*produced)[i]);
            if (!bytes) return bytes.error();
            if (data) {
                static const std::string padding(kDataAlignment, '\0');
                const uint64_t offset = (data->bytesWritten() + kDataAlignment - 1) / kDataAlignment * kDataAlignment;
                LATHE_TRY(data->write(padding.data(), size_t(offset - data->bytesWritten())));
                LATHE_TRY(data->write(bytes->data(), bytes->size()));
                auto* t = graph.proto().add_initializer();
                describe(*t, spec);
                t->set_data_location(onnx::TensorProto::EXTERNAL);
                for (const auto& [key, value] : {std::pair<std::string, std::string>{"location", dataName},
                                                 {"offset", std::to_string(offset)},
                                                 {"length", std::to_string(bytes->size())}}) {
                    auto* entry = t->add_external_data();
                    entry->set_key(key);
                    entry->set_value(value);
                }
            } else {
                onnx::ModelProto fragment;
                auto* t = fragment.mutable_graph()->add_initializer();
                describe(*t, spec);
                t->set_raw_data(bytes->data(), bytes->size());
                LATHE_TRY(writeSerialized(*file, fragment));
            }
            (*produced)[i] = at::Tensor();
            ++done;
        }
    }
    if (data) {
        *model.mutable_graph() = graph.proto();
        LATHE_TRY(writeSerialized(*file, model));
        summary.dataBytes = data->bytesWritten();
        LATHE_TRY(data->commit());
    }
    summary.modelBytes = file->bytesWritten();
    LATHE_TRY(file->commit());
    if (progress) progress({"export", "done", total, total, "tensors"});
    return summary;
}

}  // namespace lathe::deploy
