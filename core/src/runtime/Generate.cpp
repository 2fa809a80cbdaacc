#include "lathe/runtime/Generate.h"

#include "lathe/common/ComputeThreads.h"
#include "runtime/GenerationLoop.h"
#include "runtime/LoadedModel.h"

namespace lathe::runtime {

Result<GenerateResult> generate(const GenerateOptions& options, const std::function<void(std::string_view)>& onText,
                                StopToken stop)
{
    LATHE_TRY(checkGenerateOptions(options));
    auto model = loadModelForRun(options.modelPath, options.mxqPath, options.embeddingPath, {}, stop);
    if (!model) return model.error();
    setComputeThreads(options.threads, model->decoder->config().hiddenSize);

    return guarded<GenerateResult>("generating with " + model->directory, [&]() -> Result<GenerateResult> {
        auto prompt = model->tokenizer->encode(options.prompt, /*addSpecial=*/true);
        if (!prompt) return prompt.error().withContext("tokenizing the prompt");
        auto stopAt = stopIds(*model);
        if (!stopAt) return stopAt.error();
        return runGeneration(*model, *prompt, options, *stopAt, onText, stop);
    });
}

}  // namespace lathe::runtime
