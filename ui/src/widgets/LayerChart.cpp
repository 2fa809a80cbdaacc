#include "widgets/LayerChart.h"

#include <qcustomplot.h>

#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lathe::ui {

namespace {

constexpr double kHoverRadiusPx = 12.0;
constexpr double kStackedPx = 3.0;

QColor seriesColor(int index)
{
    // Distinct on white and for the common colour-vision deficiencies (Okabe–Ito, plus grey and black).
    static const QColor colors[] = {QColor(0, 114, 178),  QColor(86, 180, 233), QColor(0, 158, 115),
                                    QColor(240, 228, 66), QColor(230, 159, 0),  QColor(204, 121, 167),
                                    QColor(213, 94, 0),   QColor(60, 60, 60)};
    return colors[index % 8];
}

}  // namespace

LayerChart::LayerChart(const QString& name, LayerMetric metric, QWidget* parent) : QWidget(parent), m_metric(metric)
{
    setObjectName(name);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(name + QStringLiteral("Plot"));
    m_plot->setMinimumHeight(220);
    m_plot->setMouseTracking(true);
    m_plot->setFocusPolicy(Qt::StrongFocus);
    // The legend sits in a row of its own above the axes, so it never hides a point.
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(font());
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setFillOrder(QCPLegend::foColumnsFirst);
    m_plot->legend->setWrap(5);  // two rows: fits the narrowest chart
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->xAxis->setLabel(tr("Decoder layer"));
    const QStringList& projections = chartProjections();
    for (int i = 0; i < projections.size(); ++i) {
        auto* graph = m_plot->addGraph();
        graph->setName(projectionLabel(projections[i]));
        QPen pen(seriesColor(i));
        pen.setWidthF(1.6);
        graph->setPen(pen);
        graph->setScatterStyle(QCPScatterStyle(
            projections[i] == QLatin1String("lm_head") ? QCPScatterStyle::ssDiamond : QCPScatterStyle::ssDisc, 6));
        m_graphs.insert(projections[i], graph);
    }
    m_worstGraph = m_plot->addGraph();
    m_worstGraph->setName(tr("worst %1").arg(kWorstCount));
    m_worstGraph->setLineStyle(QCPGraph::lsNone);
    m_worstGraph->setPen(QPen(QColor(200, 0, 0), 2.0));
    m_worstGraph->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(200, 0, 0), 2.0), Qt::NoBrush, 15));
    layout->addWidget(m_plot, 1);
    m_worstLabel = new QLabel(this);
    m_worstLabel->setObjectName(name + QStringLiteral("WorstLabel"));
    m_worstLabel->setWordWrap(true);
    m_worstLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_worstLabel);
    connect(m_plot, &QCustomPlot::mouseMove, this, &LayerChart::onMouseMove);
    setMetric(metric);
}

void LayerChart::setMetric(LayerMetric metric)
{
    m_metric = metric;
    switch (metric) {
        case LayerMetric::SqnrIsolated:
            m_plot->yAxis->setLabel(tr("SQNR, isolated (dB)"));
            m_plot->setAccessibleName(tr("Per-layer SQNR, each linear quantized alone"));
            break;
        case LayerMetric::SqnrPropagated:
            m_plot->yAxis->setLabel(tr("SQNR, propagated (dB)"));
            m_plot->setAccessibleName(tr("Per-layer SQNR with the quantized model's own inputs"));
            break;
        case LayerMetric::ActivationClipRate:
            m_plot->yAxis->setLabel(tr("Activation values clipped (%)"));
            m_plot->setAccessibleName(tr("Per-layer activation clipping rate"));
            break;
    }
    rebuild();
}

void LayerChart::setLayerCount(int layers)
{
    m_layers = std::max(0, layers);
    rebuild();
}

void LayerChart::setRows(std::vector<compile::LinearReport> rows, int layers)
{
    m_rows = std::move(rows);
    m_layers = std::max(0, layers);
    rebuild();
}

void LayerChart::appendRows(const std::vector<compile::LinearReport>& rows)
{
    m_rows.insert(m_rows.end(), rows.begin(), rows.end());
    rebuild();
}

void LayerChart::clear()
{
    m_rows.clear();
    m_hoverText.clear();
    rebuild();
}

double LayerChart::plottedValue(const compile::LinearReport& row) const
{
    const double value = metricValue(row, m_metric);
    return m_metric == LayerMetric::ActivationClipRate ? value * 100.0 : value;
}

void LayerChart::rebuild()
{
    for (QCPGraph* graph : std::as_const(m_graphs)) graph->data()->clear();
    m_worstGraph->data()->clear();
    for (const auto& row : m_rows) {
        QCPGraph* graph = m_graphs.value(QString::fromStdString(row.projection));
        const double value = plottedValue(row);
        // QCustomPlot cannot draw an infinite SQNR (nothing differed); the tooltip of its neighbours still
        // shows the row, and the report keeps it.
        if (graph && std::isfinite(value)) graph->addData(chartKey(row, m_layers), value);
    }
    m_worst = worstRows(m_rows, m_metric, kWorstCount);
    QStringList names;
    for (const auto& row : m_worst) {
        m_worstGraph->addData(chartKey(row, m_layers), plottedValue(row));
        names << tr("%1 (%2)").arg(rowName(row), m_metric == LayerMetric::ActivationClipRate
                                                     ? formatClipRate(row.activationClipRate)
                                                     : formatSqnr(metricValue(row, m_metric)));
    }
    if (m_worst.empty())
        m_worstGraph->removeFromLegend();
    else
        m_worstGraph->addToLegend();
    m_worstLabel->setText(
        m_worst.empty() ? QString()
                        : (m_metric == LayerMetric::ActivationClipRate ? tr("Most clipped: %1") : tr("Lowest SQNR: %1"))
                              .arg(names.join(QStringLiteral(", "))));
    updateAxes();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LayerChart::updateAxes()
{
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    const int step = std::max(1, (m_layers + 15) / 16);
    for (int layer = 0; layer < m_layers; layer += step) ticker->addTick(layer, QString::number(layer));
    ticker->addTick(m_layers, tr("head"));
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setRange(-0.5, m_layers + 0.5);

    double low = 0, high = 0;
    bool any = false;
    for (const auto& row : m_rows) {
        const double v = plottedValue(row);
        if (!std::isfinite(v)) continue;
        low = any ? std::min(low, v) : v;
        high = any ? std::max(high, v) : v;
        any = true;
    }
    if (!any) {
        low = 0;
        high = m_metric == LayerMetric::ActivationClipRate ? 0.1 : 40;
    }
    if (m_metric == LayerMetric::ActivationClipRate) low = 0;
    const double margin = std::max((high - low) * 0.08, m_metric == LayerMetric::ActivationClipRate ? 1e-4 : 0.5);
    m_plot->yAxis->setRange(low - (m_metric == LayerMetric::ActivationClipRate ? 0 : margin), high + margin);
}

const compile::LinearReport* LayerChart::rowAt(const QString& projection, int layer) const
{
    for (const auto& row : m_rows)
        if (row.layer == layer && QString::fromStdString(row.projection) == projection) return &row;
    return nullptr;
}

QVariantMap LayerChart::seriesData() const
{
    QVariantMap out;
    for (auto it = m_graphs.cbegin(); it != m_graphs.cend(); ++it) {
        QVariantList points;
        for (auto p = it.value()->data()->constBegin(); p != it.value()->data()->constEnd(); ++p)
            points << QPointF(p->key, p->value);
        out.insert(it.key(), points);
    }
    return out;
}

QStringList LayerChart::worstPoints() const
{
    QStringList names;
    for (const auto& row : m_worst) names << rowName(row);
    return names;
}

QPoint LayerChart::pointPosition(const QString& projection, int layer) const
{
    const auto* row = rowAt(projection, layer);
    QCPGraph* graph = m_graphs.value(projection);
    if (!row || !graph || !std::isfinite(plottedValue(*row))) return {-1, -1};
    const QPointF pixel = graph->coordsToPixels(chartKey(*row, m_layers), plottedValue(*row));
    return pixel.toPoint();
}

void LayerChart::onMouseMove(QMouseEvent* event)
{
    // Points of different projections often sit on top of each other: every point as near as the nearest one
    // (within a few pixels) is listed, so none is hidden.
    const QPointF at = event->position();
    std::vector<std::pair<double, const compile::LinearReport*>> near;
    for (const auto& row : m_rows) {
        QCPGraph* graph = m_graphs.value(QString::fromStdString(row.projection));
        const double value = plottedValue(row);
        if (!graph || !graph->visible() || !std::isfinite(value)) continue;
        const QPointF pixel = graph->coordsToPixels(chartKey(row, m_layers), value);
        const double distance = std::hypot(pixel.x() - at.x(), pixel.y() - at.y());
        if (distance <= kHoverRadiusPx) near.emplace_back(distance, &row);
    }
    std::stable_sort(near.begin(), near.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    QStringList parts;
    for (const auto& [distance, row] : near)
        if (distance <= near.front().first + kStackedPx) parts << pointToolTip(*row);
    const QString text = parts.join(QStringLiteral("\n\n"));
    if (text == m_hoverText) return;
    m_hoverText = text;
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, m_plot);
}

}  // namespace lathe::ui
