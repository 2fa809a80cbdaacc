#include "compiled/CompiledModelWriter.h"

#include "common/AtomicFileWriter.h"
#include "common/Hashing.h"
#include "common/KillPoint.h"
#include "compiled/LinearEncoding.h"
#include "model/SafetensorsFile.h"
#include "model/SafetensorsWriter.h"

#include <cstring>

namespace lathe::compiled {

namespace {
constexpr size_t kCopyChunkBytes = size_t{8} << 20;

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}
}  // namespace

struct CompiledModelWriter::Entry {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t bytes = 0;
    at::Tensor tensor;  // contiguous CPU data; undefined for a file range
    std::string file;
    uint64_t offset = 0;
    std::string problem;  // why this entry cannot be written, reported by write()
};

CompiledModelWriter::CompiledModelWriter(CompiledModelInfo info) : m_info(std::move(info)) {}
CompiledModelWriter::~CompiledModelWriter() = default;
CompiledModelWriter::CompiledModelWriter(CompiledModelWriter&&) noexcept = default;
CompiledModelWriter& CompiledModelWriter::operator=(CompiledModelWriter&&) noexcept = default;

void CompiledModelWriter::addTensor(const std::string& name, const at::Tensor& tensor)
{
    Entry e;
    e.name = name;
    const char* dtype = tensor.defined() ? model::safetensorsDtypeName(tensor.scalar_type()) : nullptr;
    if (!dtype) {
        e.problem = "tensor " + name + " is undefined or has a dtype safetensors cannot store";
    } else {
        e.dtype = dtype;
        e.tensor = tensor.detach().to(at::kCPU).contiguous();
        e.shape = e.tensor.sizes().vec();
        e.bytes = static_cast<uint64_t>(e.tensor.nbytes());
    }
    m_entries.push_back(std::move(e));
}

void CompiledModelWriter::addLinear(const std::string& module, const QuantizedLinear& linear)
{
    auto encoded = encodeLinear(module, linear);
    if (!encoded) {
        Entry e;
        e.name = weightCodesName(module);
        e.problem = encoded.error().message;
        m_entries.push_back(std::move(e));
        return;
    }
    for (const auto& [name, tensor] : encoded->tensors) addTensor(name, tensor);
    m_info.linears[module] = encoded->spec;
}

void CompiledModelWriter::addFileRange(const std::string& name, const std::string& dtype,
                                       const std::vector<int64_t>& shape, const std::string& file, uint64_t offset,
                                       uint64_t bytes)
{
    Entry e;
    e.name = name;
    e.dtype = dtype;
    e.shape = shape;
    e.bytes = bytes;
    e.file = file;
    e.offset = offset;
    const size_t elementSize = model::safetensorsDtypeSize(dtype);
    uint64_t elements = 1;
    bool negative = false;
    for (int64_t d : shape) {
        negative = negative || d < 0;
        elements *= static_cast<uint64_t>(std::max<int64_t>(d, 0));
    }
    if (elementSize == 0)
        e.problem = "tensor " + name + " has dtype \"" + dtype + "\", which safetensors does not define";
    else if (negative || elements * elementSize != bytes)
        e.problem = "tensor " + name + " is declared " + dtype + " " + shapeText(shape) + " (" +
                    std::to_string(elements * elementSize) + " bytes) but its file range has " +
                    std::to_string(bytes) + " bytes";
    m_entries.push_back(std::move(e));
}

void CompiledModelWriter::addTokenizerFile(const std::string& fileName, const std::string& bytes)
{
    const bool plainName = !fileName.empty() && fileName != "." && fileName != ".." &&
                           fileName.find_first_of("/\\") == std::string::npos && fileName.find('\0') == std::string::npos;
    if (!plainName) {
        Entry e;
        e.name = tokenizerTensorName(fileName);
        e.problem = "tokenizer file name \"" + fileName + "\" must be a plain file name";
        m_entries.push_back(std::move(e));
        return;
    }
    auto t = at::empty({static_cast<int64_t>(bytes.size())}, at::kByte);
    if (!bytes.empty()) std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    addTensor(tokenizerTensorName(fileName), t);
    Hasher sha(Hasher::Kind::Sha256);
    sha.update(bytes.data(), bytes.size());
    m_info.tokenizerFiles[fileName] = sha.hexDigest();
}

Result<void> CompiledModelWriter::write(const std::string& path, const ProgressFn& progress, const StopToken& stop)
{
    std::vector<model::SafetensorsHeaderEntry> layout;
    uint64_t total = 0;
    for (const Entry& e : m_entries) {
        if (!e.problem.empty())
            return makeError(ErrorCode::InvalidArgument, "writing the compiled model " + path + ": " + e.problem);
        layout.push_back({e.name, e.dtype, e.shape, e.bytes});
        total += e.bytes;
    }
    auto header = safetensorsHeader(layout, toMetadata(m_info));
    if (!header) return header.error().withContext("writing the compiled model " + path);

    auto out = AtomicFileWriter::create(path);
    if (!out) return out.error();
    auto cancelled = [&]() -> Result<void> {
        if (stop.stopRequested())
            return makeError(ErrorCode::Cancelled, "writing the compiled model " + path + " cancelled");
        return {};
    };
    LATHE_TRY(out->write(header->data(), header->size()));
    uint64_t done = 0;
    for (const Entry& e : m_entries) {
        LATHE_TRY(cancelled());
        if (e.tensor.defined()) {
            LATHE_TRY(out->write(e.tensor.data_ptr(), e.bytes));
        } else {
            const uint64_t before = done;
            auto copied = out->copyRange(e.file, e.offset, e.bytes, kCopyChunkBytes, [&](uint64_t bytes) -> Result<void> {
                if (progress)
                    progress({"write", e.name, static_cast<int64_t>(before + bytes), static_cast<int64_t>(total), "bytes"});
                return cancelled();
            });
            if (!copied) return copied.error().withContext("copying tensor " + e.name + " into " + path);
        }
        done += e.bytes;
        if (progress) progress({"write", e.name, static_cast<int64_t>(done), static_cast<int64_t>(total), "bytes"});
        if (2 * done >= total) killPoint("writing");  // the container half written under its temporary name
    }
    LATHE_TRY(cancelled());
    return out->commit();
}

}  // namespace lathe::compiled
