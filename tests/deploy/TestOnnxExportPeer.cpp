// Lathe's ONNX exports run by the peers (tests/deploy/peers, onnx-peer.mjs): ONNX Runtime 1.30 (CPU) and
// transformers.js.
//  - ONNX Runtime against Lathe's compiled runtime on stories260K, w8 / w4 / w4v8 with rotations, per channel and in
//    groups of 32, every activation quantized, at opsets 21 and 17: the logits of the TinyStories validation
//    windows (ctx 256, BOS + 255, the `lathe eval` protocol): top-1 agreement, perplexity and the largest logit
//    difference;
//  - the same for Qwen2 (q/k/v biases) and Llama-3 rope scaling, on stories260K's weights under those configs;
//  - the KV cache: 64 tokens fed one at a time through past_key_values give the full-sequence logits;
//  - external data gives the same logits as tensors inside the model;
//  - transformers.js's text-generation pipeline, greedy, prints what `lathe generate --greedy` prints.
#include "StoriesFixture.h"
#include "StoriesVariant.h"
#include "TestSupport.h"
#include "lathe/tokenize/Tokenizer.h"
#include "runtime/LoadedModel.h"
#include "runtime/PerplexityWindows.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace lathe;
using namespace lathe::test;

namespace {

constexpr int kCtx = 256;
constexpr int kWindows = 40;
// How closely ONNX Runtime follows Lathe's runtime (docs/export.md, "How close"). Both run the same integer weights
// and static scales, but their float operations round differently in the last bit: ONNX Runtime sums float products
// of dequantized weights where Lathe sums integers exactly, and its RMSNorm sums, exp and softmax are other kernels.
// Where such a difference moves a value across a rounding boundary of the next 8-bit QuantizeLinear, that activation
// code differs by one step; the step then moves other codes in the following layers, and through the KV cache the
// later tokens. Measured on these models: top-1 agrees on 98.9 to 99.4 % of positions, perplexity within 0.07 %,
// logits at most about 1.3 apart (mean 0.05). Positions without a changed code agree to about 1e-5. With 16-bit
// activations everywhere the steps are 256 times finer and the two agree far more closely (sixteenBitActivations).
struct Bounds {
    double minTop1Agreement;
    double maxPerplexityRatio;
};
constexpr Bounds kTrained{0.985, 0.001};
// stories260K's weights under another family's config are a poor model (perplexity 19 to 164): its next-token
// distributions are nearly flat, so one changed code flips the argmax far more often. What shows the graph computes
// the same thing is unchanged: positions without a changed code agree within 1e-4.
constexpr Bounds kForeignConfig{0.97, 0.005};
constexpr double kMaxLogitDifference = 3.0;
constexpr double kMaxMeanLogitDifference = 0.1;

at::Tensor readFloats(const QString& path, const std::vector<int64_t>& shape)
{
    const QByteArray bytes = readAll(path);
    auto t = at::empty(shape, at::kFloat);
    if (bytes.size() != t.numel() * 4) return {};
    std::memcpy(t.data_ptr<float>(), bytes.constData(), size_t(bytes.size()));
    return t;
}

QString writeIds(const QString& path, const at::Tensor& ids)
{
    QJsonArray rows;
    for (int64_t r = 0; r < ids.size(0); ++r) {
        QJsonArray row;
        for (int64_t c = 0; c < ids.size(1); ++c) row.append(qint64(ids[r][c].item<int64_t>()));
        rows.append(row);
    }
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(QJsonDocument(rows).toJson(QJsonDocument::Compact));
    return path;
}

double perplexityOf(const at::Tensor& logits, const at::Tensor& ids)
{
    return std::exp(runtime::scoredTokenNll(logits, ids).to(at::kDouble).mean().item<double>());
}

}  // namespace

class TestOnnxExportPeer : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_node;
    StoriesFixture m_stories;
    at::Tensor m_windows;  // [kWindows, kCtx] ids
    QString m_windowsJson;

    QJsonObject peer(const QStringList& args)
    {
        const auto r = runProcess(m_node, QStringList{sourcePath("tests/deploy/peers/onnx-peer.mjs")} + args, {},
                                  600000, sourcePath("tests/deploy/peers"));
        if (r.exitCode != 0 || r.crashed) {
            QTest::qFail(("onnx-peer.mjs failed: " + r.err).constData(), __FILE__, __LINE__);
            return {};
        }
        return QJsonDocument::fromJson(r.out.trimmed().split('\n').last()).object();
    }
    bool compile(const QString& name, const QStringList& flags)
    {
        return !m_stories.compile(m_dir.path(), name, QStringList{"--rotation", "on"} + flags).isEmpty();
    }
    // The rotated embedding a rotated compile wrote, else the model's own.
    QString embeddingFor(const QString& name) const
    {
        const QString rotated = m_dir.filePath(name + "/embedding_rotated.pt");
        return QFile::exists(rotated) ? rotated : m_stories.embedding;
    }
    QString exportOnnx(const QString& name, int opset, const QStringList& extra = {})
    {
        const QString out = m_dir.filePath(QString("%1-opset%2%3").arg(name).arg(opset).arg(extra.join("")));
        const auto r = runCli(QStringList{"export", "--format", "onnx", "--mxq-path",
                                          m_dir.filePath(name + ".safetensors"), "--embedding-weight-path",
                                          embeddingFor(name), "--output-dir", out, "--opset", QString::number(opset)} +
                              extra);
        if (r.exitCode != 0) qWarning("%s", r.err.constData());
        return r.exitCode == 0 ? out : QString();
    }
    at::Tensor latheLogits(const QString& name, const at::Tensor& ids)
    {
        auto loaded = runtime::loadCompiledModel(m_dir.filePath(name + ".safetensors").toStdString(),
                                                 embeddingFor(name).toStdString(), {}, {});
        if (!loaded) return {};
        return loaded->decoder->forward(ids);
    }
    at::Tensor ortLogits(const QString& folder, const QString& idsJson, const std::vector<int64_t>& shape)
    {
        const QString out = folder + "-logits.f32";
        const QJsonObject r = peer({"logits", folder, idsJson, out});
        if (r.isEmpty()) return {};
        return readFloats(out, shape);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(sourcePath("tests/deploy/peers/node_modules/onnxruntime-node/package.json")),
                 "ONNX peers not installed: run scripts/install-peers.sh (npm ci into tests/deploy/peers)");
        m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
        QVERIFY2(!m_node.isEmpty(), "node (Node.js >= 18) is not on PATH; the ONNX peers run under it");
        QVERIFY(m_dir.isValid());
        const QString problem = m_stories.make(m_dir.path(), 32, 128, 256);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        auto tokenizer = tokenize::Tokenizer::load(m_stories.model.toStdString());
        QVERIFY(tokenizer.ok());
        auto ids = (*tokenizer)->encode(tinyStoriesValidationText(), false);
        QVERIFY(ids.ok());
        QVERIFY(ids->size() >= size_t(kWindows * (kCtx - 1)));
        m_windows = runtime::windowIds(*ids, kCtx, (*tokenizer)->bosId(), 0, kWindows);
        m_windowsJson = writeIds(m_dir.filePath("windows.json"), m_windows);
        QVERIFY(!m_windowsJson.isEmpty());
    }

    void onnxRuntimeMatchesLathe_data()
    {
        QTest::addColumn<QString>("bits");
        QTest::addColumn<int>("groupSize");
        for (const char* bits : {"w8", "w4", "w4v8"})
            for (int group : {0, 32})
                QTest::newRow(qPrintable(QString("%1 g%2").arg(bits).arg(group))) << bits << group;
    }

    // ONNX Runtime against Lathe's runtime on the validation windows, for the export of `name` at each opset.
    void checkAgainstLathe(const QString& name, const std::vector<int>& opsets, const Bounds& bounds = kTrained)
    {
        const at::Tensor lathe = latheLogits(name, m_windows);
        QVERIFY(lathe.defined());
        const double lathePpl = perplexityOf(lathe, m_windows);
        for (int opset : opsets) {
            const QString folder = exportOnnx(name, opset);
            QVERIFY(!folder.isEmpty());
            const at::Tensor ort = ortLogits(folder, m_windowsJson, lathe.sizes().vec());
            QVERIFY(ort.defined());
            const double agree = ort.argmax(-1).eq(lathe.argmax(-1)).to(at::kDouble).mean().item<double>();
            const double ortPpl = perplexityOf(ort, m_windows);
            const double maxDiff = (ort - lathe).abs().max().item<double>();
            const double meanDiff = (ort - lathe).abs().mean().item<double>();
            qInfo(
                "%s opset %d: top-1 agreement %.5f, perplexity lathe %.5f onnxruntime %.5f (%+.4f%%), logit "
                "difference max %.4g mean %.3g",
                qPrintable(name), opset, agree, lathePpl, ortPpl, 100.0 * (ortPpl / lathePpl - 1.0), maxDiff, meanDiff);
            QVERIFY(agree >= bounds.minTop1Agreement);
            QVERIFY(std::abs(ortPpl / lathePpl - 1.0) <= bounds.maxPerplexityRatio);
            QVERIFY(meanDiff <= kMaxMeanLogitDifference);
            QVERIFY(maxDiff <= kMaxLogitDifference);
            // Most positions see no changed code at all, and there the two agree to float rounding.
            const at::Tensor perPosition = (ort - lathe).abs().amax(-1);
            const at::Tensor untouched = perPosition.le(1e-3);
            qInfo("  positions with every logit within 1e-3: %.3f", untouched.to(at::kDouble).mean().item<double>());
            QVERIFY(untouched.any().item<bool>());
            QVERIFY(perPosition.masked_select(untouched).max().item<double>() <= 1e-4);
        }
    }

    void onnxRuntimeMatchesLathe()
    {
        QFETCH(QString, bits);
        QFETCH(int, groupSize);
        const QString name = QString("%1-g%2").arg(bits).arg(groupSize);
        QVERIFY(compile(name, {"--bit", bits, "--group-size", QString::number(groupSize)}));
        checkAgainstLathe(name, {21, 17});
    }

    // The other families and RoPE the graph expresses: stories260K's weights as a Qwen2 model with q/k/v biases, as
    // a Qwen3 model with per-head q/k norms, as an EXAONE 3.5 model and as a Llama with Llama-3 rope scaling (scaled
    // and unscaled frequencies both occur at its sizes).
    void familiesAndRopeScaling()
    {
        for (const QString& folder :
             {storiesQwen2(m_stories, m_dir.path()), storiesQwen3(m_stories, m_dir.path()),
              storiesExaone(m_stories, m_dir.path()), storiesExaone4(m_stories, m_dir.path(), true),
              storiesLlama3Rope(m_stories, m_dir.path())}) {
            QVERIFY(!folder.isEmpty());
            StoriesFixture variant = m_stories;
            variant.model = folder;
            const QString name = QFileInfo(folder).fileName() + "-w4v8";
            // EXAONE 4's post-norms leave R1 nothing to fold into (docs/compiler.md).
            const bool postNorm = folder.contains("exaone4");
            QVERIFY(!variant.compile(m_dir.path(), name, {"--bit", "w4v8", "--rotation", postNorm ? "off" : "on"})
                         .isEmpty());
            checkAgainstLathe(name, {21}, kForeignConfig);
        }
    }

    void sixteenBitActivations()
    {
        // int16 QuantizeLinear / DequantizeLinear at opset 21, Div / Round / Clip / Mul at opset 17.
        QVERIFY(compile("a16", {"--bit", "w8", "--target", "gguf"}));
        const at::Tensor lathe = latheLogits("a16", m_windows);
        for (int opset : {21, 17}) {
            const QString folder = exportOnnx("a16", opset);
            QVERIFY(!folder.isEmpty());
            const at::Tensor ort = ortLogits(folder, m_windowsJson, lathe.sizes().vec());
            QVERIFY(ort.defined());
            const double agree = ort.argmax(-1).eq(lathe.argmax(-1)).to(at::kDouble).mean().item<double>();
            const double maxDiff = (ort - lathe).abs().max().item<double>();
            qInfo("16-bit activations, opset %d: top-1 agreement %.5f, logit difference max %.4g mean %.3g", opset,
                  agree, maxDiff, (ort - lathe).abs().mean().item<double>());
            QVERIFY(agree >= 0.999);
            QVERIFY(maxDiff <= 0.1);
        }
    }

    void kvCacheGivesTheFullSequenceLogits()
    {
        const QString folder = m_dir.filePath("w4v8-g32-opset21");
        QVERIFY(QFile::exists(folder + "/onnx/model.onnx"));
        const at::Tensor ids = m_windows.narrow(0, 0, 1).narrow(1, 0, 64);
        const QString idsJson = writeIds(m_dir.filePath("first64.json"), ids);
        const at::Tensor full = ortLogits(folder, idsJson, {1, 64, 512});
        QVERIFY(full.defined());
        const QString out = m_dir.filePath("decoded.f32");
        const QJsonObject r = peer({"decode", folder, idsJson, out});
        QCOMPARE(r["steps"].toInt(), 64);
        QCOMPARE(r["past"].toArray().at(2).toInt(), 64);  // the last present holds every position
        const at::Tensor stepwise = readFloats(out, {1, 64, 512});
        QVERIFY(stepwise.defined());
        const double maxDiff = (stepwise - full).abs().max().item<double>();
        qInfo("KV cache: 64 single-token steps against one 64-token run: max logit difference %.3g", maxDiff);
        QVERIFY(at::equal(stepwise.argmax(-1), full.argmax(-1)));
        QVERIFY(maxDiff <= 1e-4);
    }

    void externalDataGivesTheSameLogits()
    {
        const QString inlined = m_dir.filePath("w4-g32-opset21");
        const QString external = exportOnnx("w4-g32", 21, {"--external-data"});
        QVERIFY(!external.isEmpty());
        QVERIFY(QFile::exists(external + "/onnx/model.onnx_data"));
        const at::Tensor ids = m_windows.narrow(0, 0, 2);
        const QString idsJson = writeIds(m_dir.filePath("two.json"), ids);
        const at::Tensor a = ortLogits(inlined, idsJson, {2, kCtx, 512});
        const at::Tensor b = ortLogits(external, idsJson, {2, kCtx, 512});
        QVERIFY(a.defined() && b.defined());
        QVERIFY(at::equal(a, b));
    }

    void transformersJsGeneratesWhatLatheGenerates_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("prompt");
        QTest::newRow("w4v8 g32") << "w4v8-g32"
                                  << "Once upon a time";
        QTest::newRow("w8") << "w8-g0"
                            << "Lily and Ben went to the park. They saw";
    }

    void transformersJsGeneratesWhatLatheGenerates()
    {
        QFETCH(QString, name);
        QFETCH(QString, prompt);
        const auto lathe = runCli({"generate", "--mxq-path", m_dir.filePath(name + ".safetensors"),
                                   "--embedding-weight-path", m_dir.filePath(name + "/embedding_rotated.pt"),
                                   "--prompt", prompt, "--max_new_tokens", "40", "--greedy"});
        QVERIFY2(lathe.exitCode == 0, lathe.err.constData());
        const QJsonObject js = peer({"generate", m_dir.filePath(name + "-opset21"), prompt, "40"});
        QVERIFY(!js.isEmpty());
        const QString expected = prompt + QString::fromUtf8(lathe.out).chopped(1);  // generate ends with a newline
        QCOMPARE(js["text"].toString(), expected);
        QVERIFY(js["ids"].toArray().size() >= 40);
    }
};

QTEST_GUILESS_MAIN(TestOnnxExportPeer)
#include "TestOnnxExportPeer.moc"
