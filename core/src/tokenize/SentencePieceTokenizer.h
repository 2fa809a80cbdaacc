#pragma once
// The sentencepiece engine: a tokenizer.model file run through the lathe_spm module, with BOS/EOS taken
// from tokenizer_config.json next to it the way transformers' LlamaTokenizer applies them.

#include "lathe/tokenize/Tokenizer.h"

#include <filesystem>

struct LatheSpm;

namespace lathe::tokenize {

class SpmLibrary;

class SentencePieceTokenizer final : public Tokenizer {
public:
    // Errors: NotFound/Corrupt for the module (see SpmLibrary), Io when unreadable, Corrupt when the file
    // is no sentencepiece model or tokenizer_config.json names tokens the model does not have.
    static Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& modelFile);

    ~SentencePieceTokenizer() override;
    SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
    SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

    Result<std::vector<int32_t>> encode(std::string_view text, bool addSpecial = true) const override;
    Result<std::string> decode(const std::vector<int32_t>& ids) const override;

    int32_t vocabSize() const override { return m_vocabSize; }
    std::optional<int32_t> bosId() const override { return m_bosId; }
    std::optional<int32_t> eosId() const override { return m_eosId; }
    std::string engineName() const override { return "sentencepiece"; }

private:
    SentencePieceTokenizer(const SpmLibrary& lib, LatheSpm* handle, std::string source);
    // The work of encode/decode; may throw std::bad_alloc, which the public functions turn into errors.
    Result<std::vector<int32_t>> encodeUnchecked(std::string_view text, bool addSpecial) const;
    Result<std::string> decodeUnchecked(const std::vector<int32_t>& ids) const;

    const SpmLibrary& m_lib;
    LatheSpm* m_handle;
    std::string m_source;  // the model file, for error messages
    int32_t m_vocabSize = 0;
    std::optional<int32_t> m_bosId;
    std::optional<int32_t> m_eosId;
    bool m_addBos = true;
    bool m_addEos = false;
};

}  // namespace lathe::tokenize
