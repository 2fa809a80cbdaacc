// llama.cpp's own quantizer, as its users run it: loads libllama (node-llama-cpp's prebuilt build) and calls
// llama_model_quantize with "pure" set, so every weight tensor gets the one type (Q4_0 or Q8_0; rows whose width is
// not a multiple of 32 fall back to F16, llama.cpp's rule) and only the quantizer differs from a Lathe export.
//
//   llama-quantize-peer <libllama.so> <input.gguf> <output.gguf> q4_0|q8_0
//
// llama.h is not installed with the binaries, so the parameter struct is reached by the offsets of its leading
// fields (int32 nthread, int32 ftype, two int32 tensor types, then bools allow_requantize, quantize_output_tensor,
// only_copy, pure); the defaults the library returns are checked against those offsets before anything is set.
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

struct Params {
    unsigned char bytes[256];  // larger than the library's struct, which is returned through a hidden pointer
};

constexpr size_t kNThread = 0, kFType = 4, kQuantizeOutput = 0x11, kPure = 0x13;
constexpr int32_t kFTypeQ4_0 = 2, kFTypeQ8_0 = 7;

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: llama-quantize-peer <libllama.so> <input.gguf> <output.gguf> q4_0|q8_0\n");
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    auto defaults = reinterpret_cast<Params (*)()>(dlsym(lib, "llama_model_quantize_default_params"));
    auto quantize =
        reinterpret_cast<uint32_t (*)(const char*, const char*, const Params*)>(dlsym(lib, "llama_model_quantize"));
    auto init = reinterpret_cast<void (*)()>(dlsym(lib, "llama_backend_init"));
    if (!defaults || !quantize) {
        std::fprintf(stderr, "%s does not export llama_model_quantize\n", argv[1]);
        return 1;
    }
    if (init) init();
    Params p = defaults();
    int32_t nthread = -1, ftype = -1;
    std::memcpy(&nthread, p.bytes + kNThread, 4);
    std::memcpy(&ftype, p.bytes + kFType, 4);
    if (nthread != 0 || ftype != kFTypeQ8_0 || p.bytes[kQuantizeOutput] != 1 || p.bytes[kPure] != 0) {
        std::fprintf(stderr, "llama_model_quantize_params does not have the expected layout (nthread %d, ftype %d)\n",
                     nthread, ftype);
        return 1;
    }
    const std::string type = argv[4];
    nthread = 1;
    ftype = type == "q4_0" ? kFTypeQ4_0 : type == "q8_0" ? kFTypeQ8_0 : -1;
    if (ftype < 0) {
        std::fprintf(stderr, "type must be q4_0 or q8_0\n");
        return 2;
    }
    std::memcpy(p.bytes + kNThread, &nthread, 4);
    std::memcpy(p.bytes + kFType, &ftype, 4);
    p.bytes[kPure] = 1;
    const uint32_t rc = quantize(argv[2], argv[3], &p);
    if (rc != 0) std::fprintf(stderr, "llama_model_quantize failed (%u)\n", rc);
    return rc == 0 ? 0 : 1;
}
