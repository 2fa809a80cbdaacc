#include "quant/SizeEstimate.h"

namespace lathe::ui {

std::vector<LinearShape> quantizedLinears(const ModelConfig& c)
{
    const std::int64_t hidden = c.hiddenSize;
    const std::int64_t qOut = static_cast<std::int64_t>(c.numHeads) * c.headDim;
    const std::int64_t kvOut = static_cast<std::int64_t>(c.numKvHeads) * c.headDim;
    const std::int64_t ffn = c.intermediateSize;
    const std::int64_t layers = c.numLayers;
    return {
        {"q_proj", "query", qOut, hidden, layers},  {"k_proj", "key", kvOut, hidden, layers},
        {"v_proj", "value", kvOut, hidden, layers}, {"o_proj", "output", hidden, qOut, layers},
        {"gate_proj", "ffn", ffn, hidden, layers},  {"up_proj", "ffn", ffn, hidden, layers},
        {"down_proj", "ffn", hidden, ffn, layers},  {"lm_head", "head", c.vocabSize, hidden, 1},
    };
}

int presetBits(const std::string& bitMode, const std::string& group)
{
    if (bitMode == "w8") return 8;
    if (bitMode == "w4") return 4;
    if (bitMode == "w4v8") return group == "value" ? 8 : 4;
    return 0;
}

int effectiveBits(const std::string& bitMode, const std::map<std::string, int>& groupBits, const std::string& group)
{
    const auto it = groupBits.find(group);
    return it != groupBits.end() ? it->second : presetBits(bitMode, group);
}

std::int64_t estimateCompiledBytes(const ModelConfig& config, const std::string& bitMode,
                                   const std::map<std::string, int>& groupBits, int groupSize)
{
    std::int64_t total = 0;
    for (const LinearShape& l : quantizedLinears(config)) {
        const int bits = effectiveBits(bitMode, groupBits, l.group);
        std::int64_t bytes = 0;
        if (bits >= 16) {
            bytes = l.out * l.in * 2;
        } else {
            const std::int64_t rowBytes = (l.in * bits + 7) / 8;
            const std::int64_t scalesPerRow = groupSize > 0 ? (l.in + groupSize - 1) / groupSize : 1;
            bytes = l.out * rowBytes + l.out * scalesPerRow * 4;
        }
        total += bytes * l.count;
    }
    return total;
}

std::int64_t bfloat16Bytes(const ModelConfig& config)
{
    std::int64_t total = 0;
    for (const LinearShape& l : quantizedLinears(config)) total += l.out * l.in * 2 * l.count;
    return total;
}

}  // namespace lathe::ui
