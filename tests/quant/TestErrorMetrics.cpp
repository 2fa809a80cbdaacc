#include "quant/ErrorMetrics.h"

#include <QTest>

#include <cmath>

using namespace lathe;
using namespace lathe::quant;

class TestErrorMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sqnrHandValues()
    {
        // Σy² = 25, Σ(y−ŷ)² = 0.25: ratio 100 = 20 dB.
        auto r = sqnrDb(at::tensor({3.0f, 4.0f}), at::tensor({3.0f, 3.5f}));
        QVERIFY(r.ok());
        QCOMPARE(*r, 20.0);
        // 4 / 1 = 6.0206 dB.
        auto r2 = sqnrDb(at::ones({2, 2}), at::tensor({1.0, 1.0, 1.0, 0.0}, at::kDouble).view({2, 2}));
        QVERIFY(std::abs(*r2 - 10.0 * std::log10(4.0)) < 1e-12);
        QVERIFY(std::isinf(*sqnrDb(at::ones({3}), at::ones({3}))));
        QVERIFY(!sqnrDb(at::ones({3}), at::ones({4})).ok());
        QVERIFY(!sqnrDb(at::empty({0}), at::empty({0})).ok());
    }

    void sqnrAccumulatesInDouble()
    {
        // Σy² = 2^24 + 1 is not representable in fp32, so only an fp64 sum gives this exact ratio.
        const int64_t n = (int64_t{1} << 24) + 1;
        auto y = at::ones({n});
        auto yq = y.clone();
        yq[0] = 0.0f;
        auto r = sqnrDb(y, yq);
        QVERIFY(std::abs(*r - 10.0 * std::log10(static_cast<double>(n))) < 1e-9);
    }

    void klHandValues()
    {
        // P = (1/2, 1/2), Q = (3/4, 1/4): KL = ½ln(2/3) + ½ln 2 = ½ln(4/3).
        auto p = at::tensor({0.0, 0.0}, at::kDouble).view({1, 2});
        auto q = at::tensor({std::log(3.0), 0.0}, at::kDouble).view({1, 2});
        auto r = meanKlDivergence(p, q);
        QVERIFY(r.ok());
        QVERIFY(std::abs(*r - 0.5 * std::log(4.0 / 3.0)) < 1e-15);
        // Mean over rows, shift-invariant per row, with an identical second row contributing 0.
        auto p2 = at::stack({p[0] + 500.0, p[0]});
        auto q2 = at::stack({q[0] - 700.0, p[0]});
        QVERIFY(std::abs(*meanKlDivergence(p2, q2) - 0.25 * std::log(4.0 / 3.0)) < 1e-12);
    }

    void klIsStableForHugeLogits()
    {
        // log P = (0, −1000), log Q = (−1000, 0): KL = 1000 (the other term underflows to 0).
        auto p = at::tensor({1000.0f, 0.0f}).view({1, 1, 2});
        auto q = at::tensor({0.0f, 1000.0f}).view({1, 1, 2});
        auto r = meanKlDivergence(p, q);
        QVERIFY(r.ok());
        QVERIFY(std::abs(*r - 1000.0) < 1e-9);
        QCOMPARE(*meanKlDivergence(q, q), 0.0);
    }

    void clippingRateHandValues()
    {
        // 2-bit grid [-2, 1], scale 1: codes 0, 1, 2(1.5 rounds to even), 2, -2(-2.5 to even), -3, 10 → 4 clipped.
        auto x = at::tensor({0.0f, 1.0f, 1.5f, 2.0f, -2.5f, -3.0f, 10.0f});
        auto r = clippingRate(x, 1.0, 2);
        QVERIFY(r.ok());
        QCOMPARE(*r, 4.0 / 7.0);
        // 8-bit, scale 0.5: |x| up to 63.5 (code 127) and down to -64 (code -128) fit.
        auto y = at::tensor({63.5f, 63.75f, -64.0f, -64.26f, 0.0f});
        QCOMPARE(*clippingRate(y, 0.5, 8), 2.0 / 5.0);
        QVERIFY(!clippingRate(x, 0.0, 8).ok());
        QVERIFY(!clippingRate(at::empty({0}), 1.0, 8).ok());
    }
};

QTEST_GUILESS_MAIN(TestErrorMetrics)
#include "TestErrorMetrics.moc"
