#include "CliSupport.h"

#include "lathe/model/Import.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace lathe::cli {

void addImportCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<model::ImportOptions>();
    CLI::App* cmd = app.add_subcommand("import",
                                       "Convert a GGUF (F32, F16, BF16, Q8_0, Q4_0; quantized tensors are dequantized) "
                                       "or llama2.c checkpoint into a Hugging Face model folder");
    cmd->add_option("--from,--source", options->sourcePath, "the .gguf or llama2.c .bin file")->required();
    cmd->add_option("--tokenizer,--tokenizer_path,--tokenizer-path", options->tokenizerPath,
                    "sentencepiece tokenizer.model to include (GGUF files carry their own)");
    cmd->add_option("--out,--out_dir,--out-dir", options->outDir, "the model folder to create")->required();
    cmd->add_flag("--force", options->force, "replace an existing, non-empty --out folder");
    cmd->callback([options, &exitCode] {
        auto result = importModel(*options, stderrProgress(), interruptToken());
        if (!result) {
            exitCode = reportError(result.error());
            return;
        }
        const model::ImportSummary& s = *result;
        for (const std::string& w : s.warnings) std::fprintf(stderr, "lathe: warning: %s\n", w.c_str());
        std::printf("imported %s (%s): %d tensors, %lld parameters, %s embeddings, tokenizer: %s\n",
                    options->sourcePath.c_str(), s.format.c_str(), s.tensorCount,
                    static_cast<long long>(s.parameterCount), s.tiedEmbeddings ? "tied" : "untied",
                    s.tokenizer.c_str());
        std::printf("wrote %s\n", s.outDir.c_str());
        exitCode = 0;
    });
}

}  // namespace lathe::cli
