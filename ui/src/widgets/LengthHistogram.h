#pragma once

#include <QVariantList>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPBars;

namespace lathe::ui {

// A histogram of calibration sample lengths (tokens) between the run's min and max sequence length.
class LengthHistogram : public QWidget {
    Q_OBJECT
    Q_PROPERTY(int sampleCount READ sampleCount)
    Q_PROPERTY(QVariantList binCounts READ binCounts)
public:
    explicit LengthHistogram(QWidget* parent = nullptr);

    void setLengths(const std::vector<int>& lengths, int minLength, int maxLength);
    void clear();

    int sampleCount() const { return m_sampleCount; }
    QVariantList binCounts() const;

    // Bins of equal width covering [minLength, maxLength]; returns the count per bin.
    static std::vector<int> bin(const std::vector<int>& lengths, int minLength, int maxLength, int bins,
                                double* binWidth = nullptr);

private:
    QCustomPlot* m_plot = nullptr;
    QCPBars* m_bars = nullptr;
    std::vector<int> m_counts;
    int m_sampleCount = 0;
};

}  // namespace lathe::ui
