#include "compile/TensorFile.h"

#include "common/AtomicFileWriter.h"
#include "model/SafetensorsFile.h"

#include <algorithm>
#include <cstring>
#include <fstream>

namespace lathe::compile {
namespace {

Result<at::ScalarType> scalarType(const std::string& dtype)
{
    static const std::map<std::string, at::ScalarType> kTypes{
        {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16},
        {"I64", at::kLong},   {"I32", at::kInt},   {"I8", at::kChar},  {"U8", at::kByte}};
    auto it = kTypes.find(dtype);
    if (it == kTypes.end())
        return makeError(ErrorCode::Unsupported, "tensor dtype " + dtype + " is not supported here");
    return it->second;
}

}  // namespace

Result<void> writeTensorFile(const std::string& path, const model::NamedTensors& tensors,
                             const std::map<std::string, std::string>& metadata)
{
    try {
        std::vector<model::SafetensorsHeaderEntry> entries;
        std::vector<at::Tensor> contiguous;
        for (const auto& [name, tensor] : tensors) {
            const char* dtype = model::safetensorsDtypeName(tensor.scalar_type());
            if (!dtype)
                return makeError(ErrorCode::InvalidArgument,
                                 "tensor " + name + " has a dtype safetensors cannot store");
            contiguous.push_back(tensor.contiguous());
            entries.push_back({name, dtype, tensor.sizes().vec(), uint64_t(contiguous.back().nbytes())});
        }
        auto header = safetensorsHeader(entries, metadata);
        if (!header) return header.error().withContext("writing " + path);
        auto writer = AtomicFileWriter::create(path);
        if (!writer) return writer.error();
        LATHE_TRY(writer->write(header->data(), header->size()));
        for (const at::Tensor& t : contiguous)
            if (t.nbytes() > 0) LATHE_TRY(writer->write(t.data_ptr(), t.nbytes()));
        return writer->commit();
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Io, "writing " + path + " failed: " + e.what());
    }
}

Result<TensorFile> TensorFile::open(const std::string& path)
{
    auto file = model::SafetensorsFile::open(path);
    if (!file) return file.error();
    uint64_t headerLength = 0;
    {
        std::ifstream in(path, std::ios::binary);
        if (!in.read(reinterpret_cast<char*>(&headerLength), 8))
            return makeError(ErrorCode::Corrupt, path + " is too short to be a tensor file");
    }
    TensorFile out;
    out.m_path = path;
    out.m_file = *file;
    for (const model::SafetensorsEntry& e : (*file)->entries())
        out.m_tensors.push_back({e.name, e.dtype, e.shape, 8 + headerLength + e.begin, e.end - e.begin});
    std::sort(out.m_tensors.begin(), out.m_tensors.end(),
              [](const StoredTensor& a, const StoredTensor& b) { return a.offset < b.offset; });
    return out;
}

const std::map<std::string, std::string>& TensorFile::metadata() const
{
    return m_file->metadata();
}

Result<at::Tensor> TensorFile::load(const std::string& name) const
{
    const model::SafetensorsEntry* e = m_file->find(name);
    if (!e) return makeError(ErrorCode::NotFound, "tensor " + name + " is missing from " + m_path);
    auto type = scalarType(e->dtype);
    if (!type) return type.error().withContext(m_path);
    try {
        at::Tensor t = at::empty(e->shape, *type);
        if (t.nbytes() != e->end - e->begin)
            return makeError(ErrorCode::Corrupt, "tensor " + name + " in " + m_path + " has the wrong size");
        if (t.nbytes() > 0) std::memcpy(t.data_ptr(), m_file->data(*e), t.nbytes());
        return t;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "reading tensor " + name + " from " + m_path + " failed: " + e.what());
    }
}

}  // namespace lathe::compile
