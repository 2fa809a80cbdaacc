#include "quant/Gptq.h"
#include "quant/HessianAccumulator.h"
#include "quant/Rtn.h"

#include <QTest>

#include <cmath>
#include <utility>
#include <vector>

using namespace lathe;
using namespace lathe::quant;

namespace {

// Calibration rows with strongly correlated columns (what makes GPTQ's error feedback pay off).
at::Tensor correlatedInputs(int64_t rows, int64_t columns)
{
    auto mix = at::randn({columns, columns}) / std::sqrt(static_cast<double>(columns)) + at::eye(columns) * 0.3;
    return at::matmul(at::randn({rows, columns}), mix);
}

at::Tensor hessianOf(const at::Tensor& x)
{
    HessianAccumulator acc(x.size(1));
    auto r = acc.add(x);
    Q_ASSERT(r.ok());
    return acc.hessian();
}

// ‖X Wᵀ − X Ŵᵀ‖² in fp64.
double outputError(const at::Tensor& x, const at::Tensor& w, const at::Tensor& wq)
{
    auto xd = x.to(at::kDouble);
    return at::matmul(xd, (w.to(at::kDouble) - wq.to(at::kDouble)).t()).square().sum().item<double>();
}

// Textbook GPTQ/OBQ in fp64 without Cholesky or blocks: quantize column i, spread its error with the current inverse
// Hessian row, then eliminate i from the inverse. Same scales and damping as the library.
at::Tensor referenceGptqCodes(const at::Tensor& w, const at::Tensor& h, const at::Tensor& scales, int bits)
{
    const int64_t out = w.size(0), in = w.size(1);
    auto hd = h.to(at::kDouble).clone();
    double meanDiag = 0;
    for (int64_t i = 0; i < in; ++i) meanDiag += hd[i][i].item<double>() / in;
    for (int64_t i = 0; i < in; ++i) hd[i][i] += 0.01 * meanDiag;
    auto inv = at::inverse(hd);
    std::vector<std::vector<double>> hinv(in, std::vector<double>(in));
    for (int64_t i = 0; i < in; ++i)
        for (int64_t j = 0; j < in; ++j) hinv[i][j] = inv[i][j].item<double>();
    auto wd = w.to(at::kDouble);
    std::vector<std::vector<double>> ww(out, std::vector<double>(in));
    for (int64_t r = 0; r < out; ++r)
        for (int64_t c = 0; c < in; ++c) ww[r][c] = wd[r][c].item<double>();
    const double qmax = (1 << (bits - 1)) - 1;
    auto codes = at::zeros({out, in}, at::kChar);
    for (int64_t i = 0; i < in; ++i) {
        for (int64_t r = 0; r < out; ++r) {
            const double s = scales[r][0].item<float>();
            const double q = std::clamp(std::nearbyint(ww[r][i] / s), -qmax - 1, qmax);
            codes[r][i] = static_cast<int8_t>(q);
            const double e = (ww[r][i] - q * s) / hinv[i][i];
            for (int64_t j = i + 1; j < in; ++j) ww[r][j] -= e * hinv[i][j];
        }
        const double d = hinv[i][i];
        for (int64_t a = i + 1; a < in; ++a)
            for (int64_t b = i + 1; b < in; ++b) hinv[a][b] -= hinv[a][i] * hinv[i][b] / d;
    }
    return codes;
}

// Smallest (w − c·s)ᵀ G (w − c·s) over every code vector c of the grid, for one row of 4 inputs.
double exhaustiveRowOptimum(const std::vector<double>& w, double s, const std::vector<std::vector<double>>& g, int bits)
{
    const int lo = -(1 << (bits - 1)), levels = 1 << bits;
    double best = INFINITY;
    std::vector<double> e(4);
    for (int combo = 0; combo < levels * levels * levels * levels; ++combo) {
        int rest = combo;
        for (int j = 0; j < 4; ++j, rest /= levels) e[j] = w[j] - (lo + rest % levels) * s;
        double err = 0;
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) err += e[a] * g[a][b] * e[b];
        best = std::min(best, err);
    }
    return best;
}

// (w − c·s)ᵀ G (w − c·s) for given codes, in fp64.
double codeError(const std::vector<double>& w, const std::vector<double>& codes, double s,
                 const std::vector<std::vector<double>>& g)
{
    double err = 0;
    for (size_t a = 0; a < w.size(); ++a)
        for (size_t b = 0; b < w.size(); ++b) err += (w[a] - codes[a] * s) * g[a][b] * (w[b] - codes[b] * s);
    return err;
}

}  // namespace

class TestGptq : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(1234); }

    void hessianIsRunningMean()
    {
        auto x = at::randn({300, 24});
        auto expected = at::matmul(x.to(at::kDouble).t(), x.to(at::kDouble)) * (2.0 / 300);
        HessianAccumulator whole(24);
        QVERIFY(whole.add(x).ok());
        HessianAccumulator split(24);
        QVERIFY(split.add(x.slice(0, 0, 7).view({1, 7, 24})).ok());
        QVERIFY(split.add(x.slice(0, 7, 200)).ok());
        QVERIFY(split.add(x.slice(0, 200, 300)).ok());
        QCOMPARE(split.rows(), int64_t(300));
        // Accumulated in fp32 (one GEMM per batch), so compared at fp32 precision with the fp64 sum.
        QCOMPARE(whole.hessian().scalar_type(), at::kFloat);
        QVERIFY(at::allclose(whole.hessian().to(at::kDouble), expected, 1e-5, 1e-5));
        QVERIFY(at::allclose(split.hessian().to(at::kDouble), expected, 1e-5, 1e-5));

        QVERIFY(!split.add(at::randn({4, 23})).ok());
        auto nan = at::randn({4, 24});
        nan[2][5] = NAN;
        QVERIFY(!split.add(nan).ok());
        QVERIFY(at::allclose(split.hessian().to(at::kDouble), expected, 1e-5, 1e-5));

        // Taking the matrix empties the accumulator; GPTQ then owns the only copy.
        const at::Tensor taken = split.take();
        QVERIFY(at::allclose(taken.to(at::kDouble), expected, 1e-5, 1e-5));
        QVERIFY(!split.hessian().defined());
        QCOMPARE(split.add(x).error().code, ErrorCode::InvalidArgument);
    }

    void matchesUnblockedReference()
    {
        auto x = correlatedInputs(256, 16);
        auto w = at::randn({8, 16});
        GptqOptions options;
        options.grid = GridSpec{3, 0, true};
        options.blockSize = 5;  // several blocks, one ragged
        for (bool factorInDouble : {false, true}) {
            options.factorInDouble = factorInDouble;
            auto r = quantizeGptq(w, hessianOf(x), options);
            QVERIFY(r.ok());
            auto expected = referenceGptqCodes(w, hessianOf(x), r->weight.scales, 3);
            QCOMPARE(r->weight.codes.ne(expected).sum().item<int64_t>(), int64_t(0));
            QVERIFY(at::allclose(r->weight.scales, computeScales(w, options.grid)));
        }
    }

    void blockSizeDoesNotChangeResult()
    {
        auto x = correlatedInputs(512, 96);
        auto w = at::randn({16, 96});
        auto h = hessianOf(x);
        GptqOptions options;
        options.grid = GridSpec{4, 0, true};
        auto big = quantizeGptq(w, h, options);
        options.blockSize = 7;
        auto small = quantizeGptq(w, h, options);
        QVERIFY(big.ok() && small.ok());
        // Lazy updates only regroup fp32 sums; a flipped rounding would show up as a mismatch here.
        QVERIFY(small->weight.codes.ne(big->weight.codes).sum().item<int64_t>() <= 1);
    }

    void diagonalHessianEqualsRtn()
    {
        // With uncorrelated inputs the inverse factor is diagonal: no error is fed forward.
        auto h = at::diag(at::rand({64}, at::kDouble) + 0.5);
        auto w = at::randn({8, 64});
        for (int64_t group : {int64_t(0), int64_t(16)}) {
            GptqOptions options;
            options.grid = GridSpec{4, group, true};
            auto g = quantizeGptq(w, h, options);
            auto r = quantizeRtn(w, options.grid);
            QVERIFY(g.ok() && r.ok());
            QVERIFY(at::equal(g->weight.codes, r->codes));
            QVERIFY(at::allclose(g->weight.scales, r->scales));
        }
    }

    void beatsRtnOnCorrelatedInputs_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<bool>("actOrder");
        QTest::newRow("w4") << 4 << 0 << false;
        QTest::newRow("w3") << 3 << 0 << false;
        QTest::newRow("w4 act-order") << 4 << 0 << true;
        QTest::newRow("w4 g32") << 4 << 32 << false;
        QTest::newRow("w4 g32 act-order") << 4 << 32 << true;
    }
    void beatsRtnOnCorrelatedInputs()
    {
        QFETCH(int, bits);
        QFETCH(int, groupSize);
        QFETCH(bool, actOrder);
        auto x = correlatedInputs(2048, 256);
        auto w = at::randn({64, 256});
        GptqOptions options;
        options.grid = GridSpec{bits, groupSize, true};
        options.actOrder = actOrder;
        auto g = quantizeGptq(w, hessianOf(x), options);
        auto r = quantizeRtn(w, options.grid);
        QVERIFY(g.ok() && r.ok());
        const double gptqErr = outputError(x, w, g->weight.dequantize());
        const double rtnErr = outputError(x, w, r->dequantize());
        qInfo("output error GPTQ/RTN = %.3f", gptqErr / rtnErr);
        QVERIFY2(gptqErr < 0.6 * rtnErr, qPrintable(QString::number(gptqErr / rtnErr)));
    }

    void closeToExhaustiveOptimum_data()
    {
        QTest::addColumn<int>("bits");
        QTest::newRow("2-bit") << 2;
        QTest::newRow("3-bit") << 3;
    }
    void closeToExhaustiveOptimum()
    {
        QFETCH(int, bits);
        const int trials = 100;
        double totalOptimum = 0, totalGptq = 0, totalRtn = 0;
        int gptqAtOptimum = 0;
        for (int t = 0; t < trials; ++t) {
            auto x = correlatedInputs(64, 4).to(at::kDouble);
            auto w = at::randn({2, 4});
            GptqOptions options;
            options.grid = GridSpec{bits, 0, true};
            auto g = quantizeGptq(w, hessianOf(x), options);
            auto r = quantizeRtn(w, options.grid);
            QVERIFY(g.ok() && r.ok());
            QVERIFY(at::equal(g->weight.scales, r->scales));
            auto gram = at::matmul(x.t(), x);
            std::vector<std::vector<double>> gv(4, std::vector<double>(4));
            for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b) gv[a][b] = gram[a][b].item<double>();
            double optimum = 0, gptqErr = 0, rtnErr = 0;
            for (int row = 0; row < 2; ++row) {
                std::vector<double> wr(4), gc(4), rc(4);
                for (int j = 0; j < 4; ++j) {
                    wr[j] = w[row][j].item<float>();
                    gc[j] = g->weight.codes[row][j].item<int>();
                    rc[j] = r->codes[row][j].item<int>();
                }
                const double s = g->weight.scales[row][0].item<float>();
                optimum += exhaustiveRowOptimum(wr, s, gv, bits);
                gptqErr += codeError(wr, gc, s, gv);
                rtnErr += codeError(wr, rc, s, gv);
            }
            QVERIFY(optimum <= gptqErr * (1 + 1e-12));
            QVERIFY(optimum <= rtnErr * (1 + 1e-12));
            gptqAtOptimum += gptqErr <= optimum * (1 + 1e-12);
            totalOptimum += optimum;
            totalGptq += gptqErr;
            totalRtn += rtnErr;
        }
        qInfo("%d-bit over %d layers: GPTQ/optimum %.3f, RTN/optimum %.3f, GPTQ optimal in %d", bits, trials,
              totalGptq / totalOptimum, totalRtn / totalOptimum, gptqAtOptimum);
        // Stated bound: summed over the layers, GPTQ's output error is within 1.6x of the optimum and below RTN's.
        QVERIFY2(totalGptq < 1.6 * totalOptimum, qPrintable(QString::number(totalGptq / totalOptimum)));
        QVERIFY(totalGptq < totalRtn);
    }

    void deadInputsAreZeroed()
    {
        auto x = correlatedInputs(512, 32);
        x.select(1, 5).zero_();
        x.select(1, 17).zero_();
        auto w = at::randn({8, 32});
        w.select(1, 5).fill_(50.0);  // would dominate every row's scale if it were counted
        GptqOptions options;
        options.grid = GridSpec{4, 0, true};
        for (bool actOrder : {false, true}) {
            options.actOrder = actOrder;
            auto g = quantizeGptq(w, hessianOf(x), options);
            QVERIFY(g.ok());
            QVERIFY(g->deadColumns[5].item<bool>() && g->deadColumns[17].item<bool>());
            QCOMPARE(g->deadColumns.sum().item<int64_t>(), int64_t(2));
            QVERIFY(g->weight.codes.select(1, 5).eq(0).all().item<bool>());
            QVERIFY(g->weight.codes.select(1, 17).eq(0).all().item<bool>());
            auto live = w.clone();
            live.select(1, 5).zero_();
            live.select(1, 17).zero_();
            QVERIFY(at::allclose(g->weight.scales, computeScales(live, options.grid)));
            auto r = quantizeRtn(live, options.grid);
            QVERIFY(outputError(x, w, g->weight.dequantize()) < outputError(x, w, r->dequantize()));
        }
    }

    void actOrderOnSortedDiagonalChangesNothing()
    {
        auto x = correlatedInputs(1024, 64);
        // Columns reordered by descending energy make diag(H) sorted already.
        auto energy = x.square().sum(0);
        x = x.index_select(1, std::get<1>(at::sort(energy, true, 0, true))).contiguous();
        auto h = hessianOf(x);
        auto diag = h.diagonal();
        QVERIFY(diag.slice(0, 1).lt(diag.slice(0, 0, -1)).all().item<bool>());
        auto w = at::randn({16, 64});
        // Per channel only: with groups, act-order switches to static group scales (see docs).
        {
            GptqOptions options;
            options.grid = GridSpec{4, 0, true};
            auto plain = quantizeGptq(w, h, options);
            options.actOrder = true;
            auto ordered = quantizeGptq(w, h, options);
            QVERIFY(plain.ok() && ordered.ok());
            QVERIFY(at::equal(ordered->permutation, at::arange(64, at::kLong)));
            QVERIFY(at::equal(ordered->weight.codes, plain->weight.codes));
            QVERIFY(at::equal(ordered->weight.scales, plain->weight.scales));
        }
    }

    void actOrderEqualsSweepOfPermutedLayer()
    {
        auto x = correlatedInputs(1024, 48);
        x.mul_(at::rand({48}) * 3 + 0.1);
        auto h = hessianOf(x);
        auto w = at::randn({8, 48});
        GptqOptions options;
        options.grid = GridSpec{3, 0, false};
        options.actOrder = true;
        auto ordered = quantizeGptq(w, h, options);
        QVERIFY(ordered.ok());
        auto perm = ordered->permutation;
        QVERIFY(at::equal(perm, std::get<1>(at::sort(h.diagonal(), true, 0, true))));
        QVERIFY(!at::equal(perm, at::arange(48, at::kLong)));
        options.actOrder = false;
        auto manual = quantizeGptq(w.index_select(1, perm), h.index_select(0, perm).index_select(1, perm), options);
        QVERIFY(manual.ok());
        QVERIFY(at::equal(ordered->weight.codes.index_select(1, perm), manual->weight.codes));
    }

    void failingCholeskyRetriesWithMoreDamping()
    {
        // Eigenvalues 2.02 and -0.02: 1% damping (λ = 0.01) is not enough, 10% (λ = 0.1) is.
        auto h = at::tensor({1.0, 1.02, 1.02, 1.0}, at::kDouble).view({2, 2});
        auto w = at::randn({3, 2});
        GptqOptions options;
        options.grid = GridSpec{4, 0, true};
        auto r = quantizeGptq(w, h, options);
        QVERIFY(r.ok());
        QCOMPARE(r->dampRetries, 1);
        QVERIFY(std::abs(r->damping - 0.1) < 1e-12);
        // A Hessian the caller still holds is not damped in place; a handed-over one gives the same result.
        QVERIFY(at::equal(h, at::tensor({1.0, 1.02, 1.02, 1.0}, at::kDouble).view({2, 2})));
        auto owned = h.to(at::kFloat);
        auto handedOver = quantizeGptq(w, std::move(owned), options);
        QVERIFY(handedOver.ok());
        QVERIFY(at::equal(handedOver->weight.codes, r->weight.codes));
        QCOMPARE(handedOver->dampRetries, 1);

        options.maxDampRetries = 0;
        auto refused = quantizeGptq(w, h, options);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);

        auto healthy = quantizeGptq(w, at::eye(2, at::kDouble), GptqOptions{});
        QVERIFY(healthy.ok());
        QCOMPARE(healthy->dampRetries, 0);
        QVERIFY(std::abs(healthy->damping - 0.01) < 1e-12);
    }

    void rejectsBadInputAndHonoursStop()
    {
        auto w = at::randn({4, 8});
        QCOMPARE(quantizeGptq(w, at::eye(7), GptqOptions{}).error().code, ErrorCode::InvalidArgument);
        auto nanH = at::eye(8);
        nanH[1][1] = NAN;
        QVERIFY(!quantizeGptq(w, nanH, GptqOptions{}).ok());
        StopToken stop;
        stop.requestStop();
        QCOMPARE(quantizeGptq(w, at::eye(8), GptqOptions{}, &stop).error().code, ErrorCode::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestGptq)
#include "TestGptq.moc"
