#pragma once
// BPE merge ranks keyed by the pair of token ids: open addressing over one flat array, because this
// lookup is the inner loop of encoding and std::unordered_map's node chasing costs more than the work.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lathe::tokenize {

class MergeTable {
public:
    struct Merge {
        int32_t rank = -1;
        int32_t result = -1;  // id of the merged token
    };

    void reserve(size_t count)
    {
        size_t capacity = 16;
        while (capacity < count * 2) capacity *= 2;
        m_slots.assign(capacity, Slot{});
        m_mask = capacity - 1;
        m_size = 0;
    }

    // Keeps the first (lowest-rank) merge of a pair, as Hugging Face does when a file repeats one.
    void insert(int32_t left, int32_t right, Merge merge)
    {
        if ((m_size + 1) * 2 > m_slots.size()) grow();
        Slot& slot = find(keyOf(left, right));
        if (slot.key != kEmpty) return;
        slot.key = keyOf(left, right);
        slot.merge = merge;
        ++m_size;
    }

    const Merge* lookup(int32_t left, int32_t right) const
    {
        if (m_slots.empty()) return nullptr;
        const uint64_t key = keyOf(left, right);
        for (size_t i = hashOf(key) & m_mask;; i = (i + 1) & m_mask) {
            const Slot& slot = m_slots[i];
            if (slot.key == key) return &slot.merge;
            if (slot.key == kEmpty) return nullptr;
        }
    }

    size_t size() const { return m_size; }

private:
    static constexpr uint64_t kEmpty = ~uint64_t(0);
    struct Slot {
        uint64_t key = kEmpty;
        Merge merge;
    };

    static uint64_t keyOf(int32_t left, int32_t right)
    {
        return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
    }
    static size_t hashOf(uint64_t key)
    {
        key ^= key >> 29;
        key *= 0xBF58476D1CE4E5B9ULL;
        key ^= key >> 32;
        return static_cast<size_t>(key);
    }

    Slot& find(uint64_t key)
    {
        for (size_t i = hashOf(key) & m_mask;; i = (i + 1) & m_mask) {
            Slot& slot = m_slots[i];
            if (slot.key == key || slot.key == kEmpty) return slot;
        }
    }

    void grow()
    {
        std::vector<Slot> old;
        old.swap(m_slots);
        reserve(old.empty() ? 8 : old.size());
        for (const Slot& slot : old)
            if (slot.key != kEmpty) {
                find(slot.key) = slot;
                ++m_size;
            }
    }

    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    size_t m_size = 0;
};

}  // namespace lathe::tokenize
