#include "compile/ActivationStore.h"

#include "compile/TensorFile.h"

#include <filesystem>
#include <limits>

namespace lathe::compile {
namespace {

// float16's largest finite value; a value at or above it may round to infinity.
constexpr double kHalfLimit = 65504.0;

at::Tensor compact(const at::Tensor& states)
{
    if (states.scalar_type() == at::kHalf) return states.contiguous();
    const at::Tensor f = states.to(at::kFloat);
    if (f.numel() > 0 && f.abs().max().item<double>() >= kHalfLimit) return f.contiguous();
    return f.to(at::kHalf).contiguous();
}

}  // namespace

ActivationStore::ActivationStore(std::string spillDir, int64_t budgetBytes)
    : m_spillDir(std::move(spillDir)), m_budget(budgetBytes)
{
}

ActivationStore::~ActivationStore()
{
    for (auto& [name, slots] : m_streams)
        for (Slot& slot : slots) release(slot);
    std::error_code ec;
    if (!m_spillDir.empty() && std::filesystem::is_empty(m_spillDir, ec)) std::filesystem::remove(m_spillDir, ec);
}

void ActivationStore::release(Slot& slot)
{
    if (slot.tensor.defined()) m_inMemory -= slot.bytes;
    if (!slot.file.empty()) {
        std::error_code ec;
        std::filesystem::remove(slot.file, ec);
        m_spilled -= slot.bytes;
    }
    slot = Slot{};
}

Result<void> ActivationStore::put(const std::string& stream, size_t sample, const at::Tensor& states,
                                  StreamPrecision precision)
{
    try {
        at::Tensor stored =
            precision == StreamPrecision::Compact ? compact(states) : states.to(at::kFloat).contiguous();
        // Copy so the store never shares memory with a caller's tensor that may change later.
        if (stored.is_same(states)) stored = stored.clone();
        auto& slots = m_streams[stream];
        if (slots.size() <= sample) slots.resize(sample + 1);
        release(slots[sample]);
        Slot slot;
        slot.bytes = int64_t(stored.nbytes());
        if (m_inMemory + slot.bytes <= m_budget) {
            slot.tensor = std::move(stored);
            m_inMemory += slot.bytes;
        } else {
            std::error_code ec;
            std::filesystem::create_directories(m_spillDir, ec);
            slot.file =
                (std::filesystem::path(m_spillDir) / ("a" + std::to_string(m_nextFile++) + ".safetensors")).string();
            LATHE_TRY(writeTensorFile(slot.file, {{"x", stored}}));
            m_spilled += slot.bytes;
        }
        slots[sample] = std::move(slot);
        return {};
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "storing calibration activations failed: " + std::string(e.what()));
    }
}

Result<at::Tensor> ActivationStore::getStored(const std::string& stream, size_t sample) const
{
    auto it = m_streams.find(stream);
    if (it == m_streams.end() || sample >= it->second.size() ||
        (!it->second[sample].tensor.defined() && it->second[sample].file.empty()))
        return makeError(ErrorCode::Internal, "activations of sample " + std::to_string(sample) + " in stream " +
                                                  stream + " were never stored");
    const Slot& slot = it->second[sample];
    if (slot.tensor.defined()) return slot.tensor;
    auto file = TensorFile::open(slot.file);
    if (!file) return file.error();
    return file->load("x");
}

Result<at::Tensor> ActivationStore::get(const std::string& stream, size_t sample) const
{
    auto stored = getStored(stream, sample);
    if (!stored) return stored.error();
    return stored->scalar_type() == at::kFloat ? *stored : stored->to(at::kFloat);
}

Result<at::Tensor> ActivationStore::take(const std::string& stream, size_t sample)
{
    auto value = get(stream, sample);
    if (value) release(m_streams.at(stream)[sample]);
    return value;
}

void ActivationStore::move(const std::string& from, const std::string& to)
{
    if (from == to) return;
    drop(to);
    auto it = m_streams.find(from);
    if (it == m_streams.end()) return;
    m_streams[to] = std::move(it->second);
    m_streams.erase(from);
}

void ActivationStore::drop(const std::string& stream)
{
    auto it = m_streams.find(stream);
    if (it == m_streams.end()) return;
    for (Slot& slot : it->second) release(slot);
    m_streams.erase(it);
}

size_t ActivationStore::samples(const std::string& stream) const
{
    auto it = m_streams.find(stream);
    return it == m_streams.end() ? 0 : it->second.size();
}

}  // namespace lathe::compile
