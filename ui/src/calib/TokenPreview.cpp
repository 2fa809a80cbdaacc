#include "calib/TokenPreview.h"

#include "lathe/data/LocalCorpus.h"
#include "lathe/tokenize/StreamingDecoder.h"

#include <algorithm>

namespace lathe::ui {

Result<TokenPreview> previewTokens(const tokenize::Tokenizer& tokenizer, const std::string& text, std::size_t maxPieces)
{
    auto ids = tokenizer.encode(text, true);
    if (!ids) return ids.error();
    TokenPreview preview;
    preview.totalTokens = ids->size();
    preview.engine = tokenizer.engineName();
    preview.bosId = tokenizer.bosId();
    preview.eosId = tokenizer.eosId();
    // Per-token decode would drop sentencepiece's word-initial spaces; the streaming decoder keeps them.
    tokenize::StreamingDecoder decoder(tokenizer);
    const std::size_t count = std::min(maxPieces, ids->size());
    for (std::size_t i = 0; i < count; ++i) {
        auto piece = decoder.push((*ids)[i]);
        if (!piece) return piece.error();
        preview.pieces.push_back({(*ids)[i], std::move(piece.value())});
    }
    if (!preview.pieces.empty()) preview.pieces.back().text += decoder.finish();
    return preview;
}

Result<std::string> firstCorpusDocument(const std::string& path)
{
    data::LocalCorpusOptions options;
    options.maxDocuments = 1;
    auto docs = data::readLocalCorpus(path, options);
    if (!docs) return docs.error();
    if (docs->empty()) return makeError(ErrorCode::NotFound, path + " holds no non-empty document");
    return docs->front().text;
}

}  // namespace lathe::ui
