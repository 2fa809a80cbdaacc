#include "lathe/calib/Calibration.h"

#include "calib/CalibManifest.h"
#include "calib/DatasetCache.h"
#include "calib/DocumentSource.h"
#include "calib/OptionsCheck.h"
#include "calib/WikipediaSource.h"
#include "common/AtomicFileWriter.h"
#include "common/FileLock.h"
#include "common/StagingFolder.h"
#include "export/EmbeddingTable.h"
#include "lathe/data/LocalCorpus.h"
#include "lathe/data/Npy.h"
#include "lathe/hub/ModelLocator.h"
#include "lathe/tokenize/ChatTemplateSource.h"
#include "lathe/tokenize/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

namespace fs = std::filesystem;

namespace lathe::calib {

namespace {

struct Inputs {
    std::unique_ptr<tokenize::Tokenizer> tokenizer;
    exports::EmbeddingTable embedding;
    ModelLimits limits;
    std::optional<tokenize::ChatTemplateSource> chatTemplate;  // set with --chat-template
};

std::string megabytes(std::int64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

Result<Inputs> loadInputs(const CalibrationOptions& o)
{
    std::string tokenizerPath = o.tokenizerPath;
    std::error_code ec;
    if (!fs::exists(tokenizerPath, ec)) {
        if (!hub::looksLikeRepoId(tokenizerPath))
            return makeError(ErrorCode::NotFound, "--tokenizer_path " + tokenizerPath + " does not exist");
        auto dir = hub::resolveModelDirectory(tokenizerPath);
        if (!dir) return dir.error().withContext("--tokenizer_path");
        tokenizerPath = *dir;
    }
    auto tokenizer = tokenize::Tokenizer::load(tokenizerPath);
    if (!tokenizer) return tokenizer.error().withContext("loading the tokenizer");
    const std::string dir =
        fs::is_directory(tokenizerPath, ec) ? tokenizerPath : fs::path(tokenizerPath).parent_path().string();
    auto limits = readModelLimits(dir.empty() ? "." : dir);
    if (!limits) return limits.error();
    if (limits->maxPositions && o.maxSeqLen > *limits->maxPositions)
        return makeError(ErrorCode::InvalidArgument,
                         "--max_seqlen " + std::to_string(o.maxSeqLen) + " is longer than the model's context (" +
                             "max_position_embeddings " + std::to_string(*limits->maxPositions) + " in " +
                             limits->configPath + ")");

    auto embedding = exports::EmbeddingTable::load(o.embeddingPath);
    if (!embedding) return embedding.error();
    const std::int64_t vocab = embedding->vocabSize(), hidden = embedding->hiddenSize();
    const std::string shape = "[" + std::to_string(vocab) + ", " + std::to_string(hidden) + "]";
    if (vocab < (*tokenizer)->vocabSize())
        return makeError(ErrorCode::InvalidArgument, "the embedding " + o.embeddingPath + " has " +
                                                         std::to_string(vocab) + " rows but the tokenizer has " +
                                                         std::to_string((*tokenizer)->vocabSize()) +
                                                         " tokens: embedding and tokenizer belong to different models");
    if (limits->hiddenSize && *limits->hiddenSize != hidden)
        return makeError(ErrorCode::InvalidArgument, "the embedding " + o.embeddingPath + " is " + shape + " but " +
                                                         limits->configPath + " says hidden_size " +
                                                         std::to_string(*limits->hiddenSize) +
                                                         ": embedding and model do not match");
    if (limits->vocabSize && *limits->vocabSize != vocab)
        return makeError(ErrorCode::InvalidArgument, "the embedding " + o.embeddingPath + " is " + shape + " but " +
                                                         limits->configPath + " says vocab_size " +
                                                         std::to_string(*limits->vocabSize) +
                                                         ": embedding and model do not match");
    std::optional<tokenize::ChatTemplateSource> chatTemplate;
    if (o.chatTemplate) {
        auto found = tokenize::ChatTemplateSource::find(dir.empty() ? "." : dir);
        if (!found) return found.error().withContext("--chat-template");
        chatTemplate = std::move(*found);
    }
    return Inputs{std::move(*tokenizer), std::move(*embedding), *limits, std::move(chatTemplate)};
}

Result<void> makeFolder(const fs::path& dir)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir, ec))
        return makeError(ErrorCode::Io, "cannot create the output folder " + dir.string() + ": " + ec.message() +
                                            " (choose an --output_dir you can write to)");
    return {};
}

class Builder {
public:
    Builder(const CalibrationOptions& o, Inputs& in, const ProgressFn& progress, const StopToken& stop)
        : m_o(o), m_in(in), m_progress(progress), m_stop(stop)
    {
    }

    // Writes up to `wanted` samples of one language from `source` into `dir` (its own folder, or the
    // multilingual folder, whose name `relativeDir` is inside the tag folder).
    Result<LanguageSummary> run(const std::string& language, int wanted, DocumentSource& source, const fs::path& dir,
                                const std::string& relativeDir, const fs::path& mergedDir, int mergedOffset,
                                const DatasetCache* cache)
    {
        LanguageSummary s;
        s.language = language;
        s.folder = dir.string();
        s.wanted = wanted;
        const std::int64_t fetchedBefore = cache ? cache->bytesFetched() : 0;
        const std::int64_t cachedBefore = cache ? cache->bytesFromCache() : 0;
        const std::int64_t hidden = m_in.embedding.hiddenSize();
        auto report = [&] {
            if (!m_progress) return;
            if (cache) {
                s.bytesFetched = cache->bytesFetched() - fetchedBefore;
                s.bytesFromCache = cache->bytesFromCache() - cachedBefore;
            }
            Progress p;
            p.stage = "calib " + language;
            p.detail = std::to_string(s.articlesRead) + " articles";
            if (cache)
                p.detail += ", " + megabytes(s.bytesFetched) + " fetched, " + megabytes(s.bytesFromCache) + " cached";
            p.done = s.samples;
            p.total = s.wanted;
            p.unit = "samples";
            m_progress(p);
        };
        report();
        while (s.samples < s.wanted) {
            if (m_stop.stopRequested()) return makeError(ErrorCode::Cancelled, "calibration data generation cancelled");
            auto next = source.next(m_stop);
            if (!next) return next.error().withContext("reading articles for '" + language + "'");
            if (!*next) {
                s.exhausted = true;
                break;
            }
            SourceDocument& doc = **next;
            ++s.articlesRead;
            if (s.articlesRead % 200 == 0) report();
            if (doc.document.text.empty()) {
                ++s.emptyArticles;
                continue;
            }
            auto ids = encodeText(doc.document.text);
            if (!ids) return ids.error().withContext("tokenizing article " + describe(doc));
            if (ids->empty()) {
                ++s.emptyArticles;
                continue;
            }
            const auto articleTokens = static_cast<std::int64_t>(ids->size());
            if (articleTokens < m_o.minSeqLen) {
                ++s.tooShort;
                continue;
            }
            if (articleTokens > m_o.maxSeqLen) {
                ids->resize(static_cast<std::size_t>(m_o.maxSeqLen));
                ++s.truncated;
            }
            for (const std::int32_t id : *ids)
                if (id < 0 || id >= m_in.embedding.vocabSize())
                    return makeError(ErrorCode::InvalidArgument,
                                     "the tokenizer produced id " + std::to_string(id) + " but the embedding has " +
                                         std::to_string(m_in.embedding.vocabSize()) + " rows");
            const std::vector<float> rows = m_in.embedding.lookup(*ids);
            const std::int64_t shape[] = {1, static_cast<std::int64_t>(ids->size()), hidden};
            const std::string name = calibrationSampleName(m_o.layout, language, s.samples);
            LATHE_TRY(data::writeNpy(dir / name, shape, rows));
            SampleRecord record;
            record.language = language;
            record.index = s.samples;
            record.file = relativeDir + "/" + name;
            if (!mergedDir.empty()) {
                record.merged = mergedOffset + s.samples;
                LATHE_TRY(data::writeNpy(mergedDir / ("inputs_embeds_" + std::to_string(*record.merged) + ".npy"),
                                         shape, rows));
            }
            record.tokens = static_cast<std::int64_t>(ids->size());
            record.articleTokens = articleTokens;
            record.shard = doc.shard;
            record.row = doc.row;
            record.id = doc.document.id;
            record.title = doc.document.title;
            if (!doc.shard.empty() && (m_shardsRead.empty() || m_shardsRead.back() != doc.shard))
                m_shardsRead.push_back(doc.shard);
            m_samples.push_back(std::move(record));
            ++s.samples;
            report();
        }
        report();
        return s;
    }

    std::vector<SampleRecord> takeSamples() { return std::move(m_samples); }
    std::vector<std::string> takeShardsRead() { return std::exchange(m_shardsRead, {}); }

private:
    // The text's token ids: with the tokenizer's own special tokens, or as a user turn written by the chat template.
    Result<std::vector<std::int32_t>> encodeText(const std::string& text) const
    {
        if (!m_in.chatTemplate) return m_in.tokenizer->encode(text, true);
        tokenize::ChatRequest request;
        // Bytes that are not UTF-8 become U+FFFD, as the tokenizer.json engine would refuse them anyway.
        request.conversationJson = nlohmann::json::array({{{"role", "user"}, {"content", text}}})
                                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        auto rendered = tokenize::renderChat(*m_in.chatTemplate, request);
        if (!rendered) return rendered.error();
        return m_in.tokenizer->encode(*rendered, false);
    }

    static std::string describe(const SourceDocument& d)
    {
        if (!d.shard.empty()) return d.shard + " row " + std::to_string(d.row);
        return "'" + d.document.id + "'";
    }

    const CalibrationOptions& m_o;
    Inputs& m_in;
    const ProgressFn& m_progress;
    const StopToken& m_stop;
    std::vector<SampleRecord> m_samples;
    std::vector<std::string> m_shardsRead;
};

std::string shortfallMessage(const LanguageSummary& s, int minSeqLen)
{
    return "'" + s.language + "': " + std::to_string(s.samples) + " of " + std::to_string(s.wanted) +
           " samples — the corpus ran out after " + std::to_string(s.articlesRead) + " articles (" +
           std::to_string(s.tooShort) + " shorter than " + std::to_string(minSeqLen) + " tokens, " +
           std::to_string(s.emptyArticles) + " empty)";
}

Result<CalibrationSummary> generate(const CalibrationOptions& options, const ProgressFn& progress,
                                    const StopToken& stop)
{
    const CalibrationOptions o = resolvedOptions(options);
    LATHE_TRY(checkOptions(o));
    auto inputs = loadInputs(o);
    if (!inputs) return inputs.error();

    ManifestData manifest;
    manifest.options = &o;
    manifest.tagFolderName = modelTagFolder(o.modelTag);
    manifest.tokenizerEngine = inputs->tokenizer->engineName();
    manifest.tokenizerVocab = inputs->tokenizer->vocabSize();
    manifest.bosId = inputs->tokenizer->bosId();
    manifest.embeddingVocab = inputs->embedding.vocabSize();
    manifest.embeddingHidden = inputs->embedding.hiddenSize();
    manifest.embeddingDtype = inputs->embedding.storedDtype();
    manifest.modelMaxPositions = inputs->limits.maxPositions;

    // Every source is opened (and every language's config found) before the first sample is written.
    std::unique_ptr<DatasetCache> cache;
    std::vector<std::vector<hub::RepoFile>> shards;
    std::vector<data::TextDocument> localDocuments;
    if (!o.textFile.empty()) {
        manifest.sourceKind = "file";
        auto docs = data::readLocalCorpus(o.textFile, {}, stop);
        if (!docs) return docs.error().withContext("reading --text-file");
        localDocuments = std::move(*docs);
    } else {
        manifest.sourceKind = "hub";
        const fs::path root = o.cacheDir.empty() ? DatasetCache::defaultRoot() : fs::path(o.cacheDir);
        cache = std::make_unique<DatasetCache>(hub::HubConfig::fromEnvironment(), o.dataset, root);
        auto commit = cache->resolveCommit(o.datasetRevision, stop);
        if (!commit) return commit.error().withContext("dataset " + o.dataset);
        manifest.datasetCommit = *commit;
        for (const std::string& lang : o.languages) {
            const std::string config = o.dumpDate + "." + lang;
            auto files = cache->listFolder(*commit, config, stop);
            if (!files) {
                if (files.error().code == ErrorCode::NotFound && !cache->offline())
                    return makeError(ErrorCode::NotFound, o.dataset + " has no config '" + config + "' at " +
                                                              o.datasetRevision + " (language '" + lang +
                                                              "'): check the language code and --dump_date");
                return files.error().withContext("listing " + o.dataset + " config " + config);
            }
            std::vector<hub::RepoFile> parquet;
            for (auto& f : *files)
                if (f.path.size() > 8 && f.path.ends_with(".parquet")) parquet.push_back(std::move(f));
            std::sort(parquet.begin(), parquet.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
            if (parquet.empty())
                return makeError(ErrorCode::NotFound, o.dataset + " config '" + config + "' holds no parquet files");
            manifest.configs.push_back(config);
            shards.push_back(std::move(parquet));
        }
    }

    CalibrationSummary summary;
    const CalibrationFolders folders = calibrationFolders(o);
    const fs::path tagDir = folders.tagFolder;
    summary.tagFolder = folders.tagFolder;
    summary.multilingualFolder = folders.multilingualFolder;
    summary.datasetCommit = manifest.datasetCommit;
    // Held until the samples and the manifest are written: a second run into the same folder (the CLI and the
    // Studio alike) is refused instead of interleaving its samples with this one's.
    LATHE_TRY(makeFolder(tagDir));
    auto lock = FileLock::tryLock(tagDir.string(), "another calibration run is writing " + tagDir.string() +
                                                       " (the same --output_dir and --model_tag); wait for it to "
                                                       "finish, or choose another --output_dir");
    if (!lock) return lock.error();
    // Everything is written into a staging folder beside the tag folder and swapped in when complete: a run that
    // fails, is cancelled or fills the disk leaves an earlier run's samples and manifest as they were.
    auto staged = StagingFolder::create(tagDir);
    if (!staged) return staged.error();
    const fs::path stage = staged->path();
    fs::path mergedDir;
    if (o.merge) {
        mergedDir = stage / fs::path(folders.mergedFolder).filename();
        LATHE_TRY(makeFolder(mergedDir));
        summary.mergedFolder = folders.mergedFolder;
    }
    const bool multilingual = o.layout == CalibrationLayout::Multilingual;
    if (multilingual) LATHE_TRY(makeFolder(stage / kMultilingualFolder));
    const std::vector<int> wanted = samplesPerLanguage(o.layout, o.maxCalib, o.languages.size());
    Builder builder(o, *inputs, progress, stop);
    int mergedCount = 0;
    for (std::size_t i = 0; i < o.languages.size(); ++i) {
        const std::string& lang = o.languages[i];
        const std::string relativeDir = multilingual ? std::string(kMultilingualFolder) : lang;
        const fs::path dir = stage / relativeDir;
        if (!multilingual) LATHE_TRY(makeFolder(dir));
        std::unique_ptr<DocumentSource> source;
        if (cache)
            source = std::make_unique<WikipediaSource>(*cache, manifest.datasetCommit, shards[i]);
        else
            source = std::make_unique<LocalDocumentSource>(std::move(localDocuments));
        auto result = builder.run(lang, wanted[i], *source, dir, relativeDir, mergedDir, mergedCount, cache.get());
        if (!result) return result.error();
        result->folder = (tagDir / relativeDir).string();
        manifest.shardsRead.push_back(builder.takeShardsRead());
        if (result->samples == 0)
            return makeError(ErrorCode::NotFound, "no calibration sample for " +
                                                      shortfallMessage(*result, o.minSeqLen) +
                                                      ": lower --min_seqlen or use a larger corpus");
        if (result->samples < result->wanted) summary.warnings.push_back(shortfallMessage(*result, o.minSeqLen));
        mergedCount += result->samples;
        summary.languages.push_back(*result);
    }

    manifest.languages = summary.languages;
    manifest.samples = builder.takeSamples();
    summary.manifestPath = folders.manifestPath;
    LATHE_TRY(writeFileAtomically((stage / "manifest.json").string(), manifestJson(manifest)));
    if (stop.stopRequested()) return makeError(ErrorCode::Cancelled, "calibration cancelled");
    // Other languages' folders from earlier runs stay; this run's folders and the manifest are replaced. An earlier
    // run of the other layout is replaced whole, so that a compile of the tag folder never reads both layouts.
    auto earlier = readCalibrationLayout(folders.manifestPath);
    const bool otherLayout = earlier && *earlier != o.layout;
    LATHE_TRY(staged->commit(tagDir, otherLayout ? StagingFolder::OldEntries::Drop : StagingFolder::OldEntries::Keep));
    return summary;
}

}  // namespace

const char* calibrationLayoutName(CalibrationLayout layout)
{
    return layout == CalibrationLayout::Multilingual ? "multilingual" : "per-language";
}

std::optional<CalibrationLayout> parseCalibrationLayout(const std::string& name)
{
    if (name == "per-language") return CalibrationLayout::PerLanguage;
    if (name == "multilingual") return CalibrationLayout::Multilingual;
    return std::nullopt;
}

std::vector<std::string> defaultCalibrationLanguages(CalibrationLayout layout)
{
    if (layout == CalibrationLayout::Multilingual) return {"en", "de", "fr", "it", "pt", "hi", "es", "th"};
    return {"en"};
}

std::vector<int> samplesPerLanguage(CalibrationLayout layout, int maxCalib, std::size_t languages)
{
    if (layout == CalibrationLayout::PerLanguage || languages == 0) return std::vector<int>(languages, maxCalib);
    const int n = static_cast<int>(languages);
    std::vector<int> out(languages, maxCalib / n);
    for (int i = 0; i < maxCalib % n; ++i) ++out[static_cast<std::size_t>(i)];
    return out;
}

std::string calibrationSampleName(CalibrationLayout layout, const std::string& language, int index)
{
    const std::string name = "inputs_embeds_" + std::to_string(index) + ".npy";
    return layout == CalibrationLayout::Multilingual ? language + "_" + name : name;
}

std::string CalibrationFolders::compileFolder() const
{
    if (!multilingualFolder.empty()) return multilingualFolder;
    if (!mergedFolder.empty()) return mergedFolder;
    return tagFolder;
}

CalibrationFolders calibrationFolders(const CalibrationOptions& options)
{
    const fs::path tagDir = fs::path(options.outputDir) / "datas" / modelTagFolder(options.modelTag);
    CalibrationFolders folders;
    folders.tagFolder = tagDir.string();
    if (options.merge) folders.mergedFolder = (tagDir / "merged").string();
    if (options.layout == CalibrationLayout::Multilingual)
        folders.multilingualFolder = (tagDir / kMultilingualFolder).string();
    folders.manifestPath = (tagDir / "manifest.json").string();
    return folders;
}

Result<CalibrationSummary> generateCalibration(const CalibrationOptions& options, const ProgressFn& progress,
                                               const StopToken& stop)
{
    try {
        return generate(options, progress, stop);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, std::string("generating calibration data failed: ") + e.what());
    }
}

}  // namespace lathe::calib
