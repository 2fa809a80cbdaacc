#include "ParquetFixtures.h"

#include "TestSupport.h"

#include <QFileInfo>
#include <QStandardPaths>

namespace lathe::test {

QString generateParquetFixtures(const QString& outDir)
{
    const QString installHint = QStringLiteral(" (run tests/data/fixtures/install.sh)");
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (node.isEmpty()) return QStringLiteral("node (Node.js) is not on PATH") + installHint;
    for (const char* package : {"hyparquet-writer", "parquet-wasm", "apache-arrow"}) {
        const QString manifest =
            sourcePath(QStringLiteral("tests/data/fixtures/node_modules/%1/package.json").arg(QLatin1String(package)));
        if (!QFileInfo::exists(manifest))
            return QStringLiteral("npm package %1 is not installed").arg(QLatin1String(package)) + installHint;
    }
    const ProcessResult run = runProcess(node,
                                         {sourcePath(QStringLiteral("tests/data/fixtures/make-parquet.mjs")), outDir,
                                          sharedData(QStringLiteral("text/multilingual/pud"))},
                                         {}, 120000);
    if (run.crashed || run.exitCode != 0)
        return QStringLiteral("make-parquet.mjs failed (exit %1): %2")
            .arg(run.exitCode)
            .arg(QString::fromUtf8(run.err + run.out));
    return {};
}

}  // namespace lathe::test
