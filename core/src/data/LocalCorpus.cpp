#include "lathe/data/LocalCorpus.h"

#include "common/FileIo.h"
#include "data/Utf8.h"
#include "lathe/data/Parquet.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace lathe::data {

namespace {

std::string lowercaseExtension(const std::filesystem::path& path)
{
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

bool isBlank(std::string_view line)
{
    return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Calls onLine(lineNumber, line) for each line (1-based, '\r' stripped); stops when it returns false.
template <typename OnLine>
void forEachLine(std::string_view text, OnLine&& onLine)
{
    std::size_t start = 0, number = 1;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!onLine(number, line)) return;
        start = end + 1;
        ++number;
    }
}

Result<std::string> readUtf8Text(const std::filesystem::path& path)
{
    auto file = readWholeFile(path.string());
    if (!file) return file.error();
    std::string text = std::move(*file);
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (const auto bad = firstInvalidUtf8(text)) {
        const auto line = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(*bad), '\n') + 1;
        return makeError(ErrorCode::Corrupt, path.string() + ":" + std::to_string(line) + ": invalid UTF-8 (byte " +
                                                 std::to_string(*bad) + "); convert the file to UTF-8");
    }
    return text;
}

bool reachedLimit(const std::vector<TextDocument>& docs, const LocalCorpusOptions& options)
{
    return options.maxDocuments && docs.size() >= *options.maxDocuments;
}

Result<std::vector<TextDocument>> readTxt(const std::filesystem::path& path, const LocalCorpusOptions& options,
                                          const StopToken& stop)
{
    auto text = readUtf8Text(path);
    if (!text) return text.error();
    std::vector<TextDocument> docs;
    std::string current;
    auto flush = [&] {
        if (!current.empty() && !reachedLimit(docs, options))
            docs.push_back({std::to_string(docs.size()), {}, std::move(current)});
        current.clear();
    };
    bool cancelled = false;
    forEachLine(*text, [&](std::size_t number, std::string_view line) {
        if (number % 4096 == 0 && stop.stopRequested()) {
            cancelled = true;
            return false;
        }
        if (isBlank(line)) {
            flush();
            return !reachedLimit(docs, options);
        }
        if (!current.empty()) current.push_back('\n');
        current.append(line);
        return true;
    });
    if (cancelled) return makeError(ErrorCode::Cancelled, path.string() + ": reading cancelled");
    flush();
    return docs;
}

Result<std::vector<TextDocument>> readJsonl(const std::filesystem::path& path, const LocalCorpusOptions& options,
                                            const StopToken& stop)
{
    auto text = readUtf8Text(path);
    if (!text) return text.error();
    std::vector<TextDocument> docs;
    std::optional<Error> error;
    forEachLine(*text, [&](std::size_t number, std::string_view line) {
        const std::string where = path.string() + ":" + std::to_string(number) + ": ";
        if (number % 4096 == 0 && stop.stopRequested()) {
            error = makeError(ErrorCode::Cancelled, path.string() + ": reading cancelled");
            return false;
        }
        if (isBlank(line)) return true;
        nlohmann::json record;
        try {
            record = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            error = makeError(ErrorCode::Corrupt, where + "not valid JSON (" + e.what() + ")");
            return false;
        }
        if (!record.is_object()) {
            error = makeError(ErrorCode::Corrupt, where + "expected a JSON object per line");
            return false;
        }
        const auto textIt = record.find(options.textField);
        if (textIt == record.end() || !(textIt->is_string() || textIt->is_null())) {
            error = makeError(ErrorCode::Corrupt,
                              where + "no string field \"" + options.textField + "\" (each line needs one)");
            return false;
        }
        if (textIt->is_null() || textIt->get_ref<const std::string&>().empty()) return true;
        TextDocument doc;
        doc.text = textIt->get<std::string>();
        doc.id = std::to_string(number);
        if (const auto id = record.find("id"); id != record.end()) {
            if (id->is_string())
                doc.id = id->get<std::string>();
            else if (id->is_number_integer())
                doc.id = id->dump();
        }
        if (const auto title = record.find("title"); title != record.end() && title->is_string())
            doc.title = title->get<std::string>();
        docs.push_back(std::move(doc));
        return !reachedLimit(docs, options);
    });
    if (error) return *error;
    return docs;
}

Result<std::vector<TextDocument>> readParquetCorpus(const std::filesystem::path& path,
                                                    const LocalCorpusOptions& options, const StopToken& stop)
{
    auto metadata = readParquetMetadata(path);
    if (!metadata) return metadata.error();
    std::vector<std::string> columns{options.textField};
    auto stringColumn = [&](const char* name) {
        const auto index = metadata->findColumn(name);
        return index && metadata->columns[*index].physicalType == 6 &&
               metadata->columns[*index].maxRepetitionLevel == 0 && options.textField != name;
    };
    const bool hasId = stringColumn("id"), hasTitle = stringColumn("title");
    if (hasId) columns.push_back("id");
    if (hasTitle) columns.push_back("title");

    std::vector<TextDocument> docs;
    std::optional<Error> error;
    std::int64_t row = 0;
    auto scanned = scanStringColumns(
        path, columns,
        [&](std::vector<std::vector<std::optional<std::string>>>&& group) {
            auto& texts = group[0];
            for (std::size_t i = 0; i < texts.size(); ++i, ++row) {
                if (!texts[i] || texts[i]->empty()) continue;
                if (const auto bad = firstInvalidUtf8(*texts[i])) {
                    error = makeError(ErrorCode::Corrupt, path.string() + ": row " + std::to_string(row) +
                                                              ": column '" + options.textField +
                                                              "' holds invalid UTF-8 at byte " + std::to_string(*bad));
                    return false;
                }
                TextDocument doc;
                doc.text = std::move(*texts[i]);
                doc.id = std::to_string(row);
                std::size_t next = 1;
                if (hasId) {
                    if (const auto& id = group[next][i]) doc.id = *id;
                    ++next;
                }
                if (hasTitle && group[next][i]) doc.title = *group[next][i];
                docs.push_back(std::move(doc));
                if (reachedLimit(docs, options)) return false;
            }
            return true;
        },
        stop);
    if (error) return *error;
    if (!scanned) return scanned.error();
    return docs;
}

}  // namespace

Result<std::vector<TextDocument>> readLocalCorpus(const std::filesystem::path& path, const LocalCorpusOptions& options,
                                                  const StopToken& stop)
{
    if (options.maxDocuments && *options.maxDocuments == 0) return std::vector<TextDocument>{};
    const std::string ext = lowercaseExtension(path);
    try {
        if (ext == ".txt") return readTxt(path, options, stop);
        if (ext == ".jsonl") return readJsonl(path, options, stop);
        if (ext == ".parquet") return readParquetCorpus(path, options, stop);
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Internal, path.string() + ": out of memory while reading the corpus");
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Internal, path.string() + ": " + e.what());
    }
    return makeError(ErrorCode::Unsupported,
                     path.string() + ": unknown corpus format '" + ext + "'; use a .txt, .jsonl or .parquet file");
}

}  // namespace lathe::data
