#pragma once
// The tokenizer.json engine: a Hugging Face fast-tokenizer file run the way the `tokenizers` library
// runs it (added tokens → normalizer → pre-tokenizer → BPE → post-processor), with BOS/EOS settled
// against tokenizer_config.json next to it as transformers' fast tokenizers do.

#include "AddedVocabulary.h"
#include "BpeModel.h"
#include "HfDecoder.h"
#include "HfNormalizer.h"
#include "HfPreTokenizer.h"
#include "lathe/tokenize/Tokenizer.h"

#include <filesystem>
#include <memory>

namespace lathe::tokenize {

class HfTokenizer final : public Tokenizer {
public:
    // Errors: NotFound/Io when unreadable; Corrupt for invalid JSON, malformed components or a
    // tokenizer_config.json naming unknown tokens; Unsupported naming the first component (by type and
    // JSON path) that Lathe does not implement. Every message names the file.
    static Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& file);

    // Errors: InvalidArgument when the text is not valid UTF-8 (the offset is named).
    Result<std::vector<int32_t>> encode(std::string_view text, bool addSpecial = true) const override;
    Result<std::string> decode(const std::vector<int32_t>& ids) const override;

    int32_t vocabSize() const override { return m_vocabSize; }
    std::optional<int32_t> bosId() const override { return m_bosId; }
    std::optional<int32_t> eosId() const override { return m_eosId; }
    std::string engineName() const override { return "tokenizer.json"; }

private:
    HfTokenizer() = default;
    Result<std::vector<int32_t>> encodeUnchecked(std::string_view text, bool addSpecial) const;
    Result<std::string> decodeUnchecked(const std::vector<int32_t>& ids) const;
    void encodeSection(std::string_view text, bool atStart, TextArena& arena, std::vector<PreToken>& pieces,
                       std::vector<int32_t>& ids) const;
    void encodeNormalized(std::string_view section, bool atStart, TextArena& arena, std::vector<PreToken>& pieces,
                          std::vector<int32_t>& ids) const;

    std::string m_source;  // the file, for error messages
    std::unique_ptr<HfNormalizer> m_normalizer;
    std::unique_ptr<HfPreTokenizer> m_preTokenizer;
    std::unique_ptr<BpeModel> m_model;
    AddedVocabulary m_added;
    std::unique_ptr<HfDecoder> m_decoder;
    std::vector<int32_t> m_prefix;  // added before the text when special tokens are requested
    std::vector<int32_t> m_suffix;
    std::optional<int32_t> m_bosId;
    std::optional<int32_t> m_eosId;
    int32_t m_vocabSize = 0;
};

}  // namespace lathe::tokenize
