#include "Format.h"

#include <QLocale>

#include <cmath>

namespace lathe::ui {

namespace {

QString scaled(double value, const char* const* units, int unitCount, double base)
{
    int unit = 0;
    while (std::abs(value) >= base && unit + 1 < unitCount) {
        value /= base;
        ++unit;
    }
    const int decimals = unit == 0 ? 0 : (value < 10 ? 2 : value < 100 ? 1 : 0);
    return QString::number(value, 'f', decimals) + QLatin1Char(' ') + QLatin1String(units[unit]);
}

}  // namespace

QString formatCount(qint64 value)
{
    return QLocale(QLocale::English, QLocale::UnitedStates).toString(value);
}

QString formatBytes(qint64 bytes)
{
    static const char* const units[] = {"bytes", "kB", "MB", "GB", "TB"};
    return scaled(static_cast<double>(bytes), units, 5, 1000.0);
}

QString formatBytesExact(qint64 bytes)
{
    if (bytes < 1000) return formatCount(bytes) + QStringLiteral(" bytes");
    return QStringLiteral("%1 (%2 bytes)").arg(formatBytes(bytes), formatCount(bytes));
}

QString formatParameters(qint64 parameters)
{
    static const char* const units[] = {"", "K", "M", "B", "T"};
    if (parameters < 1000) return formatCount(parameters);
    return QStringLiteral("%1 (%2)").arg(formatCount(parameters),
                                         scaled(static_cast<double>(parameters), units, 5, 1000.0));
}

QString formatRate(double bytesPerSecond)
{
    if (bytesPerSecond <= 0) return QStringLiteral("—");
    return formatBytes(static_cast<qint64>(bytesPerSecond)) + QStringLiteral("/s");
}

QString formatDuration(double seconds)
{
    if (seconds < 0 || !std::isfinite(seconds)) return QStringLiteral("—");
    const qint64 total = static_cast<qint64>(std::llround(seconds));
    const qint64 h = total / 3600, m = (total / 60) % 60, s = total % 60;
    if (h > 0) return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

}  // namespace lathe::ui
