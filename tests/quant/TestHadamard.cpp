#include "quant/GaloisField.h"
#include "quant/Hadamard.h"
#include "quant/SplitMix64.h"

#include <QTest>

#include <cmath>

using namespace lathe;
using namespace lathe::quant;

namespace {

bool isHadamard(const at::Tensor& h, int64_t n)
{
    if (h.sizes() != at::IntArrayRef{n, n}) return false;
    if (!h.abs().eq(1.0).all().item<bool>()) return false;
    return at::equal(at::matmul(h, h.t()), at::eye(n, at::kDouble) * static_cast<double>(n));
}

}  // namespace

class TestHadamard : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void splitMixReferenceOutputs()
    {
        // First outputs for seed 0 of Vigna's reference splitmix64.c.
        SplitMix64 rng(0);
        QCOMPARE(rng.next(), 0xE220A8397B1DCDAFULL);
        QCOMPARE(rng.next(), 0x6E789E6AA1B965F4ULL);
        QCOMPARE(rng.next(), 0x06C45D188009454FULL);
    }

    void signsFollowTopBit()
    {
        // seed 42: top bits of the first 16 outputs, computed with an independent splitmix64.
        auto s = randomSigns(16, 42);
        const char* expected = "-++++-+-+-++---+";
        for (int i = 0; i < 16; ++i) QCOMPARE(s[i].item<double>(), expected[i] == '-' ? -1.0 : 1.0);
        QVERIFY(at::equal(randomSigns(16, 42), s));
        QVERIFY(!at::equal(randomSigns(16, 43), s));
    }

    void galoisFieldIsAField_data()
    {
        QTest::addColumn<int>("q");
        QTest::newRow("7") << 7;
        QTest::newRow("9") << 9;
        QTest::newRow("25") << 25;
        QTest::newRow("27") << 27;
    }
    void galoisFieldIsAField()
    {
        QFETCH(int, q);
        auto f = GaloisField::create(q);
        QVERIFY(f.has_value());
        int squares = 0;
        for (int a = 1; a < q; ++a) {
            int inverses = 0;
            for (int b = 1; b < q; ++b) inverses += f->multiply(a, b) == 1;
            QCOMPARE(inverses, 1);
            squares += f->quadraticCharacter(a) == 1;
            QCOMPARE(f->subtract(a, a), 0);
        }
        QCOMPARE(squares, (q - 1) / 2);
        QVERIFY(!GaloisField::create(12).has_value());
        QVERIFY(!GaloisField::create(15).has_value());
    }

    void sylvesterEntries()
    {
        auto h = sylvesterHadamard(16);
        QVERIFY(isHadamard(h, 16));
        for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 16; ++j) QCOMPARE(h[i][j].item<double>(), (__builtin_popcount(i & j) % 2) ? -1.0 : 1.0);
    }

    void paleyOrders_data()
    {
        QTest::addColumn<int>("k");
        // Paley I: 12 (q=11), 20 (19), 24 (23), 28 (27 = 3^3), 44, 60, 108, 140; Paley II: 36 (q=17), 52 (25 = 5^2).
        for (int k : {4, 8, 12, 20, 24, 28, 36, 44, 52, 60, 108, 140})
            QTest::newRow(qPrintable(QString::number(k))) << k;
    }
    void paleyOrders()
    {
        QFETCH(int, k);
        auto h = paleyHadamard(k);
        QVERIFY2(h.ok(), h.ok() ? "" : h.error().message.c_str());
        QVERIFY(isHadamard(*h, k));
    }

    void unsupportedOrdersAreReported()
    {
        for (int k : {156, 172, 6, 10}) QCOMPARE(paleyHadamard(k).error().code, ErrorCode::Unsupported);
        QCOMPARE(hadamardMatrix(0).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(hadamardMatrix(156).error().code, ErrorCode::Unsupported);
        QCOMPARE(hadamardMatrix(3 * 5 * 7).error().code, ErrorCode::Unsupported);
    }

    void compositeOrders_data()
    {
        QTest::addColumn<int>("n");
        for (int n : {1, 2, 64, 96, 192, 320, 448, 576, 768, 1280, 1536})
            QTest::newRow(qPrintable(QString::number(n))) << n;
    }
    void compositeOrders()
    {
        QFETCH(int, n);
        auto h = hadamardMatrix(n);
        QVERIFY2(h.ok(), h.ok() ? "" : h.error().message.c_str());
        QVERIFY(isHadamard(*h, n));
    }

    void kroneckerLayout()
    {
        // 24 = 12·2: the Paley factor is outer, so the first 2×2 block is H_12[0][0]·H_2.
        auto h = hadamardMatrix(24);
        auto h12 = paleyHadamard(12);
        QVERIFY(h.ok() && h12.ok());
        QVERIFY(at::equal(*h, at::kron(*h12, sylvesterHadamard(2))));
    }

    void randomHadamardIsOrthogonal_data()
    {
        QTest::addColumn<int>("n");
        QTest::newRow("64") << 64;
        QTest::newRow("768") << 768;
        QTest::newRow("2048") << 2048;
    }
    void randomHadamardIsOrthogonal()
    {
        QFETCH(int, n);
        auto r = randomHadamard(n, 2024);
        QVERIFY(r.ok());
        QCOMPARE(r->scalar_type(), at::kDouble);
        const double err = (at::matmul(*r, r->t()) - at::eye(n, at::kDouble)).abs().max().item<double>();
        QVERIFY2(err < 1e-6, qPrintable(QString::number(err)));
        const double errT = (at::matmul(r->t(), *r) - at::eye(n, at::kDouble)).abs().max().item<double>();
        QVERIFY(errT < 1e-6);
        auto h = hadamardMatrix(n);
        auto signs = randomSigns(n, 2024);
        QVERIFY(at::allclose(*r, signs.unsqueeze(1) * *h / std::sqrt(double(n)), 0, 1e-15));
    }
};

QTEST_GUILESS_MAIN(TestHadamard)
#include "TestHadamard.moc"
