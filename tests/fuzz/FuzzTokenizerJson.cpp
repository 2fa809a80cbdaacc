// tokenizer.json (tokenize/HfTokenizer): model, merges, added tokens, normalizers, pre-tokenizers and decoders.
// A tokenizer that loads must also encode and decode text in several scripts without failing on itself.
#include "FuzzSupport.h"
#include "tokenize/HfTokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    auto tokenizer = tokenize::HfTokenizer::load(fuzz::inputFile(data, size, "tokenizer.json"));
    if (!fuzz::accepted(tokenizer, "tokenizer.json")) return 0;
    static const char* const kTexts[] = {"Once upon a time, there was a little girl named Lily.",
                                         "Grüße aus Köln — 東京で会いましょう。 안녕하세요! 123 + 4.5e-6",
                                         "  <s>\t\n\xf0\x9f\x98\x80</s>  "};
    for (const char* text : kTexts) {
        auto ids = (*tokenizer)->encode(text);
        if (fuzz::accepted(ids, "tokenizer.json encode"))
            fuzz::accepted((*tokenizer)->decode(*ids), "tokenizer.json decode");
    }
    return 0;
}
