#include "compiled/CompiledModelFile.h"

#include "common/Hashing.h"
#include "model/SafetensorsFile.h"
#include "quant/Int4Packing.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace lathe::compiled {
namespace {

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// Copies a validated entry out of the mapping; memcpy because safetensors does not align tensors.
at::Tensor copyOut(const model::SafetensorsFile& file, const model::SafetensorsEntry& e, at::ScalarType type)
{
    auto out = at::empty(e.shape, type);
    if (e.end > e.begin) std::memcpy(out.data_ptr(), file.data(e), e.end - e.begin);
    // The copy is the caller's: the mapped pages need not stay resident (a model read linear by linear, as an
    // export does, would otherwise end with the whole file in its resident set).
    file.release(e);
    return out;
}

bool isPlainFileName(const std::string& name)
{
    return !name.empty() && name != "." && name != ".." && name.find_first_of("/\\") == std::string::npos &&
           name.find('\0') == std::string::npos;
}

}  // namespace

Result<std::shared_ptr<const CompiledModelFile>> CompiledModelFile::open(const std::string& path)
{
    auto file = model::SafetensorsFile::open(path);
    if (!file) {
        Error e = file.error();
        if (e.code == ErrorCode::Corrupt)
            e.message += " (a Lathe compiled model is a safetensors file written by `lathe compile`; this one is "
                         "damaged or something else)";
        return e;
    }
    auto info = fromMetadata((*file)->metadata(), path);
    if (!info) return info.error();
    auto model = std::make_shared<CompiledModelFile>();
    model->m_path = path;
    model->m_file = std::move(file).value();
    model->m_info = std::move(info).value();
    LATHE_TRY(model->validate());
    return std::shared_ptr<const CompiledModelFile>(std::move(model));
}

Result<void> CompiledModelFile::validate() const
{
    const model::ModelConfig& c = m_info.config;
    auto corrupt = [&](const std::string& what) {
        return makeError(ErrorCode::Corrupt,
                         m_path + ": " + what + "; the compiled model is damaged or incomplete, compile it again");
    };
    auto expect = [&](const std::string& name, const std::string& dtype,
                      const std::vector<int64_t>& shape) -> Result<void> {
        const model::SafetensorsEntry* e = m_file->find(name);
        if (!e) return corrupt("tensor \"" + name + "\" is missing");
        if (e->dtype != dtype || e->shape != shape)
            return corrupt("tensor \"" + name + "\" is " + e->dtype + " " + shapeText(e->shape) + " but should be " +
                           dtype + " " + shapeText(shape));
        return {};
    };

    const auto modules = allModules(c);
    const std::set<std::string> known(modules.begin(), modules.end());
    for (const auto& [module, spec] : m_info.linears)
        if (!known.count(module))
            return corrupt("the metadata describes a linear \"" + module + "\", which a model of its config does not have");
    for (const std::string& module : modules) {
        auto it = m_info.linears.find(module);
        if (it == m_info.linears.end()) return corrupt("the metadata has no quantization spec for linear \"" + module + "\"");
        const LinearSpec& spec = it->second;
        const auto shape = linearShape(c, module);
        const int64_t out = shape[0], in = shape[1];
        if (hasRaggedGroups(in, spec.groupSize) && m_info.formatVersion < kRaggedGroupsVersion)
            return corrupt("linear \"" + module + "\" has group size " + std::to_string(spec.groupSize) +
                           ", which does not divide its input width " + std::to_string(in) + ", but format " +
                           std::to_string(m_info.formatVersion) + " requires a divisor");
        if (spec.weightBits <= 4 && in % 2 != 0)
            return corrupt("linear \"" + module + "\" has " + std::to_string(spec.weightBits) +
                           "-bit weights packed two per byte but an odd input width " + std::to_string(in));
        const int64_t groups = quant::groupCount(in, spec.groupSize);
        LATHE_TRY(expect(weightCodesName(module), weightCodesDtype(spec.weightBits),
                         weightCodesShape(out, in, spec.weightBits)));
        LATHE_TRY(expect(weightScaleName(module), "F32", {out, groups}));
        LATHE_TRY(expect(inputScaleName(module), "F32", {1}));
        if (spec.hasBias) LATHE_TRY(expect(biasName(module), "F32", {out}));
    }
    for (const auto& [norm, width] : normTensors(c)) LATHE_TRY(expect(norm, "F32", {width}));

    for (const auto& [fileName, sha] : m_info.tokenizerFiles) {
        if (!isPlainFileName(fileName))
            return corrupt("tokenizer file name \"" + fileName + "\" is not a plain file name");
        const std::string name = tokenizerTensorName(fileName);
        const model::SafetensorsEntry* e = m_file->find(name);
        if (!e) return corrupt("tensor \"" + name + "\" is missing");
        if (e->dtype != "U8" || e->shape.size() != 1)
            return corrupt("tensor \"" + name + "\" is " + e->dtype + " " + shapeText(e->shape) + " but should be U8 bytes");
        Hasher hasher(Hasher::Kind::Sha256);
        hasher.update(m_file->data(*e), e->end - e->begin);
        if (hasher.hexDigest() != sha) return corrupt("tokenizer file \"" + fileName + "\" does not match its sha256");
    }
    return {};
}

Result<QuantizedLinear> CompiledModelFile::linear(const std::string& module) const
{
    auto it = m_info.linears.find(module);
    if (it == m_info.linears.end())
        return makeError(ErrorCode::NotFound, m_path + " has no linear \"" + module + "\"");
    const LinearSpec& spec = it->second;
    auto corrupt = [&](const std::string& name, const std::string& what) {
        return makeError(ErrorCode::Corrupt, m_path + ": tensor \"" + name + "\" " + what +
                                                 "; the compiled model is damaged, compile it again");
    };
    try {
        QuantizedLinear l;
        const std::string codesName = weightCodesName(module);
        const model::SafetensorsEntry& codes = *m_file->find(codesName);
        if (spec.weightBits <= 4) {
            auto unpacked = quant::unpackInt4(copyOut(*m_file, codes, at::kByte));
            if (!unpacked) return unpacked.error();
            l.weight.codes = std::move(unpacked).value();
        } else {
            l.weight.codes = copyOut(*m_file, codes, at::kChar);
        }
        const int64_t lo = l.weight.codes.min().item<int64_t>(), hi = l.weight.codes.max().item<int64_t>();
        if (lo < quant::gridMin(spec.weightBits) || hi > quant::gridMax(spec.weightBits))
            return corrupt(codesName, "holds codes from " + std::to_string(lo) + " to " + std::to_string(hi) +
                                          ", outside the " + std::to_string(spec.weightBits) + "-bit grid");
        const std::string scaleName = weightScaleName(module);
        l.weight.scales = copyOut(*m_file, *m_file->find(scaleName), at::kFloat);
        if (!(at::isfinite(l.weight.scales).all().item<bool>() && l.weight.scales.gt(0).all().item<bool>()))
            return corrupt(scaleName, "holds scales that are not finite and positive");
        l.weight.bits = spec.weightBits;
        l.weight.groupSize = spec.groupSize;
        const std::string inputName = inputScaleName(module);
        const float inputScale = copyOut(*m_file, *m_file->find(inputName), at::kFloat).item<float>();
        if (!(std::isfinite(inputScale) && inputScale > 0))
            return corrupt(inputName, "is " + std::to_string(inputScale) + ", not a finite positive scale");
        l.inputScale = inputScale;
        l.activationBits = spec.activationBits;
        if (spec.hasBias) l.bias = copyOut(*m_file, *m_file->find(biasName(module)), at::kFloat);
        return l;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "reading linear " + module + " from " + m_path + ": " + e.what());
    }
}

Result<at::Tensor> CompiledModelFile::floatTensor(const std::string& name) const
{
    const model::SafetensorsEntry* e = m_file->find(name);
    if (!e) return makeError(ErrorCode::NotFound, m_path + " has no tensor \"" + name + "\"");
    if (e->dtype != "F32")
        return makeError(ErrorCode::Corrupt, m_path + ": tensor \"" + name + "\" is " + e->dtype + ", expected F32");
    return copyOut(*m_file, *e, at::kFloat);
}

Result<std::string> CompiledModelFile::tokenizerFile(const std::string& fileName) const
{
    if (!m_info.tokenizerFiles.count(fileName))
        return makeError(ErrorCode::NotFound, m_path + " stores no tokenizer file \"" + fileName + "\"");
    const model::SafetensorsEntry& e = *m_file->find(tokenizerTensorName(fileName));
    return std::string(reinterpret_cast<const char*>(m_file->data(e)), e.end - e.begin);
}

}  // namespace lathe::compiled
