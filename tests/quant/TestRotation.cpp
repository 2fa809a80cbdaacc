#include "quant/Hadamard.h"
#include "quant/Rotation.h"

#include <QTest>

using namespace lathe::quant;

class TestRotation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(5); }

    void fastTransformEqualsTheMatrix_data()
    {
        QTest::addColumn<int>("n");
        QTest::newRow("2^11, Llama-3.2-1B's hidden size") << 2048;
        QTest::newRow("Paley 12 alone") << 12;
        QTest::newRow("Paley 20 x 2^3") << 160;
        QTest::newRow("Paley 12 x 2^6 (768)") << 768;
        QTest::newRow("order 1") << 1;
    }
    void fastTransformEqualsTheMatrix()
    {
        QFETCH(int, n);
        auto r = Rotation::randomHadamard(n, 42);
        QVERIFY(r.ok());
        auto dense = randomHadamard(n, 42);
        QVERIFY(dense.ok());
        QVERIFY(at::equal(r->matrix(), *dense));
        // Rows: x·R for a batch [2, 3, n]; columns: Rᵀ·W and Rᵀ·b against the dense fp64 products.
        auto x = at::randn({2, 3, n}, at::kFloat);
        auto rows = r->rotateRows(x);
        QCOMPARE(rows.scalar_type(), at::kDouble);
        QCOMPARE(rows.sizes(), x.sizes());
        QVERIFY((rows - at::matmul(x.to(at::kDouble), *dense)).abs().max().item<double>() < 1e-12);
        auto w = at::randn({n, 5}, at::kDouble);
        QVERIFY((r->rotateColumns(w) - at::matmul(dense->t(), w)).abs().max().item<double>() < 1e-12);
        auto b = at::randn({n}, at::kDouble);
        QVERIFY((r->rotateColumns(b) - at::matmul(dense->t(), b)).abs().max().item<double>() < 1e-12);
        // Both directions agree: (x·R)ᵀ = Rᵀ·xᵀ.
        const auto x2 = x.reshape({-1, n}).to(at::kDouble);
        QVERIFY((r->rotateColumns(x2.t()) - rows.reshape({-1, n}).t()).abs().max().item<double>() < 1e-12);
    }

    void denseRotationIsAppliedAsAProduct()
    {
        auto q = std::get<0>(at::linalg_qr(at::randn({6, 6}, at::kDouble)));
        Rotation r(q.to(at::kFloat));
        QCOMPARE(r.size(), 6);
        auto x = at::randn({4, 6}, at::kDouble);
        QVERIFY(at::allclose(r.rotateRows(x), at::matmul(x, q.to(at::kFloat).to(at::kDouble))));
        QVERIFY(!Rotation().defined());
        QCOMPARE(Rotation().size(), 0);
    }

    void wrongWidthIsRefused()
    {
        auto r = Rotation::randomHadamard(8, 1);
        QVERIFY(r.ok());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, r->rotateRows(at::zeros({3, 7})));
    }
};

QTEST_GUILESS_MAIN(TestRotation)
#include "TestRotation.moc"
