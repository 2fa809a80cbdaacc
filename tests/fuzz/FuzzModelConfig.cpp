// config.json (ModelConfig). A config that parses must also survive its own round trip: what Lathe writes
// (modelConfigToJson) it must read back to the same JSON.
#include "FuzzSupport.h"
#include "lathe/model/ModelConfig.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto config = model::parseModelConfig(text, "config.json");
    if (!fuzz::accepted(config, "config.json")) return 0;
    const std::string written = model::modelConfigToJson(*config);
    auto again = model::parseModelConfig(written, "written config.json");
    if (!again || model::modelConfigToJson(*again) != written) {
        std::fprintf(stderr, "fuzz: a config Lathe wrote does not read back: %s\n",
                     again ? written.c_str() : again.error().message.c_str());
        std::abort();
    }
    return 0;
}
