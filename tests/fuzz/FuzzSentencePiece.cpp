// sentencepiece models, loaded through the isolated lathe_spm module exactly as Lathe loads them (from bytes),
// then an encode, a decode and a walk over the vocabulary. This target links no libtorch: the module's bundled
// protobuf needs no RTLD_DEEPBIND here, which AddressSanitizer would refuse (see tokenize/SpmLibrary.cpp).
#include "FuzzSupport.h"
#include "tokenize/SpmLibrary.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    auto library = tokenize::SpmLibrary::instance();
    if (!library) {
        std::fprintf(stderr, "fuzz: %s\n", library.error().message.c_str());
        std::abort();
    }
    const tokenize::SpmLibrary& spm = **library;
    char error[512];
    LatheSpm* model = spm.lathe_spm_load(reinterpret_cast<const char*>(data), size, 1, error, sizeof error);
    if (model == nullptr) return 0;
    static const char kText[] = "Once upon a time, Grüße 東京 안녕하세요 \xf0\x9f\x98\x80 123";
    std::vector<std::int32_t> ids(256);
    const std::int64_t count = spm.lathe_spm_encode(model, kText, sizeof kText - 1, ids.data(), ids.size());
    if (count >= 0) {
        ids.resize(static_cast<std::size_t>(count) <= ids.size() ? static_cast<std::size_t>(count) : ids.size());
        std::vector<char> text(1024);
        spm.lathe_spm_decode(model, ids.data(), ids.size(), text.data(), text.size());
    }
    const std::int32_t vocab = spm.lathe_spm_vocab_size(model);
    for (int which = 0; which < 4; ++which) spm.lathe_spm_special_id(model, which);
    char piece[256];
    for (std::int32_t id = 0; id < vocab && id < 4096; ++id) {
        spm.lathe_spm_piece(model, id, piece, sizeof piece);
        spm.lathe_spm_score(model, id);
        spm.lathe_spm_piece_type(model, id);
    }
    spm.lathe_spm_free(model);
    return 0;
}
