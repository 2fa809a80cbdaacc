#include "model/SpmModelWriter.h"

#include "model/SpmModelReader.h"

#include <cstring>

namespace lathe::model {
namespace {

// Protobuf wire format: key = field << 3 | wire type (0 varint, 2 length-delimited, 5 fixed32).
class ProtoWriter {
public:
    void varint(uint64_t v)
    {
        while (v >= 0x80) {
            m_out += char(uint8_t(v) | 0x80);
            v >>= 7;
        }
        m_out += char(uint8_t(v));
    }
    void intField(int field, int64_t v)  // int32 fields encode negatives as 10-byte varints
    {
        varint(uint64_t(field) << 3 | 0);
        varint(static_cast<uint64_t>(v));
    }
    void bytesField(int field, const std::string& bytes)
    {
        varint(uint64_t(field) << 3 | 2);
        varint(bytes.size());
        m_out += bytes;
    }
    void floatField(int field, float v)
    {
        varint(uint64_t(field) << 3 | 5);
        char b[4];
        std::memcpy(b, &v, 4);
        m_out.append(b, 4);
    }
    const std::string& bytes() const { return m_out; }

private:
    std::string m_out;
};

constexpr int kPieceNormal = 1;
constexpr int kPieceUnknown = 2;
constexpr int kPieceByte = 6;
constexpr int kModelBpe = 2;

}  // namespace

Result<std::string> synthesizeSentencepieceModel(const EmbeddedVocabulary& v)
{
    // llama.cpp's "llama" vocabulary is sentencepiece BPE (Llama, Mistral, TinyLlama, llama2.c exports).
    if (v.model != "llama")
        return makeError(ErrorCode::Unsupported,
                         "the GGUF vocabulary is \"" + v.model +
                             "\", not a sentencepiece (\"llama\") one, so no tokenizer.model can be rebuilt; pass "
                             "the model's tokenizer with --tokenizer");
    const int n = int(v.tokens.size());
    if (v.unkId < 0 || v.unkId >= n || v.types[v.unkId] != kPieceUnknown)
        return makeError(ErrorCode::Unsupported,
                         "the GGUF vocabulary has no unknown-token piece, which sentencepiece requires");
    bool byteFallback = false;
    ProtoWriter model;
    for (int i = 0; i < n; ++i) {
        ProtoWriter piece;
        piece.bytesField(1, v.tokens[i]);
        piece.floatField(2, v.scores[i]);
        if (v.types[i] != kPieceNormal) piece.intField(3, v.types[i]);
        byteFallback = byteFallback || v.types[i] == kPieceByte;
        model.bytesField(1, piece.bytes());
    }
    auto pieceOr = [&](int id, const char* fallback) { return id >= 0 && id < n ? v.tokens[id] : std::string(fallback); };
    ProtoWriter trainer;
    trainer.intField(3, kModelBpe);
    trainer.intField(4, n);
    trainer.intField(35, byteFallback ? 1 : 0);
    trainer.intField(40, v.unkId);
    trainer.intField(41, v.bosId);
    trainer.intField(42, v.eosId);
    trainer.intField(43, v.padId);
    trainer.bytesField(45, pieceOr(v.unkId, "<unk>"));
    trainer.bytesField(46, pieceOr(v.bosId, "<s>"));
    trainer.bytesField(47, pieceOr(v.eosId, "</s>"));
    trainer.bytesField(48, pieceOr(v.padId, "<pad>"));
    model.bytesField(2, trainer.bytes());
    ProtoWriter normalizer;
    normalizer.bytesField(1, "identity");
    normalizer.intField(3, v.addSpacePrefix ? 1 : 0);
    normalizer.intField(4, 1);  // remove_extra_whitespaces, as in llama2.c's trained tokenizers
    normalizer.intField(5, 1);  // escape_whitespaces
    model.bytesField(3, normalizer.bytes());
    return model.bytes();
}

Result<int> countSentencepiecePieces(const std::string& bytes, const std::string& path)
{
    auto vocabulary = readSentencepieceModel(bytes, path);
    if (!vocabulary) return vocabulary.error();
    return int(vocabulary->tokens.size());
}

}  // namespace lathe::model
