#include "AddedVocabulary.h"

#include "Utf8.h"

namespace lathe::tokenize {

void AddedVocabulary::Trie::insert(std::string_view key, int32_t token)
{
    if (key.empty()) return;
    if (nodes.empty()) nodes.emplace_back();
    firstByte[static_cast<unsigned char>(key[0])] = true;
    int32_t node = 0;
    for (const char c : key) {
        const auto byte = static_cast<unsigned char>(c);
        int32_t child = -1;
        for (const auto& [b, index] : nodes[node].children)
            if (b == byte) child = index;
        if (child < 0) {
            child = static_cast<int32_t>(nodes.size());
            nodes[node].children.emplace_back(byte, child);
            nodes.emplace_back();
        }
        node = child;
    }
    // The first token with this content wins, as in Hugging Face's map from content to token.
    if (nodes[node].token < 0) nodes[node].token = token;
}

int32_t AddedVocabulary::Trie::longestAt(std::string_view text, size_t pos, size_t& length) const
{
    int32_t node = 0, found = -1;
    for (size_t i = pos; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        int32_t child = -1;
        for (const auto& [b, index] : nodes[node].children)
            if (b == byte) {
                child = index;
                break;
            }
        if (child < 0) break;
        node = child;
        if (nodes[node].token >= 0) {
            found = nodes[node].token;
            length = i + 1 - pos;
        }
    }
    return found;
}

AddedVocabulary AddedVocabulary::fromJson(const Json& list, const std::string& path, const HfNormalizer* normalizer)
{
    AddedVocabulary vocab;
    if (list.is_null()) return vocab;
    if (!list.is_array()) failCorrupt(path, "expected an array");
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = childPath(path, i);
        const Json& entry = list[i];
        AddedToken token;
        token.content = requireString(entry, "content", where);
        const Json& id = requireMember(entry, "id", where);
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX / 2)
            failCorrupt(childPath(where, "id"), "expected a token id");
        token.id = static_cast<int32_t>(id.get<int64_t>());
        token.special = optionalBool(entry, "special", false, where);
        token.singleWord = optionalBool(entry, "single_word", false, where);
        token.lstrip = optionalBool(entry, "lstrip", false, where);
        token.rstrip = optionalBool(entry, "rstrip", false, where);
        token.normalized = optionalBool(entry, "normalized", !token.special, where);
        if (token.content.empty()) continue;
        vocab.m_byId.emplace(token.id, vocab.m_tokens.size());
        vocab.m_tokens.push_back(std::move(token));
    }
    for (size_t i = 0; i < vocab.m_tokens.size(); ++i) {
        const AddedToken& token = vocab.m_tokens[i];
        if (!token.normalized) {
            vocab.m_rawTrie.insert(token.content, static_cast<int32_t>(i));
            continue;
        }
        std::string content = token.content;
        if (normalizer) normalizer->normalize(content);
        vocab.m_normalizedTrie.insert(content, static_cast<int32_t>(i));
    }
    return vocab;
}

const AddedToken* AddedVocabulary::byId(int32_t id) const
{
    const auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

const AddedToken* AddedVocabulary::byContent(std::string_view content) const
{
    for (const AddedToken& token : m_tokens)
        if (token.content == content) return &token;
    return nullptr;
}

void AddedVocabulary::split(std::string_view text, bool normalizedSet, std::vector<Segment>& out) const
{
    out.clear();
    const Trie& trie = normalizedSet ? m_normalizedTrie : m_rawTrie;
    size_t copied = 0;  // end of what is already in `out`
    size_t pos = 0;
    while (!trie.nodes.empty() && pos < text.size()) {
        if (!trie.firstByte[static_cast<unsigned char>(text[pos])]) {
            ++pos;
            continue;
        }
        size_t length = 0;
        const int32_t index = trie.longestAt(text, pos, length);
        if (index < 0) {
            ++pos;
            continue;
        }
        const AddedToken& token = m_tokens[index];
        size_t start = pos, stop = pos + length;
        pos = stop;  // a rejected match is still consumed, as the Aho-Corasick iterator does
        if (token.singleWord) {
            size_t before = start, after = stop;
            const bool spaceBefore = start == 0 || !utf8::isWordCharacter(utf8::previous(text, before));
            const bool spaceAfter = stop == text.size() || !utf8::isWordCharacter(utf8::next(text, after));
            if (!spaceBefore || !spaceAfter) continue;
        }
        if (token.lstrip) {
            size_t newStart = start;
            while (newStart > copied) {
                size_t at = newStart;
                if (!utf8::isWhitespace(utf8::previous(text, at))) break;
                newStart = at;
            }
            start = newStart;
        }
        if (token.rstrip) {
            while (stop < text.size()) {
                size_t at = stop;
                if (!utf8::isWhitespace(utf8::next(text, at))) break;
                stop = at;
            }
            pos = stop;
        }
        if (copied < start) out.push_back({copied, start, -1});
        out.push_back({start, stop, token.id});
        copied = stop;
    }
    if (copied < text.size() || out.empty()) out.push_back({copied, text.size(), -1});
}

}  // namespace lathe::tokenize
