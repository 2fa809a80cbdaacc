#include "HfTokenizer.h"

#include "SpecialTokenTemplate.h"
#include "TokenizerConfig.h"
#include "Utf8.h"

#include "common/FileIo.h"

#include <system_error>

namespace lathe::tokenize {

namespace fs = std::filesystem;

namespace {

constexpr const char* kConfigFileName = "tokenizer_config.json";

Result<std::string> readText(const fs::path& file)
{
    std::error_code ec;
    if (!fs::exists(file, ec))
        return makeError(ErrorCode::NotFound, file.string() + " does not exist; pass a tokenizer.json file or a model directory");
    return readWholeFile(file.string());
}

// bos_token / eos_token text → id: added tokens first, then the model's vocabulary.
std::optional<int32_t> resolveToken(const SpecialTokenSetting& setting, const AddedVocabulary& added, const BpeModel& model,
                                    const char* key, const fs::path& configFile)
{
    if (!setting.content) return std::nullopt;
    const std::string& text = *setting.content;
    if (const AddedToken* token = added.byContent(text)) return token->id;
    if (auto id = model.idOf(text)) return id;
    throw SpecError(ErrorCode::Corrupt, configFile.string() + ": " + key + " \"" + text +
                                            "\" is neither an added token nor in the vocabulary of the tokenizer.json "
                                            "beside it; the two files do not belong together");
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> HfTokenizer::load(const fs::path& file)
{
    const std::string where = file.string();
    try {
        auto text = readText(file);
        if (!text) return text.error();
        const Json root = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
        text->clear();
        if (root.is_discarded())
            return makeError(ErrorCode::Corrupt, where + " is not valid JSON; re-download the model's tokenizer.json");
        if (!root.is_object()) return makeError(ErrorCode::Corrupt, where + " must hold a JSON object");

        std::unique_ptr<HfTokenizer> tok(new HfTokenizer());
        tok->m_source = where;
        const Json null;
        auto member = [&](const char* key) -> const Json& {
            const auto it = root.find(key);
            return it == root.end() ? null : *it;
        };
        tok->m_normalizer = HfNormalizer::fromJson(member("normalizer"), "normalizer");
        tok->m_preTokenizer = HfPreTokenizer::fromJson(member("pre_tokenizer"), "pre_tokenizer");
        tok->m_model = BpeModel::fromJson(requireMember(root, "model", "(root)"), "model");
        tok->m_decoder = HfDecoder::fromJson(member("decoder"), "decoder");
        tok->m_added = AddedVocabulary::fromJson(member("added_tokens"), "added_tokens", tok->m_normalizer.get());
        const SpecialTokenTemplate specials = SpecialTokenTemplate::fromJson(member("post_processor"), "post_processor");

        tok->m_vocabSize = tok->m_model->idLimit();
        for (const AddedToken& token : tok->m_added.tokens()) tok->m_vocabSize = std::max(tok->m_vocabSize, token.id + 1);
        for (const auto* side : {&specials.prefix, &specials.suffix})
            for (const int32_t id : *side)
                if (id >= tok->m_vocabSize)
                    failCorrupt("post_processor", "special token id " + std::to_string(id) + " is outside the vocabulary");

        TokenizerConfig config;
        const fs::path configFile = file.parent_path() / kConfigFileName;
        std::error_code ec;
        if (fs::is_regular_file(configFile, ec)) {
            auto read = TokenizerConfig::read(configFile);
            if (!read) return read.error();
            config = std::move(*read);
        }
        // Without a setting in tokenizer_config.json, the template's own first/last token is BOS/EOS.
        tok->m_bosId = config.bosToken.present ? resolveToken(config.bosToken, tok->m_added, *tok->m_model, "bos_token", configFile)
                       : specials.prefix.size() == 1 ? std::optional<int32_t>(specials.prefix[0])
                                                     : std::nullopt;
        tok->m_eosId = config.eosToken.present ? resolveToken(config.eosToken, tok->m_added, *tok->m_model, "eos_token", configFile)
                       : specials.suffix.size() == 1 ? std::optional<int32_t>(specials.suffix[0])
                                                     : std::nullopt;
        tok->m_prefix = specials.prefix;
        tok->m_suffix = specials.suffix;
        // transformers rebuilds the template from add_bos_token/add_eos_token when the config sets
        // either; a flag it leaves out keeps what the file's template does.
        if (config.addBosTokenSet || config.addEosTokenSet) {
            const bool addBos = config.addBosTokenSet ? config.addBosToken : !specials.prefix.empty();
            const bool addEos = config.addEosTokenSet ? config.addEosToken : !specials.suffix.empty();
            tok->m_prefix.clear();
            tok->m_suffix.clear();
            if (addBos && tok->m_bosId) tok->m_prefix.push_back(*tok->m_bosId);
            if (addEos && tok->m_eosId) tok->m_suffix.push_back(*tok->m_eosId);
        }
        return std::unique_ptr<Tokenizer>(std::move(tok));
    } catch (const SpecError& e) {
        const std::string hint = e.code() == ErrorCode::Unsupported
                                     ? "; use the model's tokenizer.model instead if it has one"
                                     : "; re-download the model's tokenizer files";
        const std::string message = e.what();
        // Errors about tokenizer_config.json already name that file.
        if (message.find(kConfigFileName) != std::string::npos) return makeError(e.code(), message);
        return makeError(e.code(), where + ": " + message + hint);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "loading tokenizer " + where + " failed: " + e.what());
    }
}

Result<std::vector<int32_t>> HfTokenizer::encode(std::string_view text, bool addSpecial) const
{
    try {
        return encodeUnchecked(text, addSpecial);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "encoding with " + m_source + " failed: " + e.what());
    }
}

Result<std::string> HfTokenizer::decode(const std::vector<int32_t>& ids) const
{
    try {
        return decodeUnchecked(ids);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, "decoding with " + m_source + " failed: " + e.what());
    }
}

void HfTokenizer::encodeSection(std::string_view text, bool atStart, TextArena& arena, std::vector<PreToken>& pieces,
                                std::vector<int32_t>& ids) const
{
    pieces.clear();
    pieces.push_back({text, false, atStart});
    if (m_preTokenizer) m_preTokenizer->apply(pieces, arena);
    for (const PreToken& piece : pieces) m_model->encode(piece, ids);
}

// A stretch of text between non-normalized added tokens: normalize it, then cut out the added tokens
// that are matched in normalized form.
void HfTokenizer::encodeNormalized(std::string_view section, bool atStart, TextArena& arena, std::vector<PreToken>& pieces,
                                   std::vector<int32_t>& ids) const
{
    if (m_normalizer) {
        std::string normalized(section);
        m_normalizer->normalize(normalized);
        section = arena.keep(std::move(normalized));
    }
    if (section.empty()) return;
    if (!m_added.hasTokens(true)) {
        encodeSection(section, atStart, arena, pieces, ids);
        return;
    }
    std::vector<AddedVocabulary::Segment> segments;
    m_added.split(section, true, segments);
    for (const auto& segment : segments) {
        if (segment.id >= 0) ids.push_back(segment.id);
        else if (segment.end > segment.begin)
            encodeSection(section.substr(segment.begin, segment.end - segment.begin), atStart && segment.begin == 0, arena,
                          pieces, ids);
    }
}

Result<std::vector<int32_t>> HfTokenizer::encodeUnchecked(std::string_view text, bool addSpecial) const
{
    if (const size_t bad = utf8::firstInvalid(text); bad != std::string_view::npos)
        return makeError(ErrorCode::InvalidArgument, "text is not valid UTF-8 (byte " + std::to_string(bad) +
                                                         "); tokenizer.json tokenizers read Unicode text only");
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + m_prefix.size() + m_suffix.size() + 1);
    if (addSpecial) ids = m_prefix;
    TextArena arena;
    std::vector<PreToken> pieces;
    if (!m_added.hasTokens(false)) {
        encodeNormalized(text, true, arena, pieces, ids);
    } else {
        std::vector<AddedVocabulary::Segment> segments;
        m_added.split(text, false, segments);
        for (const auto& segment : segments) {
            if (segment.id >= 0) ids.push_back(segment.id);
            else if (segment.end > segment.begin)
                encodeNormalized(text.substr(segment.begin, segment.end - segment.begin), segment.begin == 0, arena, pieces, ids);
        }
    }
    if (addSpecial) ids.insert(ids.end(), m_suffix.begin(), m_suffix.end());
    return ids;
}

Result<std::string> HfTokenizer::decodeUnchecked(const std::vector<int32_t>& ids) const
{
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
        const int32_t id = ids[i];
        if (id < 0 || id >= m_vocabSize)
            return makeError(ErrorCode::InvalidArgument,
                             "token id " + std::to_string(id) + " at position " + std::to_string(i) +
                                 " is outside the vocabulary of " + m_source + " (0.." + std::to_string(m_vocabSize - 1) + ")");
        if (id == m_bosId || id == m_eosId) continue;
        if (const AddedToken* added = m_added.byId(id)) {
            if (!added->special) tokens.push_back(added->content);
            continue;
        }
        // Ids inside the range that the file leaves undefined decode to nothing, as in Hugging Face.
        if (const std::string* token = m_model->tokenOf(id)) tokens.push_back(*token);
    }
    if (m_decoder) m_decoder->decodeChain(tokens);
    std::string text;
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (i > 0 && !m_decoder) text += ' ';
        text += tokens[i];
    }
    return text;
}

}  // namespace lathe::tokenize
