#include "report/ReportExport.h"

#include <qcustomplot.h>

#include <QCoreApplication>
#include <QDir>
#include <QSaveFile>
#include <QSvgGenerator>

#include <cmath>

namespace lathe::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("ReportExport", text);
}

QByteArray number(double v)
{
    if (std::isinf(v)) return v > 0 ? QByteArrayLiteral("inf") : QByteArrayLiteral("-inf");
    return QByteArray::number(v, 'g', 17);
}

QString saveError(const QSaveFile& file, const QString& path)
{
    return tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
}

}  // namespace

QByteArray reportCsv(const std::vector<compile::LinearReport>& rows)
{
    QByteArray out =
        "layer,projection,group,weight_bits,activation_bits,sqnr_isolated_db,sqnr_propagated_db,weight_scale_min,"
        "weight_scale_max,weight_scale_mean,weight_clip_rate,activation_scale,activation_abs_max,"
        "activation_clip_rate,gptq_damping\n";
    for (const auto& r : rows) {
        const QList<QByteArray> cells = {QByteArray::number(r.layer),
                                         QByteArray::fromStdString(r.projection),
                                         QByteArray::fromStdString(r.group),
                                         QByteArray::number(r.weightBits),
                                         QByteArray::number(r.activationBits),
                                         number(r.sqnrIsolatedDb),
                                         number(r.sqnrPropagatedDb),
                                         number(r.weightScaleMin),
                                         number(r.weightScaleMax),
                                         number(r.weightScaleMean),
                                         number(r.weightClipRate),
                                         number(r.activationScale),
                                         number(r.activationAbsMax),
                                         number(r.activationClipRate),
                                         number(r.gptqDamping)};
        out += cells.join(',') + '\n';
    }
    return out;
}

QString writeFileAtomically(const QString& path, const QByteArray& bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return saveError(file, path);
    if (file.write(bytes) != bytes.size()) return saveError(file, path);
    if (!file.commit()) return saveError(file, path);
    return {};
}

QString exportPng(QCustomPlot* plot, const QString& path)
{
    const QPixmap pixmap = plot->toPixmap(kExportWidthPx, kExportHeightPx, 1.0);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return saveError(file, path);
    if (!pixmap.save(&file, "PNG")) {
        file.cancelWriting();
        return tr("Cannot encode the chart as PNG for %1").arg(QDir::toNativeSeparators(path));
    }
    if (!file.commit()) return saveError(file, path);
    return {};
}

QString exportSvg(QCustomPlot* plot, const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return saveError(file, path);
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(QSize(kExportWidthPx, kExportHeightPx));
    generator.setViewBox(QRect(0, 0, kExportWidthPx, kExportHeightPx));
    generator.setTitle(plot->accessibleName());
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        file.cancelWriting();
        return tr("Cannot draw the chart as SVG for %1").arg(QDir::toNativeSeparators(path));
    }
    plot->toPainter(&painter, kExportWidthPx, kExportHeightPx);
    painter.end();
    if (!file.commit()) return saveError(file, path);
    return {};
}

}  // namespace lathe::ui
