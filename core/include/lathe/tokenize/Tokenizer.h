#pragma once

#include "lathe/common/Result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lathe::tokenize {

// One interface over the tokenizer engines Lathe supports. Instances are immutable after load and
// safe to use from several threads.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Loads from a tokenizer file (tokenizer.json / tokenizer.model) or a model directory, picking the
    // engine from what is there (a directory: tokenizer.json first, as AutoTokenizer does). BOS/EOS rules
    // come from tokenizer_config.json next to the file when present. Errors: NotFound, Corrupt,
    // Unsupported (a tokenizer.json component Lathe does not implement, named with its JSON path), Io,
    // each naming the file; NotFound/Corrupt also when the sentencepiece module cannot be loaded (the
    // message lists the paths tried; LATHE_SPM_MODULE overrides the search).
    static Result<std::unique_ptr<Tokenizer>> load(const std::string& path);

    // Text → ids. With addSpecial, BOS/EOS are added exactly as AutoTokenizer(text) would. Errors:
    // InvalidArgument from the tokenizer.json engine when the text is not valid UTF-8.
    virtual Result<std::vector<int32_t>> encode(std::string_view text, bool addSpecial = true) const = 0;
    // Ids → text; special/control tokens are skipped. Errors: InvalidArgument for out-of-range ids.
    virtual Result<std::string> decode(const std::vector<int32_t>& ids) const = 0;

    virtual int32_t vocabSize() const = 0;
    virtual std::optional<int32_t> bosId() const = 0;
    virtual std::optional<int32_t> eosId() const = 0;
    virtual std::string engineName() const = 0;  // "sentencepiece", "tokenizer.json"
};

}  // namespace lathe::tokenize
