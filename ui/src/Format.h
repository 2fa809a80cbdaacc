#pragma once

#include <QString>

namespace lathe::ui {

// Display formats shared by the pages (English digits with group separators, decimal units as the Hub uses).
QString formatCount(qint64 value);            // 1,234,567
QString formatBytes(qint64 bytes);            // 1.23 MB (decimal units, as the Hub shows sizes)
QString formatBytesExact(qint64 bytes);       // 1.23 MB (1,234,567 bytes)
QString formatParameters(qint64 parameters);  // 1,234,567 (1.23 M)
QString formatRate(double bytesPerSecond);    // 12.3 MB/s
QString formatDuration(double seconds);       // 0:04, 1:02:03; "—" when unknown (< 0)

}  // namespace lathe::ui
