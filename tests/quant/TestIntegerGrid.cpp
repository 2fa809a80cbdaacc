#include "quant/Int4Packing.h"
#include "quant/IntegerGrid.h"
#include "quant/Rtn.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace lathe;
using namespace lathe::quant;

namespace {

// Σ|w − clamp(round(w/s))·s|^2.4 of one row, all in double, for the brute-force clipping reference.
double clipError(const std::vector<double>& row, double s, int bits)
{
    const double qmax = static_cast<double>(gridMax(bits));
    double err = 0;
    for (double w : row) {
        const double q = std::clamp(std::nearbyint(w / s), -qmax - 1, qmax);
        err += std::pow(std::abs(w - q * s), 2.4);
    }
    return err;
}

std::vector<double> rowOf(const at::Tensor& t, int64_t r)
{
    auto d = t.select(0, r).to(at::kDouble).contiguous();
    return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

}  // namespace

class TestIntegerGrid : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(7); }

    void gridBounds_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("qmax");
        QTest::newRow("2") << 2 << 1;
        QTest::newRow("3") << 3 << 3;
        QTest::newRow("4") << 4 << 7;
        QTest::newRow("8") << 8 << 127;
    }
    void gridBounds()
    {
        QFETCH(int, bits);
        QFETCH(int, qmax);
        QCOMPARE(gridMax(bits), int64_t(qmax));
        QCOMPARE(gridMin(bits), int64_t(-qmax - 1));
        // Without the search the largest magnitude maps exactly onto ±qmax and every code stays on the grid.
        auto w = at::randn({16, 64});
        auto r = quantizeRtn(w, GridSpec{bits, 0, false});
        QVERIFY(r.ok());
        auto absmax = w.abs().amax(1);
        QVERIFY(at::allclose(r->scales.squeeze(1), absmax / qmax, 1e-6, 0));
        QCOMPARE(r->codes.abs().amax(1).to(at::kInt).min().item<int>(), qmax);
        QVERIFY(r->codes.min().item<int>() >= -qmax - 1);
        QVERIFY(r->codes.max().item<int>() <= qmax);
    }

    void roundsHalfToEven()
    {
        // Row absmax 7 gives scale 1, so w/scale is exactly the listed value.
        auto w = at::tensor({7.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f}).view({1, 8});
        auto r = quantizeRtn(w, GridSpec{4, 0, false});
        QVERIFY(r.ok());
        QCOMPARE(r->scales.item<float>(), 1.0f);
        std::vector<int> expected{7, 0, 2, 2, 0, -2, -2, 3};
        auto c = r->codes.reshape({-1}).to(at::kInt);
        for (int i = 0; i < 8; ++i) QCOMPARE(c[i].item<int>(), expected[i]);
    }

    void negativeEndUsesExtraCode()
    {
        // Scale 1 with a 3-bit grid: -4 is representable, -5 clips to -4, +4 clips to +3.
        auto w = at::tensor({3.0f, -3.6f, -5.0f, 2.0f}).view({1, 4});
        auto scales = at::ones({1, 1});
        auto codes = quantizeCodes(w, scales, 3, 0).reshape({-1}).to(at::kInt);
        QCOMPARE(codes[1].item<int>(), -4);
        QCOMPARE(codes[2].item<int>(), -4);
        QVERIFY(at::equal(dequantizeCodes(quantizeCodes(w, scales, 3, 0), scales, 0),
                          at::tensor({3.0f, -4.0f, -4.0f, 2.0f}).view({1, 4})));
    }

    void clipSearchMatchesBruteForce_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("groupSize");
        QTest::newRow("w4 per channel") << 4 << 0;
        QTest::newRow("w3 per channel") << 3 << 0;
        QTest::newRow("w4 group 32") << 4 << 32;
        QTest::newRow("w8 per channel") << 8 << 0;
    }
    void clipSearchMatchesBruteForce()
    {
        QFETCH(int, bits);
        QFETCH(int, groupSize);
        // Heavy tails make the search pick p < 1 on many rows.
        auto w = at::randn({12, 128}) * at::exp(at::randn({12, 128}));
        auto scales = computeScales(w, GridSpec{bits, groupSize, true});
        const int64_t groups = groupSize ? 128 / groupSize : 1;
        QCOMPARE(scales.sizes(), (at::IntArrayRef{12, groups}));
        auto rows = w.reshape({12 * groups, -1});
        auto flat = scales.reshape({-1});
        int shrunk = 0;
        for (int64_t r = 0; r < rows.size(0); ++r) {
            auto row = rowOf(rows, r);
            double absmax = 0;
            for (double v : row) absmax = std::max(absmax, std::abs(v));
            double bestErr = INFINITY, bestScale = 0;
            for (int i = 0; i < 80; ++i) {
                const double s = absmax * ((100 - i) / 100.0) / gridMax(bits);
                const double e = clipError(row, s, bits);
                if (e < bestErr) bestErr = e, bestScale = s;
            }
            const double chosen = flat[r].item<float>();
            // The library works in fp32: its choice must be as good as the fp64 optimum up to rounding noise.
            QVERIFY2(clipError(row, chosen, bits) <= bestErr * (1 + 1e-5), qPrintable(QString::number(r)));
            QVERIFY(chosen <= absmax / gridMax(bits) * (1 + 1e-6));
            QVERIFY(chosen >= absmax * 0.21 / gridMax(bits) * (1 - 1e-6));
            if (bestScale < absmax / gridMax(bits) * 0.995) ++shrunk;
        }
        QVERIFY(shrunk > 0);
    }

    void groupsQuantizeIndependently()
    {
        auto w = at::randn({4, 64});
        w.slice(1, 32, 64).mul_(100);
        auto r = quantizeRtn(w, GridSpec{4, 32, false});
        QVERIFY(r.ok());
        QCOMPARE(r->scales.sizes(), (at::IntArrayRef{4, 2}));
        auto left = quantizeRtn(w.slice(1, 0, 32).contiguous(), GridSpec{4, 0, false});
        auto right = quantizeRtn(w.slice(1, 32, 64).contiguous(), GridSpec{4, 0, false});
        QVERIFY(at::equal(r->codes, at::cat({left->codes, right->codes}, 1)));
        QVERIFY(at::equal(r->scales, at::cat({left->scales, right->scales}, 1)));
        QVERIFY(at::allclose(r->dequantize(), at::cat({left->dequantize(), right->dequantize()}, 1)));
    }

    void zeroRowsAreExact()
    {
        auto w = at::randn({3, 16});
        w[1].zero_();
        auto r = quantizeRtn(w, GridSpec{4, 0, true});
        QVERIFY(r.ok());
        QCOMPARE(r->scales[1][0].item<float>(), 1.0f);
        QVERIFY(r->codes[1].eq(0).all().item<bool>());
        QVERIFY(at::isfinite(r->dequantize()).all().item<bool>());
    }

    void rtnErrorShrinksWithBits()
    {
        auto w = at::randn({64, 256});
        double previous = INFINITY;
        for (int bits = 2; bits <= 8; ++bits) {
            auto r = quantizeRtn(w, GridSpec{bits, 0, true});
            QVERIFY(r.ok());
            const double err = (w - r->dequantize()).square().mean().item<double>();
            QVERIFY(err < previous);
            previous = err;
        }
    }

    void rejectsBadInput()
    {
        auto w = at::randn({4, 10});
        QCOMPARE(quantizeRtn(w, GridSpec{1, 0, true}).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(quantizeRtn(w, GridSpec{9, 0, true}).error().code, ErrorCode::InvalidArgument);
        auto bad = quantizeRtn(w, GridSpec{4, -4, true});
        QVERIFY(!bad.ok());
        QVERIFY(QString::fromStdString(bad.error().message).contains("is negative"));
        QVERIFY(!quantizeRtn(at::randn({10}), GridSpec{}).ok());
        auto nan = w.clone();
        nan[0][0] = NAN;
        QVERIFY(!quantizeRtn(nan, GridSpec{}).ok());
    }

    void packingNibbleOrder()
    {
        auto codes = at::tensor({1, -2, 7, -8, 0, -1}, at::kChar).view({1, 6});
        auto packed = packInt4(codes);
        QVERIFY(packed.ok());
        QCOMPARE(packed->scalar_type(), at::kByte);
        QCOMPARE(packed->sizes(), (at::IntArrayRef{1, 3}));
        // low nibble = even element: 0x1 | 0xE<<4, 0x7 | 0x8<<4, 0x0 | 0xF<<4
        QCOMPARE(packed->select(1, 0).item<uint8_t>(), uint8_t(0xE1));
        QCOMPARE(packed->select(1, 1).item<uint8_t>(), uint8_t(0x87));
        QCOMPARE(packed->select(1, 2).item<uint8_t>(), uint8_t(0xF0));
        auto back = unpackInt4(*packed);
        QVERIFY(back.ok());
        QVERIFY(at::equal(*back, codes));
    }

    void packingRoundTripsEveryPair()
    {
        auto values = at::arange(-8, 8, at::kChar);
        auto codes = at::stack({values.repeat_interleave(16), values.repeat({16})}, 1).reshape({16, 32});
        auto packed = packInt4(codes);
        QVERIFY(packed.ok());
        // All 256 byte values occur exactly once.
        QVERIFY(at::equal(std::get<0>(at::sort(packed->reshape({-1}).to(at::kInt))), at::arange(256, at::kInt)));
        QVERIFY(at::equal(*unpackInt4(*packed), codes));
    }

    void packingRejectsBadInput()
    {
        QVERIFY(!packInt4(at::zeros({2, 3}, at::kChar)).ok());
        QVERIFY(!packInt4(at::full({2, 2}, 8, at::kChar)).ok());
        QVERIFY(!packInt4(at::zeros({2, 2}, at::kFloat)).ok());
        QVERIFY(!unpackInt4(at::zeros({2, 2}, at::kChar)).ok());
    }
};

QTEST_GUILESS_MAIN(TestIntegerGrid)
#include "TestIntegerGrid.moc"
