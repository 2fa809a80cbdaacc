#include "lathe/tokenize/StreamingDecoder.h"

#include <string_view>

namespace lathe::tokenize {

namespace {

// Length of the UTF-8 sequence a lead byte starts; 0 for a continuation or invalid byte.
size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 0;
}

// How much of `text` can no longer change when more ids arrive.
size_t settledLength(std::string_view text)
{
    size_t end = text.size();
    // An incomplete multi-byte character at the very end.
    for (size_t back = 1; back <= 3 && back <= end; ++back) {
        const auto byte = static_cast<unsigned char>(text[end - back]);
        if ((byte & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
        const size_t need = sequenceLength(byte);
        if (need > back) end -= back;
        break;
    }
    constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    while (end >= kReplacement.size() && text.substr(end - kReplacement.size(), kReplacement.size()) == kReplacement)
        end -= kReplacement.size();
    return end;
}

}  // namespace

Result<std::string> StreamingDecoder::push(int32_t id) { return push(std::vector<int32_t>{id}); }

Result<std::string> StreamingDecoder::push(const std::vector<int32_t>& ids)
{
    try {
        return pushUnchecked(ids);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("streaming decode failed: ") + e.what());
    }
}

Result<std::string> StreamingDecoder::pushUnchecked(const std::vector<int32_t>& ids)
{
    std::vector<int32_t> all = m_ids;
    all.insert(all.end(), ids.begin(), ids.end());
    auto text = m_tokenizer->decode(all);
    if (!text) return text.error();
    m_ids = std::move(all);
    m_text = std::move(*text);
    const size_t settled = settledLength(m_text);
    if (settled <= m_emitted) return std::string();
    std::string fresh = m_text.substr(m_emitted, settled - m_emitted);
    m_emitted = settled;
    return fresh;
}

std::string StreamingDecoder::finish()
{
    if (m_emitted >= m_text.size()) return {};
    std::string rest = m_text.substr(m_emitted);
    m_emitted = m_text.size();
    return rest;
}

void StreamingDecoder::reset()
{
    m_ids.clear();
    m_text.clear();
    m_emitted = 0;
}

}  // namespace lathe::tokenize
