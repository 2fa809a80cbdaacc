#pragma once
// tokenizer.json "decoder": Sequence, ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip.

#include "TokenizerJsonSpec.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe::tokenize {

class HfDecoder {
public:
    virtual ~HfDecoder() = default;
    // Hugging Face's decode_chain: token strings in, token strings out; the caller concatenates them.
    virtual void decodeChain(std::vector<std::string>& tokens) const = 0;

    // Null for a JSON null. Throws SpecError naming `path` for unknown or malformed components.
    static std::unique_ptr<HfDecoder> fromJson(const Json& spec, const std::string& path);
};

}  // namespace lathe::tokenize
