#pragma once
// What tokenizer.json's "post_processor" adds around a single sequence when special tokens are
// requested: TemplateProcessing, RobertaProcessing/BertProcessing (cls … sep), ByteLevel (changes only
// offsets, so nothing here) and Sequence of those.

#include "TokenizerJsonSpec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lathe::tokenize {

struct SpecialTokenTemplate {
    std::vector<int32_t> prefix;
    std::vector<int32_t> suffix;

    // Throws SpecError naming `path` for unknown processors or malformed templates.
    static SpecialTokenTemplate fromJson(const Json& spec, const std::string& path);
};

}  // namespace lathe::tokenize
