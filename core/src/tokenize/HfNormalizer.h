#pragma once
// tokenizer.json "normalizer": Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD (via ICU), Lowercase, Strip.

#include "TokenizerJsonSpec.h"

#include <memory>
#include <string>

namespace lathe::tokenize {

class HfNormalizer {
public:
    virtual ~HfNormalizer() = default;
    // Rewrites valid UTF-8 text in place; the result is valid UTF-8.
    virtual void normalize(std::string& text) const = 0;

    // Null for a JSON null. Throws SpecError naming `path` for unknown or malformed components.
    static std::unique_ptr<HfNormalizer> fromJson(const Json& spec, const std::string& path);
};

}  // namespace lathe::tokenize
