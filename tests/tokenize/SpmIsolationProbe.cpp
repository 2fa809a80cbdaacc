// SpmIsolationProbe core|plain <tokenizer.model>
//   core:  loads the tokenizer through lathe_core (dlopen with RTLD_DEEPBIND) after using libtorch.
//   plain: dlopen()s the module without RTLD_DEEPBIND, which is what the isolation exists to avoid.
// Prints the ids of "Once upon a time" (no BOS) and exits 0, or prints why it failed and exits 1.
#include "SpmApi.h"

#include "lathe/tokenize/Tokenizer.h"

#include <ATen/ATen.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr const char* kText = "Once upon a time";

void printIds(const std::vector<int32_t>& ids)
{
    for (size_t i = 0; i < ids.size(); ++i) std::printf(i == 0 ? "%d" : " %d", ids[i]);
    std::printf("\n");
}

int viaCore(const char* model)
{
    auto tokenizer = lathe::tokenize::Tokenizer::load(model);
    if (!tokenizer) {
        std::printf("load failed: %s\n", tokenizer.error().message.c_str());
        return 1;
    }
    auto ids = (*tokenizer)->encode(kText, false);
    if (!ids) return 1;
    printIds(*ids);
    return 0;
}

int viaPlainDlopen(const char* model)
{
    void* handle = dlopen(LATHE_SPM_MODULE_FILE, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        std::printf("dlopen failed: %s\n", dlerror());
        return 1;
    }
    auto load = reinterpret_cast<LatheSpmLoadFn>(dlsym(handle, "lathe_spm_load"));
    auto encode = reinterpret_cast<LatheSpmEncodeFn>(dlsym(handle, "lathe_spm_encode"));
    if (load == nullptr || encode == nullptr) return 1;
    char error[512] = {};
    LatheSpm* spm = load(model, std::strlen(model), 0, error, sizeof error);
    if (spm == nullptr) {
        std::printf("load failed: %s\n", error);
        return 1;
    }
    std::vector<int32_t> ids(64);
    const int64_t n = encode(spm, kText, std::strlen(kText), ids.data(), ids.size());
    if (n < 0) return 1;
    ids.resize(static_cast<size_t>(n));
    printIds(ids);
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: SpmIsolationProbe core|plain <tokenizer.model>\n");
        return 2;
    }
    // Use libtorch first, so its libprotobuf is loaded and initialised before sentencepiece arrives.
    const at::Tensor product = at::matmul(at::ones({2, 2}), at::ones({2, 2}));
    if (product.sum().item<float>() != 8.0f) return 1;
    return std::strcmp(argv[1], "plain") == 0 ? viaPlainDlopen(argv[2]) : viaCore(argv[2]);
}
