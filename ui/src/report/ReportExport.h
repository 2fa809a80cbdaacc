#pragma once

#include "lathe/compile/CompileReport.h"

#include <QByteArray>
#include <QString>

class QCustomPlot;

namespace lathe::ui {

// Chart images are exported at this size whatever the window's size, so reports line up.
inline constexpr int kExportWidthPx = 1200;
inline constexpr int kExportHeightPx = 700;

// One row per linear, the columns of report.json's "linears" in report.csv's order; every number with 17
// significant digits so it reads back exactly; infinite SQNRs as "inf".
QByteArray reportCsv(const std::vector<compile::LinearReport>& rows);

// Each writes to a temporary name and renames, so a failed export leaves no partial file. Returns an error
// message, empty on success.
QString writeFileAtomically(const QString& path, const QByteArray& bytes);
QString exportPng(QCustomPlot* plot, const QString& path);
QString exportSvg(QCustomPlot* plot, const QString& path);

}  // namespace lathe::ui
