#include "quant/MaxObserver.h"
#include "quant/MseObserver.h"
#include "quant/PercentileObserver.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace lathe;
using namespace lathe::quant;

namespace {

std::vector<double> sortedAbs(const at::Tensor& x)
{
    auto a = x.reshape({-1}).abs().to(at::kDouble).contiguous();
    std::vector<double> v(a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
    std::sort(v.begin(), v.end());
    return v;
}

// Linear interpolation between order statistics (numpy's default "linear" method).
double referenceQuantile(const std::vector<double>& sorted, double p)
{
    const double h = p * static_cast<double>(sorted.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double referenceMseError(const std::vector<double>& values, double clip, int bits)
{
    const double qmax = (1 << (bits - 1)) - 1;
    const double s = clip / qmax;
    double err = 0;
    for (double v : values) {
        const double d = v - std::min(std::nearbyint(v / s), qmax) * s;
        err += d * d;
    }
    return err;
}

at::Tensor laplace(int64_t n)
{
    auto magnitude = at::empty({n}).exponential_(1.0);
    auto sign = at::bernoulli(at::full({n}, 0.5)) * 2 - 1;
    return magnitude * sign;
}

template <typename Observer>
void feed(Observer& observer, const at::Tensor& x, int64_t batches)
{
    for (auto& chunk : x.chunk(batches)) QVERIFY(observer.observe(chunk.view({1, -1})).ok());
}

}  // namespace

class TestActivationObservers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(99); }

    void maxOverStream()
    {
        MaxObserver observer;
        QCOMPARE(observer.scale(), 1.0);
        QVERIFY(observer.observe(at::tensor({0.5f, -2.0f})).ok());
        QVERIFY(observer.observe(at::tensor({1.0f, 1.5f})).ok());
        QCOMPARE(observer.clipValue(), 2.0);
        QCOMPARE(observer.scale(), 2.0 / 127.0);
        QVERIFY(!observer.observe(at::tensor({NAN})).ok());
        QCOMPARE(observer.clipValue(), 2.0);
    }

    void percentileExactMatchesSortedReference_data()
    {
        QTest::addColumn<double>("p");
        QTest::newRow("0.9999") << 0.9999;
        QTest::newRow("0.99") << 0.99;
        QTest::newRow("0.5") << 0.5;
        QTest::newRow("1.0") << 1.0;
        QTest::newRow("0.0") << 0.0;
    }
    void percentileExactMatchesSortedReference()
    {
        QFETCH(double, p);
        auto x = at::randn({40000}) * 3;
        PercentileObserver observer(8, p);
        feed(observer, x, 7);
        QVERIFY(observer.sketch().exact());
        QCOMPARE(observer.sketch().count(), int64_t(40000));
        const double expected = referenceQuantile(sortedAbs(x), p);
        QVERIFY2(std::abs(observer.clipValue() - expected) <= 1e-12 * std::max(1.0, expected),
                 qPrintable(QString("%1 vs %2").arg(observer.clipValue()).arg(expected)));
        QVERIFY(std::abs(observer.scale() - expected / 127.0) < 1e-12);
    }

    void percentileHistogramWithinOneBin()
    {
        // Small exact limit and few bins force the histogram, and a late outlier forces range doubling.
        auto x = at::cat({at::randn({30000}), at::randn({30000}) * 4, at::tensor({250.0f})});
        for (double p : {0.9999, 0.999, 0.9, 0.5}) {
            PercentileObserver observer(8, p, /*exactLimit=*/5000, /*bins=*/4096);
            feed(observer, x, 12);
            QVERIFY(!observer.sketch().exact());
            const double width = observer.sketch().binWidth();
            QVERIFY(width * 4096 >= 250.0);
            QVERIFY(width * 4096 < 2 * 250.0);
            const double expected = referenceQuantile(sortedAbs(x), p);
            QVERIFY2(std::abs(observer.clipValue() - expected) <= width,
                     qPrintable(
                         QString("p %1: %2 vs %3 (bin %4)").arg(p).arg(observer.clipValue()).arg(expected).arg(width)));
        }
    }

    void percentileOfNormalDistribution()
    {
        // P(|x| ≤ 3.8906) = 0.9999 for a standard normal; sampling error at n = 2^21 is about 0.02.
        auto x = at::randn({int64_t{1} << 21});
        PercentileObserver observer;
        feed(observer, x, 16);
        QVERIFY(!observer.sketch().exact());
        QVERIFY2(std::abs(observer.clipValue() - 3.8906) < 0.08, qPrintable(QString::number(observer.clipValue())));
    }

    void mseMatchesBruteForce()
    {
        auto x = laplace(200000);
        MseObserver observer(8);
        feed(observer, x, 5);
        QVERIFY(observer.sketch().exact());
        auto values = sortedAbs(x);
        const double max = values.back();
        double best = 0, bestErr = INFINITY;
        for (int k = 0; k < 160; ++k) {
            const double clip = max * std::exp2(-k / 16.0);
            const double err = referenceMseError(values, clip, 8);
            if (err < bestErr) bestErr = err, best = clip;
        }
        QVERIFY2(std::abs(observer.clipValue() - best) < 1e-9 * best,
                 qPrintable(QString("%1 vs %2").arg(observer.clipValue()).arg(best)));
        QVERIFY(std::abs(observer.squaredError(best) - bestErr) < 1e-9 * bestErr);
        // Laplace(b = 1) at 8 bits: the MSE-optimal clip is near 9.9·b (Banner et al., ACIQ), well below max.
        QVERIFY2(best > 8.5 && best < 11.5, qPrintable(QString::number(best)));
        QVERIFY(best < max);
    }

    void mseKeepsMaxForUniform()
    {
        auto x = at::rand({100000}) * 2 - 1;
        MseObserver observer(8);
        feed(observer, x, 3);
        QCOMPARE(observer.clipValue(), observer.sketch().max());
    }

    void mseHistogramAgreesWithExact()
    {
        auto x = laplace(400000);
        MseObserver exact(8);
        MseObserver histogram(8, /*exactLimit=*/10000);
        feed(exact, x, 8);
        feed(histogram, x, 8);
        QVERIFY(exact.sketch().exact());
        QVERIFY(!histogram.sketch().exact());
        // Within one candidate step (2^(1/16) ≈ 4.4 %).
        const double ratio = histogram.clipValue() / exact.clipValue();
        QVERIFY2(ratio > 0.955 && ratio < 1.045, qPrintable(QString::number(ratio)));
    }

    void mseOnlyZeros()
    {
        MseObserver observer(8);
        QVERIFY(observer.observe(at::zeros({10})).ok());
        QCOMPARE(observer.clipValue(), 0.0);
        QCOMPARE(observer.scale(), 1.0);
        QVERIFY(!observer.observe(at::tensor({INFINITY})).ok());
    }
};

QTEST_GUILESS_MAIN(TestActivationObservers)
#include "TestActivationObservers.moc"
