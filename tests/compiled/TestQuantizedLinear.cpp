// QuantizedLinear against integer loops: exact accumulators (including cases beyond fp32's exact range that
// need chunking or fp64), groups (ragged ones whose last group is narrower), bias, 16-bit activations, 2..8-bit
// weights, layers taller than one conversion block; input rounding and clamping.
#include "compiled/QuantizedLinear.h"

#include <QTest>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace lathe;
using namespace lathe::compiled;

namespace {

// Random codes in [lo, hi] as int8 / activation codes as integer-valued fp32.
at::Tensor randomCodes(int64_t rows, int64_t cols, int64_t lo, int64_t hi, at::ScalarType type)
{
    return at::randint(lo, hi + 1, {rows, cols}, at::kLong).to(type);
}

QuantizedLinear makeLinear(int64_t out, int64_t in, int64_t groupSize, int weightBits, int activationBits, bool bias,
                           bool extreme)
{
    QuantizedLinear l;
    const int64_t qmin = quant::gridMin(weightBits), qmax = quant::gridMax(weightBits);
    // "Extreme" codes sit near the bottom of the grid so that sums of same-signed products grow past 2^24.
    l.weight.codes = extreme ? randomCodes(out, in, qmin, qmin + 5, at::kChar) : randomCodes(out, in, qmin, qmax, at::kChar);
    const int64_t groups = groupSize > 0 ? (in + groupSize - 1) / groupSize : 1;  // the last group may be narrower
    l.weight.scales = at::rand({out, groups}, at::kFloat) * 0.02 + 0.001;
    l.weight.bits = weightBits;
    l.weight.groupSize = groupSize;
    l.inputScale = 0.0123456789;
    l.activationBits = activationBits;
    if (bias) l.bias = at::randn({out}, at::kFloat);
    return l;
}

// acc[n][o][g] with int64 loops; input i belongs to group i / groupSize.
std::vector<int64_t> integerAccumulators(const at::Tensor& xq, const QuantizedLinear& l)
{
    const int64_t n = xq.size(0), in = xq.size(1), out = l.weight.codes.size(0), groups = l.weight.scales.size(1);
    const int64_t gs = l.weight.groupSize > 0 ? l.weight.groupSize : in;
    auto x = xq.to(at::kLong).contiguous();
    auto w = l.weight.codes.to(at::kLong).contiguous();
    const int64_t* xp = x.data_ptr<int64_t>();
    const int64_t* wp = w.data_ptr<int64_t>();
    std::vector<int64_t> acc(static_cast<size_t>(n * out * groups), 0);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t o = 0; o < out; ++o)
            for (int64_t i = 0; i < in; ++i) acc[size_t((r * out + o) * groups + i / gs)] += xp[r * in + i] * wp[o * in + i];
    return acc;
}

}  // namespace

class TestQuantizedLinear : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(11); }

    void exactAccumulators_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("out");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<int>("weightBits");
        QTest::addColumn<int>("activationBits");
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("extreme");
        QTest::addColumn<bool>("beyondFp32");
        // extreme: same-signed codes near the grid minimum, so the sums are as large as the bits allow.
        // beyondFp32: a group's sums exceed 2^24, so one plain fp32 GEMM would round them (checked below).
        QTest::newRow("w8a8 per channel") << 3 << 5 << 64 << 0 << 8 << 8 << false << false << false;
        QTest::newRow("w4a8 groups + bias") << 4 << 6 << 96 << 32 << 4 << 8 << true << false << false;
        QTest::newRow("w2a4 groups") << 2 << 3 << 40 << 8 << 2 << 4 << false << false << false;
        QTest::newRow("w8a8 in 3000, fp32 chunks of 1024") << 2 << 3 << 3000 << 0 << 8 << 8 << false << true << true;
        QTest::newRow("w8a8 groups of 2048, chunked") << 2 << 3 << 4096 << 2048 << 8 << 8 << true << true << true;
        QTest::newRow("w6a12 groups of 300, chunks of 256") << 2 << 3 << 600 << 300 << 6 << 12 << true << true << true;
        QTest::newRow("w8a16 fp64 GEMM") << 3 << 4 << 200 << 0 << 8 << 16 << true << true << true;
        QTest::newRow("w5a16 groups of 100, fp64 GEMM") << 2 << 3 << 400 << 100 << 5 << 16 << true << true << true;
        QTest::newRow("w4a16 groups of 64, at the fp32 bound") << 2 << 4 << 256 << 64 << 4 << 16 << false << true << false;
        // Ragged: groups of 32 over 172 inputs (five of 32, one of 12), as stories260K's down_proj with Q4_0's group.
        QTest::newRow("w4a8 ragged 172 / 32 + bias") << 3 << 5 << 172 << 32 << 4 << 8 << true << false << false;
        QTest::newRow("w4a16 ragged 150 / 64, at the fp32 bound")
            << 2 << 3 << 150 << 64 << 4 << 16 << false << true << false;
        QTest::newRow("w8a8 ragged 3100 / 1500, chunked") << 2 << 3 << 3100 << 1500 << 8 << 8 << false << true << true;
        QTest::newRow("w5a16 ragged 250 / 100, fp64 GEMM") << 2 << 3 << 250 << 100 << 5 << 16 << true << true << true;
        QTest::newRow("group wider than the input: one group")
            << 2 << 4 << 40 << 64 << 4 << 8 << false << false << false;
        // More outputs than one block of converted codes (2^20 values: 6096 rows of 172).
        QTest::newRow("w4a8 ragged, 6200 outputs") << 2 << 6200 << 172 << 32 << 4 << 8 << true << false << false;
    }
    void exactAccumulators()
    {
        QFETCH(int, rows);
        QFETCH(int, out);
        QFETCH(int, in);
        QFETCH(int, groupSize);
        QFETCH(int, weightBits);
        QFETCH(int, activationBits);
        QFETCH(bool, bias);
        QFETCH(bool, extreme);
        QFETCH(bool, beyondFp32);
        const auto l = makeLinear(out, in, groupSize, weightBits, activationBits, bias, extreme);
        const int64_t amin = quant::gridMin(activationBits), amax = quant::gridMax(activationBits);
        const auto xq = extreme ? randomCodes(rows, in, amin, amin + 3, at::kFloat)
                                : randomCodes(rows, in, amin, amax, at::kFloat);

        const auto expected = integerAccumulators(xq, l);
        const auto acc = l.accumulate(xq);
        const int64_t groups = l.weight.scales.size(1);
        QCOMPARE(acc.sizes().vec(), (std::vector<int64_t>{rows, out, groups}));
        QCOMPARE(acc.scalar_type(), at::kDouble);
        const auto accC = acc.contiguous();
        const double* a = accC.data_ptr<double>();
        int64_t largest = 0;
        for (size_t i = 0; i < expected.size(); ++i) {
            // Exact equality (QCOMPARE on doubles would be a fuzzy compare).
            QVERIFY2(a[i] == static_cast<double>(expected[i]),
                     qPrintable(QString("acc %1: %2 vs %3").arg(i).arg(a[i], 0, 'f', 1).arg(expected[i])));
            largest = std::max<int64_t>(largest, std::llabs(expected[i]));
        }
        if (extreme && !beyondFp32) {
            // At the bound: in_group·2^(a-1)·2^(b-1) = 2^24, and the sums come close to it.
            QVERIFY2(largest > (int64_t{1} << 23) && largest <= (int64_t{1} << 24), qPrintable(QString::number(largest)));
        }
        if (beyondFp32) {
            // The case is only meaningful if one fp32 GEMM over a whole group would have lost bits.
            QVERIFY2(largest > (int64_t{1} << 24), qPrintable(QString::number(largest)));
            const int64_t gs = groupSize > 0 ? std::min(groupSize, in) : in;
            auto naive = at::mm(xq.narrow(1, 0, gs), l.weight.codes.narrow(1, 0, gs).to(at::kFloat).t()).to(at::kDouble);
            auto exact = acc.select(2, 0);
            QVERIFY(!at::equal(naive, exact));
        }

        // y = fp32(s_x) · Σ_g scale·acc (+ bias), in double from the integer sums.
        const double sx = static_cast<double>(static_cast<float>(l.inputScale));
        // forward() quantizes x itself; feed it values whose codes are xq: (xq · s_x) / s_x rounds back to xq.
        const auto x = xq * static_cast<float>(l.inputScale);
        QVERIFY(at::equal(l.quantizeInput(x), xq));
        const auto y = l.forward(x).contiguous();
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{rows, out}));
        const auto scales = l.weight.scales.to(at::kDouble).contiguous();
        const auto biasD = bias ? l.bias.to(at::kDouble).contiguous() : at::Tensor();
        double worst = 0;
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t o = 0; o < out; ++o) {
                double sum = 0;
                for (int64_t g = 0; g < groups; ++g)
                    sum += scales.data_ptr<double>()[o * groups + g] * static_cast<double>(expected[size_t((r * out + o) * groups + g)]);
                double ref = sx * sum;
                const double magnitude = std::abs(ref) + (bias ? std::abs(biasD.data_ptr<double>()[o]) : 0.0);
                if (bias) ref += biasD.data_ptr<double>()[o];
                const double err = std::abs(y.data_ptr<float>()[r * out + o] - ref);
                // fp32 rounding of the rescaled sum and of the bias addition: 2 half-ulps.
                QVERIFY2(err <= 1.2e-7 * magnitude + 1e-30,
                         qPrintable(QString("row %1 out %2: %3 vs %4").arg(r).arg(o).arg(y.data_ptr<float>()[r * out + o]).arg(ref)));
                worst = std::max(worst, err / std::max(magnitude, 1e-30));
            }
        qInfo("largest |acc| %lld, worst relative output error %.3g", static_cast<long long>(largest), worst);
    }

    void batchDimensionsAndShapeErrors()
    {
        const auto l = makeLinear(7, 32, 16, 4, 8, true, false);
        auto x = at::randn({2, 3, 32});
        auto y = l.forward(x);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, 3, 7}));
        QVERIFY(at::equal(y.reshape({6, 7}), l.forward(x.reshape({6, 32}))));
        bool threw = false;
        try {
            (void)l.forward(at::randn({2, 31}));
        } catch (const std::invalid_argument& e) {
            threw = QString(e.what()).contains("31");
        }
        QVERIFY(threw);

        // Scales must be [out, ceil(in / groupSize)]: 2 groups of 16 are not ragged groups of 12 (3 of them).
        QuantizedLinear wrong = l;
        wrong.weight.groupSize = 12;
        threw = false;
        try {
            (void)wrong.forward(at::randn({2, 32}));
        } catch (const std::invalid_argument& e) {
            threw = QString(e.what()).contains("scales");
        }
        QVERIFY(threw);
    }

    void quantizeInputRoundsHalfToEvenAndClamps()
    {
        QuantizedLinear l = makeLinear(2, 8, 0, 8, 8, false, false);
        l.inputScale = 0.5;
        const std::vector<float> x{0.25f, 0.75f, 1.25f, -1.25f, -0.75f, -0.25f, 63.25f, 63.75f,
                                   100.f, -63.75f, -64.0f, -64.25f, -100.f, 0.0f, 1.0f, -0.5f};
        const std::vector<float> expected{0, 2, 2, -2, -2, -0, 126, 127, 127, -128, -128, -128, -128, 0, 2, -1};
        auto q = l.quantizeInput(at::tensor(x));
        for (size_t i = 0; i < x.size(); ++i) QVERIFY2(q[int64_t(i)].item<float>() == expected[i], qPrintable(QString::number(i)));

        l.activationBits = 16;
        l.inputScale = 1.0;
        auto q16 = l.quantizeInput(at::tensor(std::vector<float>{1e9f, -1e9f, 32766.5f, -32767.5f, 2.5f}));
        const std::vector<float> e16{32767, -32768, 32766, -32768, 2};
        for (size_t i = 0; i < e16.size(); ++i) QVERIFY2(q16[int64_t(i)].item<float>() == e16[i], qPrintable(QString::number(i)));

        // A scale that is not a power of two: the quotient is the fp32 division x / fp32(s), rounded half to even.
        l.activationBits = 8;
        l.inputScale = 0.0371;
        auto xr = at::randn({4096}) * 2;
        auto qr = l.quantizeInput(xr).contiguous();
        const float s = static_cast<float>(l.inputScale);
        for (int64_t i = 0; i < xr.numel(); ++i) {
            const float v = xr[i].item<float>();
            const double quotient = static_cast<float>(static_cast<double>(v) / static_cast<double>(s));
            const double code = std::clamp(std::nearbyint(quotient), -128.0, 127.0);
            QVERIFY2(static_cast<double>(qr.data_ptr<float>()[i]) == code, qPrintable(QString::number(v)));
        }
        QVERIFY(qr.max().item<float>() == 127.f && qr.min().item<float>() == -128.f);  // clamping was exercised
    }
};

QTEST_GUILESS_MAIN(TestQuantizedLinear)
#include "TestQuantizedLinear.moc"
