#pragma once

#include <QString>

namespace lathe::test {

// Runs fixtures/make-parquet.mjs into `outDir` (parquet files + expected.json). Returns an error message, empty
// on success; a missing Node.js or missing node modules names tests/data/fixtures/install.sh.
QString generateParquetFixtures(const QString& outDir);

}  // namespace lathe::test
