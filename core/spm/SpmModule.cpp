// The only translation unit that sees sentencepiece (and through it, protobuf 3.14). See CMakeLists.txt.
#include "SpmApi.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

struct LatheSpm {
    sentencepiece::SentencePieceProcessor processor;
};

namespace {

void writeError(char* err, size_t cap, const std::string& message)
{
    if (err == nullptr || cap == 0) return;
    const size_t n = std::min(cap - 1, message.size());
    std::memcpy(err, message.data(), n);
    err[n] = '\0';
}

int64_t copyOut(const std::string& text, char* out, size_t cap)
{
    if (out != nullptr) std::memcpy(out, text.data(), std::min(cap, text.size()));
    return static_cast<int64_t>(text.size());
}

bool validId(const LatheSpm* spm, int32_t id) { return id >= 0 && id < spm->processor.GetPieceSize(); }

}  // namespace

#define LATHE_SPM_EXPORT extern "C" __attribute__((visibility("default")))

LATHE_SPM_EXPORT LatheSpm* lathe_spm_load(const char* pathOrBytes, size_t len, int fromBytes, char* err,
                                          size_t errCap)
{
    try {
        auto spm = std::make_unique<LatheSpm>();
        const auto status = fromBytes != 0
                                ? spm->processor.LoadFromSerializedProto(std::string_view(pathOrBytes, len))
                                : spm->processor.Load(std::string_view(pathOrBytes, len));
        if (!status.ok()) {
            writeError(err, errCap, status.ToString());
            return nullptr;
        }
        return spm.release();
    } catch (const std::exception& e) {
        writeError(err, errCap, e.what());
        return nullptr;
    }
}

LATHE_SPM_EXPORT void lathe_spm_free(LatheSpm* spm) { delete spm; }

LATHE_SPM_EXPORT int64_t lathe_spm_encode(const LatheSpm* spm, const char* text, size_t len, int32_t* out,
                                          size_t cap)
{
    try {
        std::vector<int> ids;
        if (!spm->processor.Encode(std::string_view(text, len), &ids).ok()) return -1;
        for (size_t i = 0; i < ids.size() && i < cap; ++i) out[i] = ids[i];
        return static_cast<int64_t>(ids.size());
    } catch (...) {
        return -1;
    }
}

LATHE_SPM_EXPORT int64_t lathe_spm_decode(const LatheSpm* spm, const int32_t* ids, size_t n, char* out,
                                          size_t cap)
{
    try {
        std::vector<int> v(ids, ids + n);
        for (int id : v)
            if (!validId(spm, id)) return -1;
        std::string text;
        if (!spm->processor.Decode(v, &text).ok()) return -1;
        return copyOut(text, out, cap);
    } catch (...) {
        return -1;
    }
}

LATHE_SPM_EXPORT int32_t lathe_spm_vocab_size(const LatheSpm* spm) { return spm->processor.GetPieceSize(); }

LATHE_SPM_EXPORT int32_t lathe_spm_special_id(const LatheSpm* spm, int which)
{
    switch (which) {
    case 0: return spm->processor.bos_id();
    case 1: return spm->processor.eos_id();
    case 2: return spm->processor.unk_id();
    case 3: return spm->processor.pad_id();
    default: return -1;
    }
}

LATHE_SPM_EXPORT int64_t lathe_spm_piece(const LatheSpm* spm, int32_t id, char* out, size_t cap)
{
    if (!validId(spm, id)) return -1;
    return copyOut(spm->processor.IdToPiece(id), out, cap);
}

LATHE_SPM_EXPORT int32_t lathe_spm_piece_to_id(const LatheSpm* spm, const char* piece, size_t len)
{
    try {
        const std::string_view text(piece, len);
        const int id = spm->processor.PieceToId(text);
        // sentencepiece answers unk_id for pieces it does not know; tell that apart from "<unk>" itself.
        if (id < 0 || (spm->processor.IsUnknown(id) && spm->processor.IdToPiece(id) != text)) return -1;
        return id;
    } catch (...) {
        return -1;
    }
}

LATHE_SPM_EXPORT float lathe_spm_score(const LatheSpm* spm, int32_t id)
{
    return validId(spm, id) ? spm->processor.GetScore(id) : 0.0f;
}

LATHE_SPM_EXPORT int32_t lathe_spm_piece_type(const LatheSpm* spm, int32_t id)
{
    if (!validId(spm, id)) return 0;
    const auto& p = spm->processor;
    if (p.IsUnknown(id)) return 2;
    if (p.IsControl(id)) return 3;
    if (p.IsUnused(id)) return 5;
    if (p.IsByte(id)) return 6;
    return 1;
}
