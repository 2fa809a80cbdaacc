#include "CliSupport.h"

#include "lathe/calib/Calibration.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace lathe::cli {

namespace {

// "en,de, fr" → {"en", "de", "fr"}; --languages may also be repeated.
std::vector<std::string> splitLanguages(const std::vector<std::string>& values)
{
    std::vector<std::string> out;
    for (const std::string& value : values) {
        std::string item;
        for (const char c : value + ",") {
            if (c == ',') {
                if (!item.empty()) out.push_back(item);
                item.clear();
            } else if (c != ' ') {
                item += c;
            }
        }
    }
    return out;
}

int run(calib::CalibrationOptions options, const std::vector<std::string>& languages)
{
    if (!languages.empty()) options.languages = splitLanguages(languages);
    auto summary = calib::generateCalibration(options, stderrProgress(), interruptToken());
    if (!summary) return reportError(summary.error());
    for (const std::string& w : summary->warnings) std::fprintf(stderr, "lathe: warning: %s\n", w.c_str());
    int total = 0;
    for (const auto& l : summary->languages) {
        std::printf(
            "%-6s %d/%d samples (%lld articles read, %lld shorter than %d tokens, %lld empty, %lld truncated) -> %s\n",
            l.language.c_str(), l.samples, l.wanted, static_cast<long long>(l.articlesRead),
            static_cast<long long>(l.tooShort), options.minSeqLen, static_cast<long long>(l.emptyArticles),
            static_cast<long long>(l.truncated), l.folder.c_str());
        total += l.samples;
    }
    if (!summary->mergedFolder.empty()) std::printf("merged %d samples -> %s\n", total, summary->mergedFolder.c_str());
    if (!summary->multilingualFolder.empty())
        std::printf("multilingual %d samples -> %s\n", total, summary->multilingualFolder.c_str());
    if (!summary->datasetCommit.empty())
        std::printf("dataset %s @ %s\n", options.dataset.c_str(), summary->datasetCommit.c_str());
    std::printf("manifest %s\n", summary->manifestPath.c_str());
    return 0;
}

}  // namespace

void addGenerateCalibCommand(CLI::App& app, int& exitCode)
{
    auto options = std::make_shared<calib::CalibrationOptions>();
    auto languages = std::make_shared<std::vector<std::string>>();
    auto layout = std::make_shared<std::string>(calib::calibrationLayoutName(calib::CalibrationLayout::PerLanguage));
    CLI::App* cmd = app.add_subcommand(
        "generate-calib", "Make calibration samples (inputs_embeds_<i>.npy) from Wikipedia or a local corpus");
    cmd->add_option("--model_tag,--model-tag", options->modelTag, "model id; names the output folder")->required();
    cmd->add_option("--embedding_path,--embedding-path", options->embeddingPath,
                    "embedding.pt from download-model (float32/bfloat16/float16 [vocab, hidden])")
        ->required();
    cmd->add_option("--tokenizer_path,--tokenizer-path", options->tokenizerPath,
                    "tokenizer file, model folder, or a repo id in the Hugging Face cache")
        ->required();
    cmd->add_option("--output_dir,--output-dir", options->outputDir, "output folder (default ./calib)");
    cmd->add_option("--min_seqlen,--min-seqlen", options->minSeqLen, "skip articles with fewer tokens (default 512)");
    cmd->add_option("--max_seqlen,--max-seqlen", options->maxSeqLen, "truncate longer articles (default 2048)");
    cmd->add_option("--max_calib,--max-calib", options->maxCalib,
                    "samples per language; with --layout multilingual, samples in all, split evenly over the "
                    "languages (default 128)");
    cmd->add_option("--languages,--language", *languages,
                    "comma-separated Wikipedia languages, e.g. en,de,fr,es,it,ja,ko,zh (default en; with --layout "
                    "multilingual en,de,fr,it,pt,hi,es,th)");
    cmd->add_option("--layout", *layout,
                    "per-language: <lang>/inputs_embeds_<i>.npy (the original tutorial, default); multilingual: "
                    "multilingual/<lang>_inputs_embeds_<i>.npy (the newer tutorial)")
        ->check(CLI::IsMember(
            std::vector<std::string>{calib::calibrationLayoutName(calib::CalibrationLayout::PerLanguage),
                                     calib::calibrationLayoutName(calib::CalibrationLayout::Multilingual)}));
    cmd->add_option("--dataset", options->dataset, "Hub dataset (default wikimedia/wikipedia)");
    cmd->add_option("--dataset_revision,--dataset-revision", options->datasetRevision,
                    "dataset branch, tag or commit (default main)");
    cmd->add_option("--dump_date,--dump-date", options->dumpDate,
                    "Wikipedia dump; configs are <dump_date>.<language> (default 20231101)");
    cmd->add_option("--text_file,--text-file", options->textFile,
                    "use a local .txt/.jsonl/.parquet corpus instead of the Hub; samples go to the folder "
                    "named by --languages (default en)");
    cmd->add_option("--cache_dir,--cache-dir", options->cacheDir,
                    "cache of dataset bytes already read (default $HF_HOME/lathe/datasets)");
    cmd->add_flag("--merge", options->merge, "also write all languages into <tag>/merged/, renumbered");
    cmd->add_flag("--chat_template,--chat-template", options->chatTemplate,
                  "wrap each text as a user turn with the chat template of the tokenizer's model (for Instruct "
                  "models); the template writes the special tokens");
    cmd->callback([options, languages, layout, &exitCode] {
        options->layout = calib::parseCalibrationLayout(*layout).value_or(calib::CalibrationLayout::PerLanguage);
        exitCode = run(*options, *languages);
    });
}

}  // namespace lathe::cli
