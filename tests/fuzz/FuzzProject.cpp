// .lathe project files (project/Project): JSON, schema and version, every setting and the path rules.
#include "FuzzSupport.h"
#include "lathe/project/Project.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace lathe;
    auto settings = project::loadProject(fuzz::inputFile(data, size, "fuzz.lathe"));
    if (fuzz::accepted(settings, ".lathe project"))
        fuzz::accepted(project::validateProject(*settings), ".lathe validate");
    return 0;
}
