#pragma once
// tokenizer.json "added_tokens": tokens cut out of the text before the normalizer and model run, with
// Hugging Face's matching rules: leftmost-longest, single_word (no word character on either side),
// lstrip/rstrip (absorb the whitespace beside the token), and normalized tokens matched against the
// normalized text.

#include "HfNormalizer.h"
#include "TokenizerJsonSpec.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lathe::tokenize {

struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = false;
};

class AddedVocabulary {
public:
    struct Segment {
        size_t begin;
        size_t end;
        int32_t id;  // -1: ordinary text
    };

    AddedVocabulary() = default;
    // Throws SpecError naming `path` for malformed entries.
    static AddedVocabulary fromJson(const Json& list, const std::string& path, const HfNormalizer* normalizer);

    // Cuts `text` into added tokens and the text between them. `normalizedSet` picks the tokens matched
    // after normalization. Text segments may be empty only when the whole text is.
    void split(std::string_view text, bool normalizedSet, std::vector<Segment>& out) const;
    bool hasTokens(bool normalizedSet) const { return !(normalizedSet ? m_normalizedTrie : m_rawTrie).nodes.empty(); }

    const AddedToken* byId(int32_t id) const;
    const AddedToken* byContent(std::string_view content) const;
    const std::vector<AddedToken>& tokens() const { return m_tokens; }

private:
    struct Trie {
        struct Node {
            std::vector<std::pair<unsigned char, int32_t>> children;
            int32_t token = -1;  // index into m_tokens
        };
        std::vector<Node> nodes;  // nodes[0] is the root once anything is inserted
        bool firstByte[256] = {};
        void insert(std::string_view key, int32_t token);
        // Index of the longest token starting at `pos`, its length in `length`; -1 when none.
        int32_t longestAt(std::string_view text, size_t pos, size_t& length) const;
    };

    std::vector<AddedToken> m_tokens;
    std::unordered_map<int32_t, size_t> m_byId;
    Trie m_rawTrie;
    Trie m_normalizedTrie;
};

}  // namespace lathe::tokenize
