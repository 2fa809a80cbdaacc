#pragma once
// tokenizer.json "model" of type BPE: vocabulary, merges applied by rank, unk_token with fuse_unk,
// byte_fallback to <0xNN> tokens, ignore_merges. Pre-tokens marked rawBytes (ByteLevel) are looked up
// through the byte-level alphabet directly, without building the mapped string.

#include "MergeTable.h"
#include "PreToken.h"
#include "TokenizerJsonSpec.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lathe::tokenize {

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIds = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel {
public:
    // Throws SpecError naming `path` (Unsupported for other model types or options such as dropout).
    static std::unique_ptr<BpeModel> fromJson(const Json& spec, const std::string& path);

    // Appends the ids of one pre-token. Thread-safe.
    void encode(const PreToken& piece, std::vector<int32_t>& ids) const;

    std::optional<int32_t> idOf(std::string_view token) const;
    // The token text of an id, or null for ids the vocabulary does not define.
    const std::string* tokenOf(int32_t id) const;
    // One past the largest id in the vocabulary.
    int32_t idLimit() const { return static_cast<int32_t>(m_tokens.size()); }
    size_t mergeCount() const { return m_merges.size(); }

private:
    BpeModel() = default;
    void addUnknown(std::string_view character, std::vector<int32_t>& symbols, bool& pendingUnk) const;
    void mergeSymbols(std::vector<int32_t>& symbols) const;

    TokenIds m_vocab;
    TokenIds m_rawVocab;  // tokens made only of byte-level characters, keyed by the bytes they stand for
    std::vector<std::string> m_tokens;
    std::vector<bool> m_defined;
    MergeTable m_merges;
    std::array<int32_t, 256> m_byteLevelIds{};  // byte → id of its byte-level character, or -1
    std::array<int32_t, 256> m_fallbackIds{};   // byte → id of "<0xNN>", or -1
    bool m_completeFallback = false;
    std::optional<int32_t> m_unkId;
    bool m_fuseUnk = false;
    bool m_byteFallback = false;
    bool m_ignoreMerges = false;
};

}  // namespace lathe::tokenize
