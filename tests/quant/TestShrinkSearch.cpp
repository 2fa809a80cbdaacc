#include "quant/ShrinkSearch.h"

#include <QTest>

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace lathe::quant;

namespace {

// Σ|w − clamp(round(w/s))·s|^2.4 of one row in double with std::pow: the reference the kernel's fast power must
// agree with.
double clipError(const float* row, int64_t cols, double s, int bits)
{
    const double qmax = static_cast<double>((1 << (bits - 1)) - 1);
    double err = 0;
    for (int64_t j = 0; j < cols; ++j) {
        const double q = std::clamp(std::nearbyint(row[j] / s), -qmax - 1, qmax);
        err += std::pow(std::abs(row[j] - q * s), 2.4);
    }
    return err;
}

struct Rows {
    at::Tensor values;  // fp32 [rows, cols]
    at::Tensor absMax;  // fp32 [rows]
};

// Heavy-tailed rows (many pick p < 1), with a few exact zeros, times `magnitude`.
Rows heavyTailed(int64_t rows, int64_t cols, double magnitude = 1.0)
{
    auto w = (at::randn({rows, cols}) * at::exp(at::randn({rows, cols})) * magnitude).contiguous();
    w.view({-1}).slice(0, 0, w.numel(), 7).zero_();
    auto absMax = w.abs().amax(1).clamp_min(1e-30).contiguous();
    return {w, absMax};
}

std::vector<float> run(ShrinkKernel kernel, const Rows& r, int bits)
{
    std::vector<float> scales(static_cast<size_t>(r.values.size(0)));
    searchShrinkWith(kernel, r.values.data_ptr<float>(), r.values.size(0), r.values.size(1), r.absMax.data_ptr<float>(),
                     bits, scales.data());
    return scales;
}

}  // namespace

class TestShrinkSearch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(11); }

    void choosesTheBruteForceOptimum_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("cols");
        QTest::addColumn<double>("magnitude");
        // Widths below, at and above the 16-value vectors and the 512-value early-exit checks.
        QTest::newRow("w4 x1") << 4 << 1 << 1.0;
        QTest::newRow("w4 x17") << 4 << 17 << 1.0;
        QTest::newRow("w4 x32") << 4 << 32 << 1.0;
        QTest::newRow("w3 x513") << 3 << 513 << 1.0;
        QTest::newRow("w4 x2048") << 4 << 2048 << 1.0;
        QTest::newRow("w8 x1500") << 8 << 1500 << 1.0;
        // Magnitudes where |e|^2.4 would be subnormal or overflow in fp32 without the row's power-of-two scaling.
        QTest::newRow("w4 x300 tiny") << 4 << 300 << std::ldexp(1.0, -70);
        QTest::newRow("w4 x300 huge") << 4 << 300 << std::ldexp(1.0, 60);
    }
    void choosesTheBruteForceOptimum()
    {
        QFETCH(int, bits);
        QFETCH(int, cols);
        QFETCH(double, magnitude);
        const Rows r = heavyTailed(40, cols, magnitude);
        const auto scales = run(ShrinkKernel::Generic, r, bits);
        const double qmax = (1 << (bits - 1)) - 1;
        int shrunk = 0;
        for (int64_t i = 0; i < r.values.size(0); ++i) {
            const float* row = r.values.data_ptr<float>() + i * cols;
            const double absMax = r.absMax[i].item<float>();
            double best = INFINITY;
            int bestK = 0;
            for (int k = 0; k < kShrinkSteps; ++k) {
                const double e = clipError(row, cols, absMax * ((100 - k) / 100.0) / qmax, bits);
                if (e < best) best = e, bestK = k;
            }
            // The chosen factor is one of the 80, and as good as the fp64 optimum up to the fast power's error (and,
            // where the optimum is exact, the rounding of an fp32 scale).
            const double slack = best * 1e-5 + cols * std::pow(absMax, 2.4) * 1e-12;
            const double p = scales[i] * qmax / absMax;
            QVERIFY2(std::abs(p * 100 - std::nearbyint(p * 100)) < 1e-3, qPrintable(QString::number(p)));
            QVERIFY2(
                clipError(row, cols, scales[i], bits) <= best + slack,
                qPrintable(QStringLiteral("row %1: k %2 vs %3").arg(i).arg(std::nearbyint(100 - p * 100)).arg(bestK)));
            if (bestK > 0) ++shrunk;
        }
        if (cols > 1) QVERIFY(shrunk > 0);
    }

    void instructionSetsAgree_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("cols");
        for (int bits : {3, 4, 8})
            for (int cols : {1, 15, 16, 100, 512, 513, 2048}) QTest::addRow("w%d x%d", bits, cols) << bits << cols;
    }
    void instructionSetsAgree()
    {
        QFETCH(int, bits);
        QFETCH(int, cols);
        const Rows r = heavyTailed(64, cols);
        const auto generic = run(ShrinkKernel::Generic, r, bits);
        for (ShrinkKernel kernel : {ShrinkKernel::Avx512}) {
            if (!shrinkKernelSupported(kernel)) continue;
            const auto wide = run(kernel, r, bits);
            QVERIFY(std::memcmp(generic.data(), wide.data(), generic.size() * sizeof(float)) == 0);
        }
    }

    void rowsAreIndependent()
    {
        // Any split of the rows (threads take ranges; each range starts its own "try the last best first" order)
        // gives the same scales as one call over all of them.
        const Rows r = heavyTailed(48, 700);
        const auto whole = run(ShrinkKernel::Generic, r, 4);
        for (int64_t i = 0; i < 48; ++i) {
            float one = 0;
            searchShrinkWith(ShrinkKernel::Generic, r.values.data_ptr<float>() + i * 700, 1, 700,
                             r.absMax.data_ptr<float>() + i, 4, &one);
            QCOMPARE(one, whole[size_t(i)]);
        }
    }

    void emptyRowsGetTheUnshrunkScale()
    {
        const float absMax[2] = {3.5f, 7.0f};
        float scales[2] = {0, 0};
        searchShrink(nullptr, 2, 0, absMax, 4, scales);
        QCOMPARE(scales[0], 0.5f);
        QCOMPARE(scales[1], 1.0f);
    }

    void widestKernelIsUsed()
    {
        // The dispatching entry point gives the same bytes as every explicit build.
        const Rows r = heavyTailed(32, 300);
        std::vector<float> scales(32);
        searchShrink(r.values.data_ptr<float>(), 32, 300, r.absMax.data_ptr<float>(), 4, scales.data());
        const auto generic = run(ShrinkKernel::Generic, r, 4);
        QVERIFY(std::memcmp(generic.data(), scales.data(), scales.size() * sizeof(float)) == 0);
    }
};

QTEST_GUILESS_MAIN(TestShrinkSearch)
#include "TestShrinkSearch.moc"
