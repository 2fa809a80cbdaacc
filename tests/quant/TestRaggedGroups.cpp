// Weight groups whose size does not divide the input width (the last group narrower), for RTN and GPTQ, against
// per-group loops written out here: scales from each group's own columns, codes, GPTQ's sweep with group scales
// taken at each group's first column, act-order with static groups, and the exhaustive optimum of a tiny layer.
#include "quant/Gptq.h"
#include "quant/Rtn.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

using namespace lathe;
using namespace lathe::quant;

namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix toMatrix(const at::Tensor& t)
{
    auto d = t.to(at::kDouble).contiguous();
    Matrix m(d.size(0), std::vector<double>(d.size(1)));
    for (int64_t r = 0; r < d.size(0); ++r)
        for (int64_t c = 0; c < d.size(1); ++c) m[r][c] = d.data_ptr<double>()[r * d.size(1) + c];
    return m;
}

// Σ|w − clamp(round(w/s))·s|^2.4 over w[first, last), in double.
double clipError(const std::vector<double>& w, int64_t first, int64_t last, double s, int bits)
{
    const double qmax = static_cast<double>(gridMax(bits));
    double err = 0;
    for (int64_t i = first; i < last; ++i)
        err += std::pow(std::abs(w[i] - std::clamp(std::nearbyint(w[i] / s), -qmax - 1, qmax) * s), 2.4);
    return err;
}

double absMax(const std::vector<double>& w, int64_t first, int64_t last)
{
    double m = 0;
    for (int64_t i = first; i < last; ++i) m = std::max(m, std::abs(w[i]));
    return m;
}

// The fp32 scale without clipping search: absmax/qmax as the library rounds it (both operands fp32).
double plainScale(double absmax, int bits)
{
    if (absmax == 0) return 1.0;
    return static_cast<float>(static_cast<float>(absmax) / static_cast<float>(gridMax(bits)));
}

// Random-walk columns (column j is the sum of j + 1 draws): strongly correlated inputs, where GPTQ's error feedback
// matters, with a variance that grows along the columns.
at::Tensor randomWalkInputs(int64_t rows, int64_t columns)
{
    return at::randn({rows, columns}, at::kDouble).cumsum(1);
}

// H = 2/N · XᵀX in fp64, the layer Hessian GPTQ minimises the output error with.
at::Tensor hessianOf(const at::Tensor& x)
{
    auto xd = x.to(at::kDouble);
    return at::matmul(xd.t(), xd) * (2.0 / static_cast<double>(x.size(0)));
}

struct ReferenceResult {
    Matrix codes;   // [out][in], original column order
    Matrix scales;  // [out][groups]
};

// Textbook GPTQ/OBQ in fp64 (no Cholesky, no blocks) with groups of g columns, the last one narrower, and no
// clipping search. Without act-order a group's scales come from the error-updated weights of its columns when
// the sweep reaches its first column; with act-order (columns by descending diag H) they come from the weights
// before the sweep, and a column keeps its own group's scale.
ReferenceResult referenceGroupedGptq(const at::Tensor& weight, const at::Tensor& hessian, int bits, int64_t g,
                                     bool actOrder)
{
    Matrix w = toMatrix(weight), h = toMatrix(hessian);
    const int64_t out = static_cast<int64_t>(w.size()), in = static_cast<int64_t>(h.size());
    const int64_t groups = (in + g - 1) / g;
    const double qmax = static_cast<double>(gridMax(bits));
    ReferenceResult result{Matrix(out, std::vector<double>(in)), Matrix(out, std::vector<double>(groups))};
    if (actOrder)
        for (int64_t r = 0; r < out; ++r)
            for (int64_t k = 0; k < groups; ++k)
                result.scales[r][k] = plainScale(absMax(w[r], k * g, std::min(k * g + g, in)), bits);

    std::vector<int64_t> order(in);
    std::iota(order.begin(), order.end(), 0);
    if (actOrder) std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return h[a][a] > h[b][b]; });
    double meanDiag = 0;
    for (int64_t i = 0; i < in; ++i) meanDiag += h[i][i] / in;
    auto damped = at::empty({in, in}, at::kDouble);
    for (int64_t a = 0; a < in; ++a)
        for (int64_t b = 0; b < in; ++b) damped[a][b] = h[order[a]][order[b]] + (a == b ? 0.01 * meanDiag : 0.0);
    auto invTensor = at::inverse(damped);
    Matrix hinv = toMatrix(invTensor);

    for (int64_t k = 0; k < in; ++k) {
        const int64_t col = order[k];
        for (int64_t r = 0; r < out; ++r) {
            if (!actOrder && col % g == 0) {
                double m = 0;
                for (int64_t j = k; j < std::min(k + g, in); ++j) m = std::max(m, std::abs(w[r][order[j]]));
                result.scales[r][col / g] = plainScale(m, bits);
            }
            const double s = result.scales[r][col / g];
            const double q = std::clamp(std::nearbyint(w[r][col] / s), -qmax - 1, qmax);
            result.codes[r][col] = q;
            const double e = (w[r][col] - q * s) / hinv[k][k];
            for (int64_t j = k + 1; j < in; ++j) w[r][order[j]] -= e * hinv[k][j];
        }
        const double d = hinv[k][k];
        for (int64_t a = k + 1; a < in; ++a)
            for (int64_t b = k + 1; b < in; ++b) hinv[a][b] -= hinv[a][k] * hinv[k][b] / d;
    }
    return result;
}

// (w − c·s)ᵀ G (w − c·s) of one row, each input with its own scale.
double rowError(const std::vector<double>& w, const std::vector<double>& codes, const std::vector<double>& s,
                const Matrix& gram)
{
    double err = 0;
    for (size_t a = 0; a < w.size(); ++a)
        for (size_t b = 0; b < w.size(); ++b) err += (w[a] - codes[a] * s[a]) * gram[a][b] * (w[b] - codes[b] * s[b]);
    return err;
}

// Smallest rowError over every code vector of the grid.
double exhaustiveOptimum(const std::vector<double>& w, const std::vector<double>& s, const Matrix& gram, int bits)
{
    const int lo = -(1 << (bits - 1)), levels = 1 << bits;
    const size_t n = w.size();
    int64_t combos = 1;
    for (size_t i = 0; i < n; ++i) combos *= levels;
    std::vector<double> c(n);
    double best = INFINITY;
    for (int64_t combo = 0; combo < combos; ++combo) {
        int64_t rest = combo;
        for (size_t j = 0; j < n; ++j, rest /= levels) c[j] = lo + static_cast<int>(rest % levels);
        best = std::min(best, rowError(w, c, s, gram));
    }
    return best;
}

}  // namespace

class TestRaggedGroups : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(2024); }

    void rtnMatchesPerGroupLoop_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<bool>("clipSearch");
        QTest::newRow("w4 172 / 32, search") << 4 << 172 << 32 << true;  // five groups of 32, one of 12
        QTest::newRow("w4 172 / 32, plain") << 4 << 172 << 32 << false;
        QTest::newRow("w3 50 / 16, search") << 3 << 50 << 16 << true;  // a last group of 2
        QTest::newRow("w8 70 / 64, search") << 8 << 70 << 64 << true;  // a last group of 6
        QTest::newRow("w2 33 / 32, plain") << 2 << 33 << 32 << false;  // a last group of 1
    }
    void rtnMatchesPerGroupLoop()
    {
        QFETCH(int, bits);
        QFETCH(int, in);
        QFETCH(int, groupSize);
        QFETCH(bool, clipSearch);
        const int64_t out = 9, groups = (in + groupSize - 1) / groupSize;
        // Heavy tails make the search shrink many groups; one row is zero in its last group only.
        auto w = at::randn({out, in}) * at::exp(at::randn({out, in}));
        w[4].slice(0, (groups - 1) * groupSize).zero_();
        auto r = quantizeRtn(w, GridSpec{bits, groupSize, clipSearch});
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(r->groupSize, int64_t(groupSize));
        QCOMPARE(r->scales.sizes().vec(), (std::vector<int64_t>{out, groups}));
        QCOMPARE(r->codes.sizes().vec(), (std::vector<int64_t>{out, in}));
        const Matrix wm = toMatrix(w), scales = toMatrix(r->scales), codes = toMatrix(r->codes);
        const double qmax = static_cast<double>(gridMax(bits));
        int shrunk = 0;
        for (int64_t o = 0; o < out; ++o)
            for (int64_t k = 0; k < groups; ++k) {
                const int64_t first = k * groupSize, last = std::min(first + groupSize, int64_t(in));
                const double absmax = absMax(wm[o], first, last);
                const double chosen = scales[o][k];
                if (absmax == 0) {
                    QCOMPARE(chosen, 1.0);
                } else if (!clipSearch) {
                    QCOMPARE(chosen, plainScale(absmax, bits));
                } else {
                    double bestErr = INFINITY;
                    for (int i = 0; i < 80; ++i)
                        bestErr =
                            std::min(bestErr, clipError(wm[o], first, last, absmax * (100 - i) / 100.0 / qmax, bits));
                    // The library searches in fp32: as good as the fp64 optimum up to rounding noise. Besides the
                    // sums' relative noise, the scale itself is rounded to fp32 (|ds| <= 2^-24 s), which moves the
                    // error of an n-element group by at most 2 sqrt(E n) qmax |ds| + n qmax^2 ds^2; for a group whose
                    // error is tiny (2 weights, say) that term dominates.
                    const double ds = chosen * std::ldexp(1.0, -24);
                    const double n = static_cast<double>(last - first);
                    const double roundingSlack = 2 * std::sqrt(bestErr * n) * qmax * ds + n * qmax * qmax * ds * ds;
                    const double error = clipError(wm[o], first, last, chosen, bits);
                    QVERIFY2(error <= bestErr * (1 + 1e-5) + roundingSlack,
                             qPrintable(
                                 QString("row %1 group %2: error %3, best %4").arg(o).arg(k).arg(error).arg(bestErr)));
                    QVERIFY(chosen <= absmax / qmax * (1 + 1e-6) && chosen >= absmax * 0.21 / qmax * (1 - 1e-6));
                    shrunk += chosen < absmax / qmax * 0.995;
                }
                for (int64_t i = first; i < last; ++i) {
                    // The code of each weight is its own fp32 quotient rounded half to even and clamped.
                    const float quotient = static_cast<float>(wm[o][i]) / static_cast<float>(chosen);
                    QCOMPARE(codes[o][i], std::clamp(std::nearbyint(double(quotient)), -qmax - 1, qmax));
                }
            }
        if (clipSearch) QVERIFY(shrunk > 0);
        // Dequantization uses the same per-group scale for every column of the group.
        const Matrix deq = toMatrix(r->dequantize());
        for (int64_t o = 0; o < out; ++o)
            for (int64_t i = 0; i < in; ++i)
                QCOMPARE(deq[o][i], double(static_cast<float>(codes[o][i] * scales[o][i / groupSize])));
    }

    void groupSizeEdgeCases()
    {
        auto w = at::randn({5, 40});
        auto perChannel = quantizeRtn(w, GridSpec{4, 0, true});
        QVERIFY(perChannel.ok());
        QCOMPARE(perChannel->scales.sizes().vec(), (std::vector<int64_t>{5, 1}));
        // A group at least as wide as the input is one group: the per-channel result.
        for (int64_t g : {int64_t(40), int64_t(41), int64_t(64), int64_t(100000)}) {
            auto r = quantizeRtn(w, GridSpec{4, g, true});
            QVERIFY(r.ok());
            QCOMPARE(groupCount(40, g), int64_t(1));
            QVERIFY(at::equal(r->scales, perChannel->scales));
            QVERIFY(at::equal(r->codes, perChannel->codes));
        }
        QCOMPARE(groupCount(40, 0), int64_t(1));
        QCOMPARE(groupCount(40, 39), int64_t(2));
        QCOMPARE(groupCount(172, 32), int64_t(6));
        QCOMPARE(groupCount(64, 32), int64_t(2));
        QCOMPARE(groupCount(1, 1), int64_t(1));
        auto negative = quantizeRtn(w, GridSpec{4, -1, true});
        QVERIFY(!negative.ok());
        QCOMPARE(negative.error().code, ErrorCode::InvalidArgument);
        QVERIFY(QString::fromStdString(negative.error().message).contains("group size -1 is negative"));
        GptqOptions options;
        options.grid = GridSpec{4, -8, true};
        QCOMPARE(quantizeGptq(w, at::eye(40, at::kDouble), options).error().code, ErrorCode::InvalidArgument);

        // Scales of the wrong group count are refused rather than misapplied (40 inputs in 32s are 2 groups).
        bool threw = false;
        try {
            (void)dequantizeCodes(perChannel->codes, at::ones({5, 3}), 32);
        } catch (const std::invalid_argument& e) {
            threw = QString(e.what()).contains("[out, 2]");
        }
        QVERIFY(threw);
    }

    void gptqMatchesGroupedReference_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<bool>("actOrder");
        QTest::addColumn<bool>("factorInDouble");
        // Blocks of 5 round up to 8 columns (two groups of 4): blocks [0, 8) and [8, 11), groups 4, 4, 3.
        QTest::newRow("w3 11 / 4") << 3 << 11 << 4 << false << false;
        QTest::newRow("w3 11 / 4, fp64 factor") << 3 << 11 << 4 << false << true;
        QTest::newRow("w4 23 / 6, act-order") << 4 << 23 << 6 << true << false;
        QTest::newRow("w4 23 / 30: one group wider than the layer") << 4 << 23 << 30 << false << false;
    }
    void gptqMatchesGroupedReference()
    {
        QFETCH(int, bits);
        QFETCH(int, in);
        QFETCH(int, groupSize);
        QFETCH(bool, actOrder);
        QFETCH(bool, factorInDouble);
        auto x = randomWalkInputs(512, in);
        x.mul_(at::rand({in}, at::kDouble) * 3 + 0.1);  // act-order's column order is then far from reversed
        auto w = at::randn({6, in});
        auto h = hessianOf(x);
        GptqOptions options;
        options.grid = GridSpec{bits, groupSize, false};
        options.actOrder = actOrder;
        options.blockSize = 5;
        options.factorInDouble = factorInDouble;
        auto r = quantizeGptq(w, h, options);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const auto ref = referenceGroupedGptq(w, h, bits, groupSize, actOrder);
        const int64_t groups = (in + groupSize - 1) / groupSize;
        QCOMPARE(r->weight.scales.sizes().vec(), (std::vector<int64_t>{6, groups}));
        const Matrix codes = toMatrix(r->weight.codes), scales = toMatrix(r->weight.scales);
        int64_t mismatches = 0;
        for (int64_t o = 0; o < 6; ++o) {
            for (int64_t i = 0; i < in; ++i) mismatches += codes[o][i] != ref.codes[o][i];
            for (int64_t k = 0; k < groups; ++k)
                QVERIFY2(
                    std::abs(scales[o][k] - ref.scales[o][k]) <= 1e-5 * ref.scales[o][k],
                    qPrintable(
                        QString("row %1 group %2: %3 vs %4").arg(o).arg(k).arg(scales[o][k]).arg(ref.scales[o][k])));
        }
        QCOMPARE(mismatches, int64_t(0));
    }

    void gptqWithDiagonalHessianIsRtn()
    {
        // Uncorrelated inputs feed no error forward, so the sweep's group scales are RTN's, searched included.
        auto h = at::diag(at::rand({50}, at::kDouble) + 0.5);
        auto w = at::randn({8, 50});
        for (bool actOrder : {false, true}) {
            GptqOptions options;
            options.grid = GridSpec{4, 16, true};  // 16, 16, 16, 2
            options.actOrder = actOrder;
            auto g = quantizeGptq(w, h, options);
            auto r = quantizeRtn(w, options.grid);
            QVERIFY(g.ok() && r.ok());
            QVERIFY(at::equal(g->weight.codes, r->codes));
            QVERIFY(at::allclose(g->weight.scales, r->scales));
        }
    }

    void gptqNearExhaustiveOptimumOnTinyRaggedLayer()
    {
        // Five inputs in groups of 3 and 2, 2-bit: every code vector of a row (4^5) is tried with GPTQ's own scales.
        const int bits = 2, trials = 60;
        double totalOptimum = 0, totalGptq = 0, totalRtn = 0;
        for (int t = 0; t < trials; ++t) {
            auto x = randomWalkInputs(64, 5);
            auto w = at::randn({2, 5});
            GptqOptions options;
            options.grid = GridSpec{bits, 3, true};
            auto g = quantizeGptq(w, hessianOf(x), options);
            QVERIFY(g.ok());
            const Matrix gram = toMatrix(at::matmul(x.t(), x)), wm = toMatrix(w), codes = toMatrix(g->weight.codes);
            const Matrix scales = toMatrix(g->weight.scales);
            const double qmax = static_cast<double>(gridMax(bits));
            for (int row = 0; row < 2; ++row) {
                std::vector<double> s(5), rtn(5);
                for (int i = 0; i < 5; ++i) {
                    s[i] = scales[row][i / 3];
                    rtn[i] = std::clamp(std::nearbyint(wm[row][i] / s[i]), -qmax - 1, qmax);
                }
                const double optimum = exhaustiveOptimum(wm[row], s, gram, bits);
                const double gptqErr = rowError(wm[row], codes[row], s, gram);
                QVERIFY(optimum <= gptqErr * (1 + 1e-12));
                totalOptimum += optimum;
                totalGptq += gptqErr;
                totalRtn += rowError(wm[row], rtn, s, gram);
            }
        }
        qInfo("2-bit, groups 3 + 2, %d layers: GPTQ/optimum %.3f, RTN/optimum %.3f", trials, totalGptq / totalOptimum,
              totalRtn / totalOptimum);
        // The same bound as per channel: summed over the layers, within 1.6x of the optimum and below RTN's.
        QVERIFY2(totalGptq < 1.6 * totalOptimum, qPrintable(QString::number(totalGptq / totalOptimum)));
        QVERIFY(totalGptq < totalRtn);
    }
};

QTEST_GUILESS_MAIN(TestRaggedGroups)
#include "TestRaggedGroups.moc"
