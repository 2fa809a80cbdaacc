// GPTQ's float-output target: the cross-covariance it is built from, the ridge fit it computes against an
// independent least-squares solve, and the float-output error it saves against GPTQ on the weights themselves.
#include "quant/FloatTarget.h"
#include "quant/Gptq.h"
#include "quant/HessianAccumulator.h"

#include <QTest>

#include <cmath>
#include <vector>

using namespace lathe;
using namespace lathe::quant;

namespace {

// Inputs with correlated columns, and the same inputs after a perturbation of the kind the quantized layers before
// leave: correlated with the signal (a slightly wrong linear map) plus noise.
struct InputPair {
    at::Tensor floatInputs;  // X [n, in]
    at::Tensor quantInputs;  // X̃ [n, in]
};

InputPair inputPair(int64_t rows, int64_t columns, double error)
{
    auto mix = at::randn({columns, columns}) / std::sqrt(double(columns)) + at::eye(columns) * 0.3;
    auto x = at::matmul(at::randn({rows, columns}), mix);
    auto distortion = at::eye(columns) + at::randn({columns, columns}) * (error / std::sqrt(double(columns)));
    auto xq = at::matmul(x, distortion) + at::randn({rows, columns}) * (0.3 * error);
    return {x, xq};
}

// ‖X Wᵀ − X̃ Ŵᵀ‖² in fp64: the float output against the compiled one.
double floatOutputError(const InputPair& p, const at::Tensor& w, const at::Tensor& wq)
{
    return (at::matmul(p.floatInputs.to(at::kDouble), w.to(at::kDouble).t()) -
            at::matmul(p.quantInputs.to(at::kDouble), wq.to(at::kDouble).t()))
        .square()
        .sum()
        .item<double>();
}

HessianAccumulator accumulate(const InputPair& p)
{
    HessianAccumulator acc(p.floatInputs.size(1), /*withCross=*/true);
    auto r = acc.add(p.quantInputs, p.floatInputs);
    Q_ASSERT(r.ok());
    return acc;
}

at::Tensor gptqWeights(const at::Tensor& w, const at::Tensor& h)
{
    GptqOptions o;
    o.grid.bits = 4;
    o.grid.groupSize = 8;
    auto q = quantizeGptq(w, h, o);
    Q_ASSERT(q.ok());
    return q->weight.dequantize();
}

}  // namespace

class TestFloatTarget : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(4321); }

    void crossCovarianceIsRunningMean()
    {
        const InputPair p = inputPair(300, 24, 0.2);
        const auto expected =
            at::matmul(p.quantInputs.to(at::kDouble).t(), p.floatInputs.to(at::kDouble)) * (2.0 / 300);
        HessianAccumulator acc(24, true);
        QVERIFY(
            acc.add(p.quantInputs.slice(0, 0, 7).view({1, 7, 24}), p.floatInputs.slice(0, 0, 7).view({1, 7, 24})).ok());
        QVERIFY(acc.add(p.quantInputs.slice(0, 7), p.floatInputs.slice(0, 7)).ok());
        QCOMPARE(acc.cross().scalar_type(), at::kFloat);
        QVERIFY(at::allclose(acc.cross().to(at::kDouble), expected, 1e-5, 1e-5));
        // H is still X̃ᵀX̃, not disturbed by the reference.
        const auto h = at::matmul(p.quantInputs.to(at::kDouble).t(), p.quantInputs.to(at::kDouble)) * (2.0 / 300);
        QVERIFY(at::allclose(acc.hessian().to(at::kDouble), h, 1e-5, 1e-5));

        // Bad references leave both matrices unchanged.
        auto nan = p.floatInputs.slice(0, 0, 4).clone();
        nan[1][3] = NAN;
        QCOMPARE(acc.add(p.quantInputs.slice(0, 0, 4), nan).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(acc.add(p.quantInputs.slice(0, 0, 4), p.floatInputs.slice(0, 0, 5)).error().code,
                 ErrorCode::InvalidArgument);
        QCOMPARE(acc.rows(), int64_t(300));
        QVERIFY(at::allclose(acc.cross().to(at::kDouble), expected, 1e-5, 1e-5));
        // Without a reference the inputs stand for themselves; an accumulator without a cross refuses one.
        HessianAccumulator plain(24);
        QVERIFY(!plain.cross().defined());
        QCOMPARE(plain.add(p.quantInputs, p.floatInputs).error().code, ErrorCode::InvalidArgument);
    }

    // W* against the ridge regression min ‖X Wᵀ − X̃ W*ᵀ‖² + (n/2)·λ‖W* − W‖² solved as an augmented least-squares
    // problem by QR in fp64; and W* = W when the compiled inputs are the float ones. Both forms: a solve per row
    // block (few rows) and the correction matrix formed once (rows ≥ inputs).
    void targetIsTheRidgeFit_data()
    {
        QTest::addColumn<int64_t>("rowsToFit");
        QTest::newRow("solve per block") << int64_t(12);
        QTest::newRow("correction matrix") << int64_t(32);
    }

    void targetIsTheRidgeFit()
    {
        QFETCH(int64_t, rowsToFit);
        const int64_t n = 400, in = 32, out = 12;
        const InputPair p = inputPair(n, in, 0.3);
        const auto w = at::randn({out, in});
        const auto acc = accumulate(p);
        auto target = FloatTarget::fromCross(acc.hessian(), acc.cross(), 0.01, rowsToFit);
        QVERIFY(target.ok());
        const double lambda = 0.01 * acc.hessian().diagonal().to(at::kDouble).mean().item<double>();
        QCOMPARE(target->damping(), lambda);

        const double root = std::sqrt(lambda * n / 2.0);
        const auto wd = w.to(at::kDouble);
        const auto a = at::cat({p.quantInputs.to(at::kDouble), at::eye(in, at::kDouble) * root}, 0);
        const auto b = at::cat({at::matmul(p.floatInputs.to(at::kDouble), wd.t()), wd.t() * root}, 0);
        const auto expected = std::get<0>(at::linalg_lstsq(a, b, c10::nullopt, "gelsd")).t();
        const auto got = target->of(w);
        QCOMPARE(got.sizes(), w.sizes());
        const double err = (got.to(at::kDouble) - expected).abs().max().item<double>();
        const double shift = (expected - wd).abs().max().item<double>();
        qInfo("max |W* - reference| %.3g, max |W* - W| %.3g", err, shift);
        QVERIFY(shift > 0.05);
        QVERIFY(err < 1e-4 * shift);

        // Rows are independent: a block of rows gets the same fit.
        QVERIFY(at::allclose(target->of(w.slice(0, 3, 7)), got.slice(0, 3, 7), 1e-5, 1e-5));

        // The cross-covariance handed over (the compiler's path) becomes G − H in place: same W*, H untouched.
        auto owner = accumulate(p);
        const at::Tensor hBefore = owner.hessian().clone();
        auto handedOver = FloatTarget::fromCross(owner.hessian(), owner.takeCross(), 0.01, rowsToFit);
        QVERIFY(handedOver.ok());
        QVERIFY(!owner.cross().defined());
        QVERIFY(at::equal(owner.hessian(), hBefore));
        QVERIFY(at::allclose(handedOver->of(w), got, 1e-6, 1e-6));

        const InputPair same{p.floatInputs, p.floatInputs};
        const auto exact = accumulate(same);
        auto identity = FloatTarget::fromCross(exact.hessian(), exact.cross(), 0.01, rowsToFit);
        QVERIFY(identity.ok());
        QVERIFY(at::equal(identity->of(w), w));
    }

    // The residual form, (G − H)Wᵀ accumulated per reader from the inputs' difference, gives the cross form's W*.
    void residualFormMatchesCrossForm()
    {
        const int64_t n = 500, in = 40;
        const InputPair p = inputPair(n, in, 0.2);
        const std::vector<at::Tensor> readers{at::randn({7, in}), at::randn({5, in})};
        OutputResidualAccumulator residuals(in, readers);
        QVERIFY(residuals
                    .add(p.quantInputs.slice(0, 0, 123).view({1, 123, in}),
                         p.floatInputs.slice(0, 0, 123).view({1, 123, in}))
                    .ok());
        QVERIFY(residuals.add(p.quantInputs.slice(0, 123), p.floatInputs.slice(0, 123)).ok());
        QCOMPARE(residuals.add(p.quantInputs, p.floatInputs.slice(0, 3)).error().code, ErrorCode::InvalidArgument);
        auto nan = p.floatInputs.slice(0, 0, 4).clone();
        nan[0][0] = NAN;
        QCOMPARE(residuals.add(p.quantInputs.slice(0, 0, 4), nan).error().code, ErrorCode::InvalidArgument);

        const auto acc = accumulate(p);
        auto products = residuals.take();
        QCOMPARE(products.size(), size_t(2));
        for (size_t r = 0; r < readers.size(); ++r) {
            const auto expected =
                at::matmul((acc.cross() - acc.hessian()).to(at::kDouble), readers[r].to(at::kDouble).t());
            QVERIFY(at::allclose(products[r].to(at::kDouble), expected, 1e-4, 1e-4));
        }
        auto cross = FloatTarget::fromCross(acc.hessian(), acc.cross(), 0.01, 12);
        auto residual = FloatTarget::fromResiduals(acc.hessian(), products, 0.01);
        QVERIFY(cross.ok() && residual.ok());
        QCOMPARE(residual->damping(), cross->damping());
        for (size_t r = 0; r < readers.size(); ++r) {
            const auto a = cross->of(readers[r]), b = residual->of(readers[r], r);
            const double shift = (a - readers[r]).abs().max().item<double>();
            QVERIFY(shift > 0.05);
            QVERIFY2((a - b).abs().max().item<double>() < 1e-4 * shift,
                     qPrintable(QString::number((a - b).abs().max().item<double>())));
        }
        QCOMPARE(FloatTarget::fromResiduals(acc.hessian(), {at::zeros({in - 1, 3})}, 0.01).error().code,
                 ErrorCode::InvalidArgument);
    }

    // GPTQ on W* with X̃'s Hessian beats GPTQ on W by the float-output error, and that error splits exactly into
    // the fit's residual plus GPTQ's own objective on W* (the identity the method rests on, at λ = 0).
    void gptqOnTheTargetReducesTheFloatOutputError()
    {
        const int64_t n = 2000, in = 64, out = 48;
        const InputPair p = inputPair(n, in, 0.1);
        const auto w = at::randn({out, in});
        const auto acc = accumulate(p);
        auto target = FloatTarget::fromCross(acc.hessian(), acc.cross(), 0.01, out);
        QVERIFY(target.ok());
        const auto own = gptqWeights(w, acc.hessian());
        const auto fitted = gptqWeights(target->of(w), acc.hessian());
        const double ownErr = floatOutputError(p, w, own), fittedErr = floatOutputError(p, w, fitted);
        const double floatOnly = floatOutputError(p, w, w);  // no weight quantization: the inputs' error alone
        qInfo("float-output error: GPTQ on W %.6g, on W* %.6g, unquantized %.6g", ownErr, fittedErr, floatOnly);
        QVERIFY(fittedErr < 0.8 * ownErr);

        auto exactFit = FloatTarget::fromCross(acc.hessian(), acc.cross(), 0.0, out);
        QVERIFY(exactFit.ok());
        const auto wStar = exactFit->of(w);
        const double residual = floatOutputError(p, w, wStar);
        const double own2 = (at::matmul(p.quantInputs.to(at::kDouble), (wStar - fitted).to(at::kDouble).t()))
                                .square()
                                .sum()
                                .item<double>();
        QVERIFY(residual < floatOnly);
        QVERIFY2(std::abs(floatOutputError(p, w, fitted) - (residual + own2)) < 1e-3 * fittedErr,
                 qPrintable(QString::number(floatOutputError(p, w, fitted) - (residual + own2))));
    }

    void badInputsAreErrors()
    {
        const auto h = at::eye(8);
        QCOMPARE(FloatTarget::fromCross(h, at::eye(7), 0.01, 8).error().code, ErrorCode::InvalidArgument);
        QCOMPARE(FloatTarget::fromCross(h, at::Tensor(), 0.01, 8).error().code, ErrorCode::InvalidArgument);
        auto nan = at::eye(8);
        nan[2][2] = NAN;
        QCOMPARE(FloatTarget::fromCross(h, nan, 0.01, 8).error().code, ErrorCode::InvalidArgument);
        // As in GPTQ, λ rises tenfold while H + λI cannot be factored: with H_00 = -0.05 the first λ (0.01·mean
        // diag = 0.0087) fails and the second (0.087) succeeds.
        auto nearlyDefinite = at::eye(8, at::kFloat);
        nearlyDefinite[0][0] = -0.05;
        const double meanDiag = (7.0 - 0.05) / 8.0;
        auto retried = FloatTarget::fromCross(nearlyDefinite, at::eye(8), 0.01, 8);
        QVERIFY2(retried.ok(), retried.ok() ? "" : retried.error().message.c_str());
        QVERIFY(std::abs(retried->damping() - 0.1 * meanDiag) < 1e-6);
        auto viaResiduals = FloatTarget::fromResiduals(nearlyDefinite, {at::zeros({8, 2})}, 0.01);
        QVERIFY(viaResiduals.ok());
        QCOMPARE(viaResiduals->damping(), retried->damping());
        auto indefinite = at::eye(8);
        indefinite[0][0] = -5.0;
        QCOMPARE(FloatTarget::fromCross(indefinite, at::eye(8), 0.0, 8).error().code, ErrorCode::Unsupported);
    }
};

QTEST_GUILESS_MAIN(TestFloatTarget)
#include "TestFloatTarget.moc"
