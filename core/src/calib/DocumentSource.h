#pragma once

#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"
#include "lathe/data/TextDocument.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lathe::calib {

// One article, with where it came from so the manifest can name it.
struct SourceDocument {
    data::TextDocument document;  // text empty for null/empty rows
    std::string shard;            // Hub source: repo path of the parquet shard; empty for local corpora
    std::int64_t row = -1;        // Hub source: row index within the shard
};

// Documents in corpus order, fetched lazily so that a run stops reading once it has enough samples.
class DocumentSource {
public:
    virtual ~DocumentSource() = default;
    // The next document, or nullopt when the corpus is exhausted.
    virtual Result<std::optional<SourceDocument>> next(const StopToken& stop) = 0;
};

// A corpus already in memory (readLocalCorpus).
class LocalDocumentSource : public DocumentSource {
public:
    explicit LocalDocumentSource(std::vector<data::TextDocument> documents) : m_documents(std::move(documents)) {}
    Result<std::optional<SourceDocument>> next(const StopToken&) override
    {
        if (m_next >= m_documents.size()) return std::optional<SourceDocument>();
        return std::optional<SourceDocument>(SourceDocument{std::move(m_documents[m_next++]), {}, -1});
    }

private:
    std::vector<data::TextDocument> m_documents;
    std::size_t m_next = 0;
};

}  // namespace lathe::calib
