#include "BpeModel.h"

#include "ByteLevelAlphabet.h"
#include "Utf8.h"

#include <algorithm>
#include <cstdio>

namespace lathe::tokenize {

namespace {

struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t result;
    // std heap functions build a max-heap; the lowest rank, then the leftmost position, must come first.
    bool operator<(const Candidate& other) const
    {
        return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
};

struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
};

// Reused by every encode on a thread; BPE words are short, so this avoids two allocations per word.
struct MergeScratch {
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
};

MergeScratch& scratch()
{
    thread_local MergeScratch instance;
    return instance;
}

std::pair<std::string, std::string> splitMerge(const Json& merge, const std::string& path)
{
    if (merge.is_string()) {
        const std::string& text = merge.get_ref<const std::string&>();
        const size_t space = text.find(' ');
        if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
            failCorrupt(path, "merge \"" + text + "\" is not two tokens separated by one space");
        return {text.substr(0, space), text.substr(space + 1)};
    }
    if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string())
        return {merge[0].get<std::string>(), merge[1].get<std::string>()};
    failCorrupt(path, "expected \"left right\" or [\"left\", \"right\"]");
}

}  // namespace

std::unique_ptr<BpeModel> BpeModel::fromJson(const Json& spec, const std::string& path)
{
    const auto typeIt = spec.find("type");
    // Old files omit the model type; they are BPE when they have merges.
    const std::string type = typeIt != spec.end() && typeIt->is_string() ? typeIt->get<std::string>()
                             : spec.contains("merges")                   ? "BPE"
                                                                         : "";
    if (type != "BPE") failUnsupported(path, "model \"" + (type.empty() ? std::string("(no type)") : type) + "\"");
    const auto dropout = spec.find("dropout");
    if (dropout != spec.end() && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0.0))
        failUnsupported(childPath(path, "dropout"), "BPE dropout");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        const auto it = spec.find(key);
        if (it != spec.end() && !it->is_null() && !(it->is_string() && it->get_ref<const std::string&>().empty()))
            failUnsupported(childPath(path, key), std::string("BPE option \"") + key + "\"");
    }

    std::unique_ptr<BpeModel> model(new BpeModel());
    const Json& vocab = requireMember(spec, "vocab", path);
    if (!vocab.is_object()) failCorrupt(childPath(path, "vocab"), "expected an object of token → id");
    model->m_vocab.reserve(vocab.size());
    for (const auto& [token, idJson] : vocab.items()) {
        if (!idJson.is_number_integer() || idJson.get<int64_t>() < 0 || idJson.get<int64_t>() > INT32_MAX / 2)
            failCorrupt(childPath(path, "vocab"), "token \"" + token + "\" has no valid id");
        const auto id = static_cast<int32_t>(idJson.get<int64_t>());
        model->m_vocab.emplace(token, id);
        if (static_cast<size_t>(id) >= model->m_tokens.size()) {
            model->m_tokens.resize(id + 1);
            model->m_defined.resize(id + 1, false);
        }
        model->m_tokens[id] = token;
        model->m_defined[id] = true;
    }

    const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::instance();
    model->m_rawVocab.reserve(vocab.size());
    std::string raw;
    for (const auto& [token, id] : model->m_vocab)
        if (alphabet.decode(token, raw)) model->m_rawVocab.emplace(raw, id);
    model->m_completeFallback = true;
    for (int b = 0; b < 256; ++b) {
        const auto level = model->m_vocab.find(alphabet.utf8Of(static_cast<uint8_t>(b)));
        model->m_byteLevelIds[b] = level == model->m_vocab.end() ? -1 : level->second;
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        const auto fallback = model->m_vocab.find(std::string_view(name));
        model->m_fallbackIds[b] = fallback == model->m_vocab.end() ? -1 : fallback->second;
        if (fallback == model->m_vocab.end()) model->m_completeFallback = false;
    }

    const Json& merges = requireArray(spec, "merges", path);
    model->m_merges.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
        const std::string where = childPath(childPath(path, "merges"), i);
        const auto [left, right] = splitMerge(merges[i], where);
        const auto l = model->m_vocab.find(left), r = model->m_vocab.find(right), m = model->m_vocab.find(left + right);
        if (l == model->m_vocab.end() || r == model->m_vocab.end() || m == model->m_vocab.end())
            failCorrupt(where, "merge \"" + left + " " + right + "\" uses a token missing from the vocabulary");
        model->m_merges.insert(l->second, r->second, {static_cast<int32_t>(i), m->second});
    }

    const auto unk = spec.find("unk_token");
    if (unk != spec.end() && !unk->is_null()) {
        if (!unk->is_string()) failCorrupt(childPath(path, "unk_token"), "expected a string");
        const auto it = model->m_vocab.find(unk->get_ref<const std::string&>());
        if (it == model->m_vocab.end())
            failCorrupt(childPath(path, "unk_token"), "\"" + unk->get<std::string>() + "\" is not in the vocabulary");
        model->m_unkId = it->second;
    }
    model->m_fuseUnk = optionalBool(spec, "fuse_unk", false, path);
    model->m_byteFallback = optionalBool(spec, "byte_fallback", false, path);
    model->m_ignoreMerges = optionalBool(spec, "ignore_merges", false, path);
    return model;
}

std::optional<int32_t> BpeModel::idOf(std::string_view token) const
{
    const auto it = m_vocab.find(token);
    return it == m_vocab.end() ? std::nullopt : std::optional<int32_t>(it->second);
}

const std::string* BpeModel::tokenOf(int32_t id) const
{
    if (id < 0 || id >= idLimit() || !m_defined[id]) return nullptr;
    return &m_tokens[id];
}

// A character missing from the vocabulary: its <0xNN> bytes with byte_fallback, otherwise unk_token
// (one per run of unknown characters with fuse_unk), otherwise nothing, as Hugging Face does.
void BpeModel::addUnknown(std::string_view character, std::vector<int32_t>& symbols, bool& pendingUnk) const
{
    if (m_byteFallback) {
        bool all = true;
        for (const char byte : character) all = all && m_fallbackIds[static_cast<uint8_t>(byte)] >= 0;
        if (all) {
            for (const char byte : character) symbols.push_back(m_fallbackIds[static_cast<uint8_t>(byte)]);
            pendingUnk = false;
            return;
        }
    }
    if (!m_unkId) return;
    if (m_fuseUnk && pendingUnk) return;
    symbols.push_back(*m_unkId);
    pendingUnk = true;
}

void BpeModel::encode(const PreToken& piece, std::vector<int32_t>& ids) const
{
    const std::string_view text = piece.text;
    if (text.empty()) return;
    if (m_ignoreMerges) {
        const TokenIds& whole = piece.rawBytes ? m_rawVocab : m_vocab;
        const auto it = whole.find(text);
        if (it != whole.end()) {
            ids.push_back(it->second);
            return;
        }
    }

    const size_t first = ids.size();
    bool pendingUnk = false;
    if (piece.rawBytes) {
        const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::instance();
        for (const char byte : text) {
            const int32_t id = m_byteLevelIds[static_cast<uint8_t>(byte)];
            if (id >= 0) {
                ids.push_back(id);
                pendingUnk = false;
            } else {
                addUnknown(alphabet.utf8Of(static_cast<uint8_t>(byte)), ids, pendingUnk);
            }
        }
    } else {
        size_t pos = 0;
        while (pos < text.size()) {
            const size_t length = std::min(utf8::sequenceLength(static_cast<unsigned char>(text[pos])), text.size() - pos);
            const std::string_view character = text.substr(pos, length);
            pos += length;
            const auto it = m_vocab.find(character);
            if (it != m_vocab.end()) {
                ids.push_back(it->second);
                pendingUnk = false;
            } else {
                addUnknown(character, ids, pendingUnk);
            }
        }
    }
    if (ids.size() - first < 2) return;

    // Merge within the ids just appended, then write the survivors back in order.
    MergeScratch& s = scratch();
    s.symbols.clear();
    const auto count = static_cast<int32_t>(ids.size() - first);
    for (int32_t i = 0; i < count; ++i) s.symbols.push_back({ids[first + i], i - 1, i + 1 < count ? i + 1 : -1});
    s.heap.clear();
    for (int32_t i = 0; i + 1 < count; ++i)
        if (const auto* merge = m_merges.lookup(s.symbols[i].id, s.symbols[i + 1].id))
            s.heap.push_back({merge->rank, i, merge->result});
    std::make_heap(s.heap.begin(), s.heap.end());

    while (!s.heap.empty()) {
        std::pop_heap(s.heap.begin(), s.heap.end());
        const Candidate top = s.heap.back();
        s.heap.pop_back();
        Symbol& left = s.symbols[top.pos];
        if (left.id < 0 || left.next < 0) continue;
        Symbol& right = s.symbols[left.next];
        const auto* merge = m_merges.lookup(left.id, right.id);
        if (merge == nullptr || merge->result != top.result) continue;

        left.id = top.result;
        right.id = -1;  // merged away
        left.next = right.next;
        if (left.next >= 0) s.symbols[left.next].prev = top.pos;
        if (left.prev >= 0)
            if (const auto* m = m_merges.lookup(s.symbols[left.prev].id, left.id)) {
                s.heap.push_back({m->rank, left.prev, m->result});
                std::push_heap(s.heap.begin(), s.heap.end());
            }
        if (left.next >= 0)
            if (const auto* m = m_merges.lookup(left.id, s.symbols[left.next].id)) {
                s.heap.push_back({m->rank, top.pos, m->result});
                std::push_heap(s.heap.begin(), s.heap.end());
            }
    }
    ids.resize(first);
    for (int32_t i = 0; i >= 0; i = s.symbols[i].next) ids.push_back(s.symbols[i].id);
}

}  // namespace lathe::tokenize
