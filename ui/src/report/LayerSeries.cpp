#include "report/LayerSeries.h"

#include "lathe/quant/QuantPlan.h"

#include <QCoreApplication>

#include <algorithm>
#include <cmath>

namespace lathe::ui {

namespace {
QString tr(const char* text)
{
    return QCoreApplication::translate("LayerSeries", text);
}
}  // namespace

const QStringList& chartProjections()
{
    static const QStringList names = [] {
        QStringList out;
        for (model::Projection p : quant::layerProjections()) out << QString::fromLatin1(projectionName(p));
        out << QString::fromLatin1(projectionName(model::Projection::Head));
        return out;
    }();
    return names;
}

QString projectionLabel(const QString& projection)
{
    if (projection == QLatin1String(quant::kHeadModule))
        return QString::fromLatin1(quant::projectionGroup(model::Projection::Head));
    return QString(projection).remove(QStringLiteral("_proj"));
}

double metricValue(const compile::LinearReport& row, LayerMetric metric)
{
    switch (metric) {
        case LayerMetric::SqnrIsolated:
            return row.sqnrIsolatedDb;
        case LayerMetric::SqnrPropagated:
            return row.sqnrPropagatedDb;
        case LayerMetric::ActivationClipRate:
            return row.activationClipRate;
    }
    return 0;
}

bool higherIsBetter(LayerMetric metric)
{
    return metric != LayerMetric::ActivationClipRate;
}

double chartKey(const compile::LinearReport& row, int layerCount)
{
    return row.layer < 0 ? layerCount : row.layer;
}

std::vector<compile::LinearReport> worstRows(const std::vector<compile::LinearReport>& rows, LayerMetric metric,
                                             int count)
{
    std::vector<compile::LinearReport> finite;
    for (const auto& row : rows)
        if (std::isfinite(metricValue(row, metric))) finite.push_back(row);
    const bool higher = higherIsBetter(metric);
    std::stable_sort(finite.begin(), finite.end(), [&](const auto& a, const auto& b) {
        return higher ? metricValue(a, metric) < metricValue(b, metric)
                      : metricValue(a, metric) > metricValue(b, metric);
    });
    if (finite.size() > static_cast<std::size_t>(std::max(count, 0))) finite.resize(static_cast<std::size_t>(count));
    return finite;
}

QString formatSqnr(double db)
{
    if (std::isinf(db)) return db > 0 ? tr("∞ dB") : tr("−∞ dB");
    return tr("%1 dB").arg(db, 0, 'f', 4);
}

QString formatClipRate(double rate)
{
    return tr("%1 %").arg(rate * 100.0, 0, 'g', 4);
}

QString rowName(const compile::LinearReport& row)
{
    const QString projection = QString::fromStdString(row.projection);
    if (row.layer < 0) return projection;
    return tr("layer %1 %2").arg(row.layer).arg(projection);
}

QString pointToolTip(const compile::LinearReport& row)
{
    return tr("%1 (%2)\nSQNR isolated: %3\nSQNR propagated: %4\nActivation clipping: %5\n"
              "Weights %6-bit, activations %7-bit")
        .arg(rowName(row), QString::fromStdString(row.group), formatSqnr(row.sqnrIsolatedDb),
             formatSqnr(row.sqnrPropagatedDb), formatClipRate(row.activationClipRate))
        .arg(row.weightBits)
        .arg(row.activationBits);
}

}  // namespace lathe::ui
