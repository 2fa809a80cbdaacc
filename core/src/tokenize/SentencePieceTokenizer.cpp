#include "SentencePieceTokenizer.h"

#include "SpmLibrary.h"
#include "TokenizerConfig.h"

#include "common/FileIo.h"

#include <system_error>

namespace lathe::tokenize {

namespace fs = std::filesystem;

namespace {

constexpr const char* kConfigFileName = "tokenizer_config.json";

Result<std::string> readBytes(const fs::path& file)
{
    std::error_code ec;
    if (!fs::exists(file, ec))
        return makeError(ErrorCode::NotFound, file.string() + " does not exist; pass a tokenizer.model file or a model directory");
    return readWholeFile(file.string());
}

// Resolves bos_token / eos_token the way transformers does: absent → the model's own id, null → none,
// text → added_tokens_decoder first, then the model's vocabulary.
Result<std::optional<int32_t>> resolveSpecial(const SpmLibrary& lib, const LatheSpm* spm, const TokenizerConfig& config,
                                              const SpecialTokenSetting& setting, int which, const char* key,
                                              const fs::path& configFile)
{
    if (!setting.present) {
        const int32_t id = lib.lathe_spm_special_id(spm, which);
        return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
    }
    if (!setting.content) return std::optional<int32_t>();
    const std::string& text = *setting.content;
    const int32_t vocab = lib.lathe_spm_vocab_size(spm);
    if (const auto added = config.addedTokens.find(text); added != config.addedTokens.end()) {
        if (added->second >= vocab)
            return makeError(ErrorCode::Unsupported,
                             configFile.string() + ": " + key + " \"" + text + "\" is added token " +
                                 std::to_string(added->second) + ", outside the sentencepiece vocabulary of " +
                                 std::to_string(vocab) + "; use the model's tokenizer.json instead");
        return std::optional<int32_t>(added->second);
    }
    const int32_t id = lib.lathe_spm_piece_to_id(spm, text.data(), text.size());
    if (id < 0)
        return makeError(ErrorCode::Corrupt, configFile.string() + ": " + key + " \"" + text +
                                                 "\" is not in the sentencepiece vocabulary; the config does not "
                                                 "belong to this tokenizer.model");
    return std::optional<int32_t>(id);
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const SpmLibrary& lib, LatheSpm* handle, std::string source)
    : m_lib(lib), m_handle(handle), m_source(std::move(source))
{
    m_vocabSize = m_lib.lathe_spm_vocab_size(m_handle);
}

SentencePieceTokenizer::~SentencePieceTokenizer() { m_lib.lathe_spm_free(m_handle); }

Result<std::unique_ptr<Tokenizer>> SentencePieceTokenizer::load(const fs::path& modelFile)
{
    const std::string where = modelFile.string();
    auto lib = SpmLibrary::instance();
    if (!lib) return lib.error().withContext("cannot load tokenizer " + where);

    auto bytes = readBytes(modelFile);
    if (!bytes) return bytes.error();
    char message[512] = {};
    LatheSpm* handle = (*lib)->lathe_spm_load(bytes->data(), bytes->size(), 1, message, sizeof message);
    if (handle == nullptr)
        return makeError(ErrorCode::Corrupt, where + " is not a sentencepiece model (" + message +
                                                 "); re-download it or pass the model's tokenizer.model");
    // Owns the handle from here on, so every early return below frees it.
    std::unique_ptr<SentencePieceTokenizer> tokenizer(
        new SentencePieceTokenizer(**lib, handle, where));
    if (tokenizer->m_vocabSize <= 0)
        return makeError(ErrorCode::Corrupt, where + " holds an empty sentencepiece vocabulary; re-download it");

    TokenizerConfig config;
    const fs::path configFile = modelFile.parent_path() / kConfigFileName;
    std::error_code ec;
    if (fs::is_regular_file(configFile, ec)) {
        auto read = TokenizerConfig::read(configFile);
        if (!read) return read.error();
        config = std::move(*read);
    }
    auto bos = resolveSpecial(**lib, handle, config, config.bosToken, 0, "bos_token", configFile);
    if (!bos) return bos.error();
    auto eos = resolveSpecial(**lib, handle, config, config.eosToken, 1, "eos_token", configFile);
    if (!eos) return eos.error();
    tokenizer->m_bosId = *bos;
    tokenizer->m_eosId = *eos;
    // transformers refuses add_bos_token without a BOS token; adding nothing is the useful reading.
    tokenizer->m_addBos = config.addBosToken && bos->has_value();
    tokenizer->m_addEos = config.addEosToken && eos->has_value();
    return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

Result<std::vector<int32_t>> SentencePieceTokenizer::encode(std::string_view text, bool addSpecial) const
{
    try {
        return encodeUnchecked(text, addSpecial);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "encoding with " + m_source + " failed: " + e.what());
    }
}

Result<std::string> SentencePieceTokenizer::decode(const std::vector<int32_t>& ids) const
{
    try {
        return decodeUnchecked(ids);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "decoding with " + m_source + " failed: " + e.what());
    }
}

Result<std::vector<int32_t>> SentencePieceTokenizer::encodeUnchecked(std::string_view text, bool addSpecial) const
{
    const bool withBos = addSpecial && m_addBos;
    const bool withEos = addSpecial && m_addEos;
    const size_t offset = withBos ? 1 : 0;
    // One id per byte plus the dummy-prefix piece is the most sentencepiece produces; retry if a model
    // ever does more.
    std::vector<int32_t> ids(offset + text.size() + 2);
    int64_t count = m_lib.lathe_spm_encode(m_handle, text.data(), text.size(), ids.data() + offset, ids.size() - offset);
    if (count >= 0 && static_cast<size_t>(count) > ids.size() - offset) {
        ids.resize(offset + static_cast<size_t>(count));
        count = m_lib.lathe_spm_encode(m_handle, text.data(), text.size(), ids.data() + offset, ids.size() - offset);
    }
    if (count < 0)
        return makeError(ErrorCode::Internal, "sentencepiece failed to encode " + std::to_string(text.size()) +
                                                  " bytes of text with " + m_source);
    ids.resize(offset + static_cast<size_t>(count));
    if (withBos) ids[0] = *m_bosId;
    if (withEos) ids.push_back(*m_eosId);
    return ids;
}

Result<std::string> SentencePieceTokenizer::decodeUnchecked(const std::vector<int32_t>& ids) const
{
    std::vector<int32_t> kept;
    kept.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        const int32_t id = ids[i];
        if (id < 0 || id >= m_vocabSize)
            return makeError(ErrorCode::InvalidArgument,
                             "token id " + std::to_string(id) + " at position " + std::to_string(i) +
                                 " is outside the vocabulary of " + m_source + " (0.." +
                                 std::to_string(m_vocabSize - 1) + ")");
        // sentencepiece already hides control pieces; BOS/EOS chosen by tokenizer_config.json may not be.
        if (id == m_bosId || id == m_eosId) continue;
        kept.push_back(id);
    }
    std::string text(kept.size() * 8 + 16, '\0');
    int64_t size = m_lib.lathe_spm_decode(m_handle, kept.data(), kept.size(), text.data(), text.size());
    if (size >= 0 && static_cast<size_t>(size) > text.size()) {
        text.resize(static_cast<size_t>(size));
        size = m_lib.lathe_spm_decode(m_handle, kept.data(), kept.size(), text.data(), text.size());
    }
    if (size < 0)
        return makeError(ErrorCode::Internal,
                         "sentencepiece failed to decode " + std::to_string(ids.size()) + " ids with " + m_source);
    text.resize(static_cast<size_t>(size));
    return text;
}

}  // namespace lathe::tokenize
