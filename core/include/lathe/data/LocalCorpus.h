#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/data/TextDocument.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lathe::data {

struct LocalCorpusOptions {
    std::optional<std::size_t> maxDocuments;  // stop after this many documents
    std::string textField = "text";           // .jsonl field / .parquet column holding the text
};

// Reads a local corpus, chosen by extension:
//   .txt      documents are separated by blank lines; id = position ("0", "1", ...), no title
//   .jsonl    one JSON object per line with a string `text` field; `id` (string or number) and `title` used when
//   present .parquet  a string `text` column, plus `id`/`title` string columns when present
// Documents whose text is empty or null are skipped. Errors: NotFound, Io, Unsupported (other extension),
// Corrupt (invalid UTF-8 or malformed JSON, naming the line or row), Cancelled when `stop` fires.
Result<std::vector<TextDocument>> readLocalCorpus(const std::filesystem::path& path,
                                                  const LocalCorpusOptions& options = {},
                                                  const StopToken& stop = StopToken());

}  // namespace lathe::data
