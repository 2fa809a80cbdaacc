#include "ReferenceDecoder.h"
#include "TinyModel.h"
#include "WidenedReference.h"
#include "runtime/PerplexityWindows.h"
#include "runtime/Sampler.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace lathe;

namespace {

struct Tiny {
    std::map<std::string, at::Tensor> tensors;
    test::ReferenceWeights reference;
};

Tiny makeTiny(const model::ModelConfig& c)
{
    std::mt19937_64 rng(42);
    Tiny m;
    m.tensors = test::tinyWeights(c, test::TinyWeightScales::all(0.6), test::symmetricDraw(rng));
    m.reference = test::widenedReference(m.tensors);
    return m;
}

// NLL of ids[i+1] given ids[0..i], for i = 0..n-2, from the double-precision reference.
std::vector<double> referenceNll(const model::ModelConfig& c, const test::ReferenceWeights& w,
                                 const std::vector<int>& ids)
{
    const auto logits = test::referenceLogits(c, w, ids);
    std::vector<double> nll;
    for (size_t i = 0; i + 1 < ids.size(); ++i) {
        double m = -1e300, s = 0;
        for (double v : logits[i]) m = std::max(m, v);
        for (double v : logits[i]) s += std::exp(v - m);
        nll.push_back(-(logits[i][ids[i + 1]] - m - std::log(s)));
    }
    return nll;
}

}  // namespace

class TestPerplexityWindows : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void windowsFollowTheProtocol_data()
    {
        QTest::addColumn<bool>("withBos");
        QTest::addColumn<int>("batch");
        QTest::newRow("bos, one window per batch") << true << 1;
        QTest::newRow("bos, batched") << true << 3;
        QTest::newRow("no bos, batched") << false << 2;
    }
    void windowsFollowTheProtocol()
    {
        QFETCH(bool, withBos);
        QFETCH(int, batch);
        const model::ModelConfig c = test::tinyLlamaConfig();
        const Tiny m = makeTiny(c);
        auto weights = loadDecoderWeights(c, model::mapSource(m.tensors));
        QVERIFY(weights.ok());
        const model::Decoder decoder(c, std::move(weights).value());

        // 23 text tokens, ctx 6: BOS windows take 5 text tokens (4 windows, 3 dropped); plain windows take
        // 6 (3 windows, 5 dropped).
        std::vector<int32_t> text;
        for (int i = 0; i < 23; ++i) text.push_back((i * 7 + 3) % 15 + 1);
        const int ctx = 6, bos = 0;
        auto r = runtime::perplexityOfTokens(decoder, text, ctx, withBos ? std::optional<int32_t>(bos) : std::nullopt,
                                             batch, {}, {});
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        const int span = withBos ? 5 : 6;
        QCOMPARE(r->windows, int64_t(23 / span));
        QCOMPARE(r->droppedTokens, int64_t(23 % span));
        QCOMPARE(r->scoredTokens, r->windows * (ctx - 1));
        QCOMPARE(r->bosPrepended, withBos);

        double total = 0;
        for (int w = 0; w < r->windows; ++w) {
            std::vector<int> window;
            if (withBos) window.push_back(bos);
            window.insert(window.end(), text.begin() + w * span, text.begin() + (w + 1) * span);
            for (double v : referenceNll(c, m.reference, window)) total += v;
        }
        const double expected = total / double(r->scoredTokens);
        qInfo("mean nll %.9f, reference %.9f", r->meanNll, expected);
        QVERIFY(std::abs(r->meanNll - expected) < 1e-6);
        QVERIFY(std::abs(r->perplexity - std::exp(expected)) < 1e-5);
    }

    void tooShortTextIsAnError()
    {
        const model::ModelConfig c = test::tinyLlamaConfig();
        const Tiny m = makeTiny(c);
        auto weights = loadDecoderWeights(c, model::mapSource(m.tensors));
        QVERIFY(weights.ok());
        const model::Decoder decoder(c, std::move(weights).value());
        auto r = runtime::perplexityOfTokens(decoder, {1, 2, 3}, 8, 0, 4, {}, {});
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        StopToken stop;
        stop.requestStop();
        r = runtime::perplexityOfTokens(decoder, std::vector<int32_t>(40, 3), 8, 0, 4, {}, stop);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::Cancelled);
    }

    void greedyPicksLowestIdOnTies()
    {
        runtime::Sampler s(true, 1.0, 1.0, 0);
        auto logits = at::tensor({0.5f, 2.0f, -1.0f, 2.0f});
        QCOMPARE(s.next(logits), 1);
    }

    void samplingFollowsSoftmaxAndTopP()
    {
        // logits = log(p) with p = 0.5, 0.3, 0.15, 0.05.
        const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
        auto logits = at::empty({4}, at::kDouble);
        for (int i = 0; i < 4; ++i) logits[i] = std::log(p[i]);
        const int draws = 40000;
        auto frequencies = [&](double temperature, double topP, uint64_t seed) {
            runtime::Sampler s(false, temperature, topP, seed);
            std::vector<double> f(4, 0.0);
            for (int i = 0; i < draws; ++i) f[s.next(logits)] += 1.0 / draws;
            return f;
        };
        // 4 standard deviations of a binomial frequency at 40000 draws is at most 0.01.
        auto plain = frequencies(1.0, 1.0, 1);
        for (int i = 0; i < 4; ++i) QVERIFY2(std::abs(plain[i] - p[i]) < 0.01, qPrintable(QString::number(plain[i])));
        // top-p 0.7: {0.5, 0.3} reach 0.8 >= 0.7, renormalised to 0.625 / 0.375.
        auto nucleus = frequencies(1.0, 0.7, 2);
        QVERIFY(std::abs(nucleus[0] - 0.625) < 0.01);
        QVERIFY(std::abs(nucleus[1] - 0.375) < 0.01);
        QCOMPARE(nucleus[2] + nucleus[3], 0.0);
        // temperature 0.5 squares the odds: p² normalised.
        double z = 0;
        for (double v : p) z += v * v;
        auto sharp = frequencies(0.5, 1.0, 3);
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(sharp[i] - p[i] * p[i] / z) < 0.01);
        // Same seed, same draws.
        QCOMPARE(frequencies(1.0, 1.0, 9), frequencies(1.0, 1.0, 9));
    }

    void rngIsDocumentedMt19937_64()
    {
        // The 10000th output of a default-seeded mt19937_64 is fixed by the C++ standard.
        runtime::Sampler s(false, 1.0, 1.0, 5489u);
        double last = 0;
        for (int i = 0; i < 10000; ++i) last = s.uniform();
        QCOMPARE(last, double(9981545732273789042ull >> 11) * 0x1.0p-53);
    }
};

QTEST_GUILESS_MAIN(TestPerplexityWindows)
#include "TestPerplexityWindows.moc"
