#include "model/RopePermutation.h"

#include <QTest>

#include <cmath>

using namespace lathe;

// Checks the row permutation against both rotary conventions written out here from their definitions:
// interleaved RoPE rotates pairs (2i, 2i+1) of a head, rotate_half RoPE rotates pairs (i, i + d/2), both
// with angle pos * theta^(-2i/d). Projections by the Meta weight under the first must equal projections by
// the permuted weight under the second.
class TestRopePermutation : public QObject {
    Q_OBJECT

    static at::Tensor interleavedRope(const at::Tensor& q, int64_t heads, int64_t pos, double theta)
    {
        const int64_t d = q.size(1) / heads;
        at::Tensor out = q.clone();
        auto in = q.accessor<double, 2>();
        auto o = out.accessor<double, 2>();
        for (int64_t r = 0; r < q.size(0); ++r)
            for (int64_t h = 0; h < heads; ++h)
                for (int64_t i = 0; i < d / 2; ++i) {
                    const double angle = pos * std::pow(theta, -2.0 * i / d);
                    const double a = in[r][h * d + 2 * i], b = in[r][h * d + 2 * i + 1];
                    o[r][h * d + 2 * i] = a * std::cos(angle) - b * std::sin(angle);
                    o[r][h * d + 2 * i + 1] = a * std::sin(angle) + b * std::cos(angle);
                }
        return out;
    }
    static at::Tensor halfRope(const at::Tensor& q, int64_t heads, int64_t pos, double theta)
    {
        const int64_t d = q.size(1) / heads;
        at::Tensor out = q.clone();
        auto in = q.accessor<double, 2>();
        auto o = out.accessor<double, 2>();
        for (int64_t r = 0; r < q.size(0); ++r)
            for (int64_t h = 0; h < heads; ++h)
                for (int64_t i = 0; i < d / 2; ++i) {
                    const double angle = pos * std::pow(theta, -2.0 * i / d);
                    const double a = in[r][h * d + i], b = in[r][h * d + i + d / 2];
                    o[r][h * d + i] = a * std::cos(angle) - b * std::sin(angle);
                    o[r][h * d + i + d / 2] = a * std::sin(angle) + b * std::cos(angle);
                }
        return out;
    }
    // Interleaved output dims, reordered per head to (evens, odds): the layout rotate_half expects.
    static at::Tensor deinterleave(const at::Tensor& q, int64_t heads)
    {
        const int64_t d = q.size(1) / heads;
        at::Tensor out = at::empty_like(q);
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t i = 0; i < d / 2; ++i) {
                out.select(1, h * d + i).copy_(q.select(1, h * d + 2 * i));
                out.select(1, h * d + i + d / 2).copy_(q.select(1, h * d + 2 * i + 1));
            }
        return out;
    }

private Q_SLOTS:
    void permutationMatchesRotaryConventions_data()
    {
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("in");
        QTest::newRow("q 8x8") << 8 << 8 << 64;
        QTest::newRow("k 4x8 (gqa)") << 4 << 8 << 64;
        QTest::newRow("2x16") << 2 << 16 << 24;
    }
    void permutationMatchesRotaryConventions()
    {
        QFETCH(int, heads);
        QFETCH(int, headDim);
        QFETCH(int, in);
        at::manual_seed(1234);
        const at::Tensor wMeta = at::randn({heads * headDim, in}, at::kDouble);
        const at::Tensor wHf = model::interleavedToHalfRotary(wMeta, heads);
        QCOMPARE(wHf.sizes().vec(), wMeta.sizes().vec());
        QVERIFY(!at::equal(wHf, wMeta));
        const at::Tensor x = at::randn({5, in}, at::kDouble);
        for (int64_t pos : {0, 1, 7, 300}) {
            const at::Tensor meta = interleavedRope(at::matmul(x, wMeta.t()).contiguous(), heads, pos, 10000.0);
            const at::Tensor hf = halfRope(at::matmul(x, wHf.t()).contiguous(), heads, pos, 10000.0);
            // Same vectors, dimensions listed in each convention's own order.
            const double diff = (deinterleave(meta, heads) - hf).abs().max().item<double>();
            QVERIFY2(diff < 1e-12, qPrintable(QString::number(diff)));
            // Attention scores need no reordering at all: q.k is the same under both.
            const at::Tensor k1 = interleavedRope(at::matmul(x, wMeta.t()).contiguous(), heads, 3, 10000.0);
            const at::Tensor k2 = halfRope(at::matmul(x, wHf.t()).contiguous(), heads, 3, 10000.0);
            const at::Tensor s1 = at::matmul(meta.view({5, heads, headDim}).transpose(0, 1),
                                             k1.view({5, heads, headDim}).permute({1, 2, 0}));
            const at::Tensor s2 = at::matmul(hf.view({5, heads, headDim}).transpose(0, 1),
                                             k2.view({5, heads, headDim}).permute({1, 2, 0}));
            QVERIFY((s1 - s2).abs().max().item<double>() < 1e-10);
        }
        // A pure row permutation: every row survives bit for bit.
        QVERIFY(at::equal(std::get<0>(at::sort(wHf.flatten())), std::get<0>(at::sort(wMeta.flatten()))));
    }
};

QTEST_GUILESS_MAIN(TestRopePermutation)
#include "TestRopePermutation.moc"
