#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

namespace lathe::test {

// stories260K's sentencepiece tokenizer (vocab 512, BOS 1) from the shared data.
QString tok512Model();

// Runs `/usr/bin/python3 -c <code>`; returns the error output, empty on success.
QString runPython(const QString& code);

// Writes a [rows, hidden] embedding with Python's torch.save (seeded randn, cast to `dtype`, e.g.
// "torch.float32"); returns an error message, empty on success.
QString writeEmbedding(const QString& path, int rows, int hidden,
                       const QString& dtype = QStringLiteral("torch.float32"));

// Runs make-wikipedia.mjs into `outDir` (dataset/ + expected.json): en and ja, plus one small shard for each of
// `moreLanguages`, articles made from <pudDir>/<lang>.txt (default: the shared PUD folder). Error message, empty on
// success.
QString generateWikipediaDataset(const QString& outDir, const QStringList& moreLanguages = {},
                                 const QString& pudDir = {});

// A folder holding the shared PUD sentences (en, de, fr, es, it, ja, ko, zh) and the repository's Hindi, Thai and
// Portuguese ones (tests/data/multilingual/pud), copied into `dir`: every language of the vendor tutorial's
// multilingual default in one place. Error message, empty on success.
QString combinePudFolders(const QString& dir);

// What check_calib.py needs to recompute the samples independently.
struct CalibCheck {
    QString outDir, tag, embedding, corpusJson;
    QStringList languages;
    int minSeqLen = 0, maxSeqLen = 0, maxCalib = 0;
    bool merged = false;
    bool multilingual = false;  // the multilingual layout: maxCalib in all, multilingual/<lang>_inputs_embeds_<i>.npy
};

// Runs check_calib.py; on success returns its report ({lang: {samples, selected, tokens, too_short}}),
// otherwise sets `error`. `spmModel`: the sentencepiece model that reproduces the tokenizer (empty = tok512Model()).
QJsonObject checkSamples(const CalibCheck& check, QString* error, const QString& spmModel = {});

// Every regular file under `dir` (relative path → bytes), for byte-for-byte comparisons.
QMap<QString, QByteArray> filesUnder(const QString& dir);

}  // namespace lathe::test
