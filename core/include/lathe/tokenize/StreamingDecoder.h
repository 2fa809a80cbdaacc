#pragma once

#include "lathe/common/Result.h"
#include "lathe/tokenize/Tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::tokenize {

// Turns ids arriving one by one (generation) into text pieces whose concatenation is exactly
// tokenizer.decode(all ids). Per-token decoding is wrong for sentencepiece: the first piece loses its
// leading space only at the start, and byte-fallback pieces of one character arrive separately. So each
// push decodes the whole sequence and returns the new suffix, holding back a tail that later ids may
// still change: an incomplete UTF-8 sequence or trailing U+FFFD (what decoders write for a partial
// character). Cost is one decode of the whole sequence per push.
//
// The tokenizer is borrowed and must outlive the decoder. Not thread-safe; use one per stream.
class StreamingDecoder {
public:
    explicit StreamingDecoder(const Tokenizer& tokenizer) : m_tokenizer(&tokenizer) {}

    // Appends ids and returns the newly completed text (often empty). Errors: InvalidArgument for an
    // out-of-range id; the decoder is then unchanged.
    Result<std::string> push(int32_t id);
    Result<std::string> push(const std::vector<int32_t>& ids);

    // The held-back tail, as decode(all ids) writes it. Call once the stream has ended.
    std::string finish();

    // Starts a new stream.
    void reset();

    const std::vector<int32_t>& ids() const { return m_ids; }

private:
    Result<std::string> pushUnchecked(const std::vector<int32_t>& ids);

    const Tokenizer* m_tokenizer;
    std::vector<int32_t> m_ids;
    std::string m_text;      // decode(m_ids)
    size_t m_emitted = 0;    // bytes of m_text already returned
};

}  // namespace lathe::tokenize
