#pragma once
// tokenizer.json "pre_tokenizer": Sequence, Split (String/Regex pattern, every behavior, invert),
// ByteLevel (add_prefix_space, use_regex), Metaspace (replacement, prepend_scheme, split), Digits,
// Whitespace, WhitespaceSplit.

#include "PreToken.h"
#include "TokenizerJsonSpec.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe::tokenize {

class HfPreTokenizer {
public:
    virtual ~HfPreTokenizer() = default;
    // Replaces `pieces` by their split (empty pieces dropped); new text goes into `arena`.
    virtual void apply(std::vector<PreToken>& pieces, TextArena& arena) const = 0;

    // Null for a JSON null. Throws SpecError naming `path` for unknown or malformed components.
    static std::unique_ptr<HfPreTokenizer> fromJson(const Json& spec, const std::string& path);
};

}  // namespace lathe::tokenize
