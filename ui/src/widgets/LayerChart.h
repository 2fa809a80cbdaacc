#pragma once

#include "report/LayerSeries.h"

#include <QMap>
#include <QVariantList>
#include <QVariantMap>
#include <QWidget>

#include <vector>

class QCPGraph;
class QCustomPlot;
class QLabel;
class QMouseEvent;

namespace lathe::ui {

// A per-layer chart of the compile report: x = decoder layer (lm_head after the last one), one series per
// projection type, the worst points ringed in red and named below the chart, and a tooltip with the exact
// values of the point under the mouse. Rows can arrive all at once (a finished report) or layer by layer
// (a running compile).
class LayerChart : public QWidget {
    Q_OBJECT
    // What the plot holds, read back from its graphs: projection → list of QPointF(layer, value); lm_head at
    // x = layer count. Tests compare it with report.json.
    Q_PROPERTY(QVariantMap seriesData READ seriesData)
    Q_PROPERTY(QString hoverText READ hoverText)
    Q_PROPERTY(QStringList worstPoints READ worstPoints)
    Q_PROPERTY(int rowCount READ rowCount)
public:
    static constexpr int kWorstCount = 3;

    // `name` is the objectName; the QCustomPlot inside is `name + "Plot"`.
    LayerChart(const QString& name, LayerMetric metric, QWidget* parent = nullptr);

    void setMetric(LayerMetric metric);
    LayerMetric metric() const { return m_metric; }
    void setLayerCount(int layers);
    void setRows(std::vector<compile::LinearReport> rows, int layers);
    void appendRows(const std::vector<compile::LinearReport>& rows);
    void clear();
    const std::vector<compile::LinearReport>& rows() const { return m_rows; }
    QCustomPlot* plot() const { return m_plot; }

    QVariantMap seriesData() const;
    QString hoverText() const { return m_hoverText; }
    QStringList worstPoints() const;
    int rowCount() const { return static_cast<int>(m_rows.size()); }

    // Where the point of `projection` at `layer` (-1: lm_head) is drawn, in the plot widget's coordinates;
    // (-1, -1) when there is none. Lets tests hover a point.
    Q_INVOKABLE QPoint pointPosition(const QString& projection, int layer) const;

    // The value shown for a row: dB for SQNR, percent for clipping.
    double plottedValue(const compile::LinearReport& row) const;

private:
    void rebuild();
    void updateAxes();
    void onMouseMove(QMouseEvent* event);
    const compile::LinearReport* rowAt(const QString& projection, int layer) const;

    QCustomPlot* m_plot = nullptr;
    QLabel* m_worstLabel = nullptr;
    QMap<QString, QCPGraph*> m_graphs;
    QCPGraph* m_worstGraph = nullptr;
    LayerMetric m_metric;
    int m_layers = 0;
    std::vector<compile::LinearReport> m_rows;
    std::vector<compile::LinearReport> m_worst;
    QString m_hoverText;
};

}  // namespace lathe::ui
