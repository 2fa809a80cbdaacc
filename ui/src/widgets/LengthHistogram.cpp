#include "widgets/LengthHistogram.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace lathe::ui {

LengthHistogram::LengthHistogram(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("lengthHistogramPlot"));
    m_plot->setMinimumHeight(160);
    m_plot->xAxis->setLabel(tr("Sample length (tokens)"));
    m_plot->yAxis->setLabel(tr("Samples"));
    m_bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_bars->setName(tr("Samples"));
    m_bars->setPen(QPen(palette().color(QPalette::Highlight).darker(130)));
    m_bars->setBrush(palette().color(QPalette::Highlight));
    layout->addWidget(m_plot);
    setAccessibleName(tr("Histogram of calibration sample lengths"));
}

std::vector<int> LengthHistogram::bin(const std::vector<int>& lengths, int minLength, int maxLength, int bins,
                                      double* binWidth)
{
    std::vector<int> counts(static_cast<std::size_t>(std::max(bins, 1)), 0);
    const double width = std::max(1.0, static_cast<double>(maxLength - minLength + 1) / counts.size());
    if (binWidth) *binWidth = width;
    for (int length : lengths) {
        const int index = static_cast<int>(std::floor((length - minLength) / width));
        counts[static_cast<std::size_t>(std::clamp(index, 0, static_cast<int>(counts.size()) - 1))] += 1;
    }
    return counts;
}

void LengthHistogram::setLengths(const std::vector<int>& lengths, int minLength, int maxLength)
{
    const int bins = std::clamp(maxLength - minLength + 1, 1, 20);
    double width = 1.0;
    m_counts = bin(lengths, minLength, maxLength, bins, &width);
    m_sampleCount = static_cast<int>(lengths.size());
    QVector<double> keys, values;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        keys << minLength + (static_cast<double>(i) + 0.5) * width;
        values << m_counts[i];
    }
    m_bars->setWidth(width * 0.9);
    m_bars->setData(keys, values);
    m_plot->xAxis->setRange(minLength, minLength + width * static_cast<double>(m_counts.size()));
    const int highest = m_counts.empty() ? 1 : *std::max_element(m_counts.begin(), m_counts.end());
    m_plot->yAxis->setRange(0, std::max(1, highest) * 1.1);
    m_plot->replot();
}

void LengthHistogram::clear()
{
    m_counts.clear();
    m_sampleCount = 0;
    m_bars->data()->clear();
    m_plot->replot();
}

QVariantList LengthHistogram::binCounts() const
{
    QVariantList out;
    for (int c : m_counts) out << c;
    return out;
}

}  // namespace lathe::ui
