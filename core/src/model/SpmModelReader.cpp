#include "model/SpmModelReader.h"

#include <cstring>
#include <string_view>

namespace lathe::model {
namespace {

// Protobuf wire format: key = field << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
class ProtoReader {
public:
    explicit ProtoReader(std::string_view bytes) : m_bytes(bytes) {}
    bool done() const { return m_pos >= m_bytes.size(); }

    // The next field: its number and wire type; a varint's value in `number`, fixed32 bits in `number`, a
    // length-delimited field's bytes in `bytes`. False when the bytes are not valid.
    bool next(int& field, int& wire, uint64_t& number, std::string_view& bytes)
    {
        uint64_t key = 0;
        if (!varint(key)) return false;
        field = int(key >> 3);
        wire = int(key & 7);
        switch (wire) {
            case 0:
                return varint(number);
            case 1:
                return skip(8);
            case 5: {
                if (m_bytes.size() - m_pos < 4) return false;
                uint32_t bits = 0;
                std::memcpy(&bits, m_bytes.data() + m_pos, 4);
                number = bits;
                return skip(4);
            }
            case 2: {
                uint64_t len = 0;
                if (!varint(len) || len > m_bytes.size() - m_pos) return false;
                bytes = m_bytes.substr(m_pos, len);
                return skip(len);
            }
            default:
                return false;
        }
    }

private:
    bool varint(uint64_t& out)
    {
        out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_pos >= m_bytes.size()) return false;
            const uint8_t b = uint8_t(m_bytes[m_pos++]);
            out |= uint64_t(b & 0x7f) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }
    bool skip(uint64_t n)
    {
        if (n > m_bytes.size() - m_pos) return false;
        m_pos += n;
        return true;
    }

    std::string_view m_bytes;
    size_t m_pos = 0;
};

constexpr int kPieceNormal = 1;

}  // namespace

Result<EmbeddedVocabulary> readSentencepieceModel(const std::string& bytes, const std::string& path)
{
    auto corrupt = [&] {
        return makeError(ErrorCode::Corrupt, path + " is not a sentencepiece model (tokenizer.model) file");
    };
    EmbeddedVocabulary v;
    v.model = "llama";
    ProtoReader model(bytes);
    int field = 0, wire = 0;
    uint64_t number = 0;
    std::string_view inner;
    while (!model.done()) {
        if (!model.next(field, wire, number, inner)) return corrupt();
        if (wire != 2) continue;
        ProtoReader message(inner);
        if (field == 1) {  // SentencePiece: piece = 1, score = 2, type = 3
            std::string piece;
            float score = 0.0f;
            int32_t type = kPieceNormal;
            while (!message.done()) {
                std::string_view text;
                if (!message.next(field, wire, number, text)) return corrupt();
                if (field == 1 && wire == 2) piece.assign(text);
                if (field == 2 && wire == 5) {
                    const uint32_t bits = uint32_t(number);
                    std::memcpy(&score, &bits, 4);
                }
                if (field == 3 && wire == 0) type = int32_t(number);
            }
            v.tokens.push_back(std::move(piece));
            v.scores.push_back(score);
            v.types.push_back(type);
        } else if (field == 2 || field == 3) {  // trainer_spec, normalizer_spec
            const int spec = field;
            while (!message.done()) {
                std::string_view ignored;
                if (!message.next(field, wire, number, ignored)) return corrupt();
                if (wire != 0) continue;
                const int value = int(int32_t(uint32_t(number)));  // int32 negatives are 10-byte varints
                if (spec == 2 && field == 3) v.spmModelType = value;
                if (spec == 2 && field == 40) v.unkId = value;
                if (spec == 2 && field == 41) v.bosId = value;
                if (spec == 2 && field == 42) v.eosId = value;
                if (spec == 2 && field == 43) v.padId = value;
                if (spec == 3 && field == 3) v.addSpacePrefix = value != 0;
            }
        }
    }
    if (v.tokens.empty()) return corrupt();
    return v;
}

}  // namespace lathe::model
