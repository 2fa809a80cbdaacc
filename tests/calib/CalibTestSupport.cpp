#include "CalibTestSupport.h"

#include "TestSupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMap>
#include <QStandardPaths>

namespace lathe::test {

QString tok512Model()
{
    return sharedData(QStringLiteral("models/stories260K/tok512.model"));
}

QString runPython(const QString& code)
{
    const ProcessResult r = runProcess(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), code}, {}, 120000);
    if (r.crashed || r.exitCode != 0) return QString::fromUtf8(r.err + r.out);
    return {};
}

QString writeEmbedding(const QString& path, int rows, int hidden, const QString& dtype)
{
    return runPython(QStringLiteral("import torch\ntorch.manual_seed(7)\n"
                                    "torch.save(torch.randn(%1, %2).to(%3), %4)\n")
                         .arg(rows)
                         .arg(hidden)
                         .arg(dtype, QStringLiteral("'") + path + QStringLiteral("'")));
}

QString combinePudFolders(const QString& dir)
{
    const QString shared = sharedData(QStringLiteral("text/multilingual/pud"));
    const QString repo = sourcePath(QStringLiteral("tests/data/multilingual/pud"));
    for (const char* lang : {"en", "de", "fr", "es", "it", "ja", "ko", "zh", "hi", "th", "pt"}) {
        const QString name = QStringLiteral("%1.txt").arg(QLatin1String(lang));
        const QString from = QFileInfo::exists(repo + "/" + name) ? repo + "/" + name : shared + "/" + name;
        if (!QFile::copy(from, dir + "/" + name)) return QStringLiteral("cannot copy %1 to %2").arg(from, dir);
    }
    return {};
}

QString generateWikipediaDataset(const QString& outDir, const QStringList& moreLanguages, const QString& pudDir)
{
    const QString hint = QStringLiteral(" (run tests/data/fixtures/install.sh)");
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (node.isEmpty()) return QStringLiteral("node (Node.js) is not on PATH") + hint;
    for (const char* package : {"hyparquet-writer", "hyparquet", "parquet-wasm", "apache-arrow"}) {
        if (!QFileInfo::exists(sourcePath(
                QStringLiteral("tests/data/fixtures/node_modules/%1/package.json").arg(QLatin1String(package)))))
            return QStringLiteral("npm package %1 is not installed").arg(QLatin1String(package)) + hint;
    }
    const ProcessResult r = runProcess(node,
                                       {sourcePath(QStringLiteral("tests/data/fixtures/make-wikipedia.mjs")), outDir,
                                        pudDir.isEmpty() ? sharedData(QStringLiteral("text/multilingual/pud")) : pudDir,
                                        moreLanguages.join(QLatin1Char(','))},
                                       {}, 120000);
    if (r.crashed || r.exitCode != 0)
        return QStringLiteral("make-wikipedia.mjs failed: ") + QString::fromUtf8(r.err + r.out);
    return {};
}

QJsonObject checkSamples(const CalibCheck& c, QString* error, const QString& spmModel)
{
    QStringList args{sourcePath(QStringLiteral("tests/calib/check_calib.py")),
                     QStringLiteral("--out"),
                     c.outDir,
                     QStringLiteral("--tag"),
                     c.tag,
                     QStringLiteral("--embedding"),
                     c.embedding,
                     QStringLiteral("--spm"),
                     spmModel.isEmpty() ? tok512Model() : spmModel,
                     QStringLiteral("--corpus"),
                     c.corpusJson,
                     QStringLiteral("--languages"),
                     c.languages.join(QLatin1Char(',')),
                     QStringLiteral("--min"),
                     QString::number(c.minSeqLen),
                     QStringLiteral("--max"),
                     QString::number(c.maxSeqLen),
                     QStringLiteral("--max-calib"),
                     QString::number(c.maxCalib)};
    if (c.merged) args << QStringLiteral("--merged");
    if (c.multilingual) args << QStringLiteral("--multilingual");
    const ProcessResult r = runProcess(QStringLiteral("/usr/bin/python3"), args, {}, 300000);
    if (r.crashed || r.exitCode != 0) {
        *error = QString::fromUtf8(r.err + r.out);
        return {};
    }
    return QJsonDocument::fromJson(r.out).object();
}

QMap<QString, QByteArray> filesUnder(const QString& dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        out.insert(QDir(dir).relativeFilePath(path), readAll(path));
    }
    return out;
}

}  // namespace lathe::test
