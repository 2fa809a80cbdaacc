#pragma once

#include "lathe/common/Result.h"
#include "lathe/tokenize/Tokenizer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lathe::ui {

struct TokenPiece {
    std::int32_t id = 0;
    std::string text;  // what this token adds to the decoded text (empty for BOS/EOS and held-back bytes)
};

struct TokenPreview {
    std::vector<TokenPiece> pieces;  // at most `maxPieces`
    std::size_t totalTokens = 0;
    std::string engine;
    std::optional<std::int32_t> bosId, eosId;
};

// Tokenizes `text` as calibration does (special tokens added) and splits the decoded text per token.
Result<TokenPreview> previewTokens(const tokenize::Tokenizer& tokenizer, const std::string& text,
                                   std::size_t maxPieces);

// The first document of a local corpus, for the preview box. Errors: those of readLocalCorpus; NotFound when empty.
Result<std::string> firstCorpusDocument(const std::string& path);

}  // namespace lathe::ui
