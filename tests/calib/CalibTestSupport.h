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
QString writeEmbedding(const QString& path, int rows, int hidden, const QString& dtype = QStringLiteral("torch.float32"));

// Runs make-wikipedia.mjs into `outDir` (dataset/ + expected.json). Error message, empty on success.
QString generateWikipediaDataset(const QString& outDir);

// What check_calib.py needs to recompute the samples independently.
struct CalibCheck {
    QString outDir, tag, embedding, corpusJson;
    QStringList languages;
    int minSeqLen = 0, maxSeqLen = 0, maxCalib = 0;
    bool merged = false;
};

// Runs check_calib.py; on success returns its report ({lang: {samples, selected, tokens, too_short}}),
// otherwise sets `error`. `spmModel`: the sentencepiece model that reproduces the tokenizer (empty = tok512Model()).
QJsonObject checkSamples(const CalibCheck& check, QString* error, const QString& spmModel = {});

// Every regular file under `dir` (relative path → bytes), for byte-for-byte comparisons.
QMap<QString, QByteArray> filesUnder(const QString& dir);

}  // namespace lathe::test
