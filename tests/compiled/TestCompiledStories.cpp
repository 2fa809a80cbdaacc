// A compiled stories260K end to end: the test compiles it itself (per-channel RTN 8-bit weights, 8-bit static
// activation scales from a max observer over 256 calibration tokens), writes it with CompiledModelWriter, then
// checks the compiled decoder against independent arithmetic, `lathe eval` (alone and --compare) against the
// float model, and `lathe generate` against a greedy loop.
#include "TestSupport.h"

#include "compiled/CompiledModelWriter.h"
#include "lathe/export/Embedding.h"
#include "quant/MaxObserver.h"
#include "quant/Rtn.h"
#include "runtime/GenerationLoop.h"
#include "runtime/LoadedModel.h"

#include <torch/csrc/jit/serialization/pickle.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <set>

using namespace lathe;
using namespace lathe::compiled;
using namespace lathe::test;

namespace {

constexpr model::Projection kLayerProjections[] = {
    model::Projection::Query, model::Projection::Key, model::Projection::Value, model::Projection::Output,
    model::Projection::Gate,  model::Projection::Up,  model::Projection::Down};

// The float linears, with a max observer on every input.
class ObservedProjections : public model::Projections {
public:
    explicit ObservedProjections(const model::DecoderWeights& weights) : m_weights(weights) {}
    at::Tensor apply(int layer, model::Projection p, const at::Tensor& x) const override
    {
        auto r = m_observers[{layer, int(p)}].observe(x);
        if (!r) throw std::runtime_error(r.error().message);
        if (p == model::Projection::Head) return at::linear(x, m_weights.lmHead);
        return floatProjection(m_weights.layers[size_t(layer)], p, x);
    }
    const quant::MaxObserver& observer(int layer, model::Projection p) const { return m_observers.at({layer, int(p)}); }

private:
    const model::DecoderWeights& m_weights;
    mutable std::map<std::pair<int, int>, quant::MaxObserver> m_observers;
};

at::Tensor floatWeight(const model::LayerWeights& l, model::Projection p)
{
    switch (p) {
        case model::Projection::Query:
            return l.qProj;
        case model::Projection::Key:
            return l.kProj;
        case model::Projection::Value:
            return l.vProj;
        case model::Projection::Output:
            return l.oProj;
        case model::Projection::Gate:
            return l.gateProj;
        case model::Projection::Up:
            return l.upProj;
        case model::Projection::Down:
            return l.downProj;
        case model::Projection::Head:
            break;
    }
    return {};
}

// Fake quantization in double: the input rounded onto its static grid, dequantized weights. Counts inputs whose
// x / s lies within 1e-3 of a rounding boundary, where fp32 and double could legitimately round differently.
struct ReferenceLinear {
    at::Tensor weight;  // dequantized, double [out, in]
    double scale = 1;   // fp32(inputScale)
    at::Tensor operator()(const at::Tensor& x, int64_t& nearTies) const
    {
        auto q = x / scale;
        nearTies += (q - q.floor() - 0.5).abs().lt(1e-3).sum().item<int64_t>();
        return at::matmul(at::clamp(at::round(q), -128.0, 127.0) * scale, weight.t());
    }
};

double field(const QByteArray& out, const QString& name)
{
    const auto m = QRegularExpression("^" + QRegularExpression::escape(name) + ": ([0-9.]+)",
                                      QRegularExpression::MultilineOption)
                       .match(QString::fromUtf8(out));
    return m.hasMatch() ? m.captured(1).toDouble() : -1;
}

}  // namespace

class TestCompiledStories : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model, m_embedding, m_container, m_text;
    runtime::LoadedModel m_float;
    std::map<std::string, QuantizedLinear> m_linears;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    Result<void> writeContainer(const std::string& file, bool embeddingRotated)
    {
        const model::DecoderWeights& w = m_float.decoder->weights();
        CompiledModelInfo info;
        info.config = m_float.decoder->config();
        info.bitMode = quant::BitMode::W8;
        info.weightMethod = quant::WeightMethod::Rtn;
        info.activationMethod = quant::ActivationMethod::Max;
        info.embeddingRotated = embeddingRotated;
        info.provenanceJson = R"({"source":"stories260K.gguf","calibration_tokens":256})";
        CompiledModelWriter writer(info);
        for (const auto& [module, linear] : m_linears) writer.addLinear(module, linear);
        for (size_t i = 0; i < w.layers.size(); ++i) {
            const std::string prefix = "model.layers." + std::to_string(i) + ".";
            writer.addTensor(prefix + "input_layernorm.weight", w.layers[i].inputNorm);
            writer.addTensor(prefix + "post_attention_layernorm.weight", w.layers[i].postAttentionNorm);
        }
        writer.addTensor("model.norm.weight", w.finalNorm);
        for (const std::string& name : tokenizerFileNames()) {
            const QString f = m_model + "/" + QString::fromStdString(name);
            if (QFile::exists(f)) writer.addTokenizerFile(name, readAll(f).toStdString());
        }
        return writer.write(file);
    }

    // The text a greedy loop of full forward passes (no KV cache) adds to `prompt`, encoded without special tokens.
    static std::string greedyReply(const runtime::LoadedModel& model, const std::string& prompt, int newTokens)
    {
        auto promptIds = model.tokenizer->encode(prompt, false);
        if (!promptIds) return "<" + promptIds.error().message + ">";
        std::vector<int32_t> ids = *promptIds;
        for (int generated = 0; generated < newTokens; ++generated) {
            auto logits = model.decoder->forward(
                at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0));
            const int32_t next = static_cast<int32_t>(logits[0][int64_t(ids.size()) - 1].argmax().item<int64_t>());
            if (next == 2) break;  // EOS
            ids.push_back(next);
        }
        return model.tokenizer->decode(ids)->substr(model.tokenizer->decode(*promptIds)->size());
    }

    // Logits [T, vocab] from independent double arithmetic over the linears this test quantized.
    at::Tensor referenceLogits(const std::vector<int32_t>& ids, int64_t& nearTies) const
    {
        const model::ModelConfig& c = m_float.decoder->config();
        const model::DecoderWeights& w = m_float.decoder->weights();
        auto linear = [&](const std::string& module) {
            const QuantizedLinear& q = m_linears.at(module);
            return ReferenceLinear{q.weight.codes.to(at::kDouble) * q.weight.scales.to(at::kDouble),
                                   static_cast<double>(static_cast<float>(q.inputScale))};
        };
        auto norm = [&](const at::Tensor& x, const at::Tensor& g) {
            return x / at::sqrt((x * x).mean(-1, true) + c.rmsNormEps) * g.to(at::kDouble);
        };
        const int64_t T = int64_t(ids.size()), H = c.numHeads, KV = c.numKvHeads, D = c.headDim;
        std::vector<int64_t> idList(ids.begin(), ids.end());
        auto h = w.embedTokens.to(at::kDouble).index_select(0, at::tensor(idList, at::kLong));  // [T, hidden]
        // rotate_half RoPE: dimension i pairs with i + D/2, angle pos · theta^(-2i/D).
        auto pos = at::arange(T, at::kDouble).unsqueeze(1);
        auto inv = at::pow(c.ropeTheta, at::arange(0, D / 2, at::kDouble) * (-2.0 / D)).unsqueeze(0);
        auto angle = at::cat({pos * inv, pos * inv}, 1);  // [T, D]
        auto rope = [&](const at::Tensor& x) {            // [T, heads, D]
            auto x1 = x.narrow(2, 0, D / 2), x2 = x.narrow(2, D / 2, D / 2);
            auto rotated = at::cat({-x2, x1}, 2);
            return x * angle.cos().unsqueeze(1) + rotated * angle.sin().unsqueeze(1);
        };
        auto mask = at::ones({T, T}, at::kBool).triu(1);
        for (int layer = 0; layer < c.numLayers; ++layer) {
            const auto mods = layerModules(layer);
            auto x = norm(h, w.layers[size_t(layer)].inputNorm);
            auto q = rope(linear(mods[0])(x, nearTies).view({T, H, D}));
            auto k = rope(linear(mods[1])(x, nearTies).view({T, KV, D}));
            auto v = linear(mods[2])(x, nearTies).view({T, KV, D});
            auto attn = at::empty({T, H, D}, at::kDouble);
            for (int64_t head = 0; head < H; ++head) {
                const int64_t kvHead = head / (H / KV);
                auto scores = at::matmul(q.select(1, head), k.select(1, kvHead).t()) / std::sqrt(double(D));
                scores = scores.masked_fill(mask, -INFINITY);
                attn.select(1, head).copy_(at::matmul(at::softmax(scores, -1), v.select(1, kvHead)));
            }
            h = h + linear(mods[3])(attn.reshape({T, H * D}), nearTies);
            x = norm(h, w.layers[size_t(layer)].postAttentionNorm);
            auto gate = linear(mods[4])(x, nearTies), up = linear(mods[5])(x, nearTies);
            h = h + linear(mods[6])(gate * at::sigmoid(gate) * up, nearTies);
        }
        return linear(kHeadModule)(norm(h, w.finalNorm), nearTies);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = path("stories260K");
        const auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                               sharedData("models/stories260K/tok512.model"), "--out", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        m_embedding = path("embedding.pt");
        auto extracted = exports::extractEmbedding(m_model.toStdString(), m_embedding.toStdString());
        QVERIFY2(extracted.ok(), extracted.ok() ? "" : extracted.error().message.c_str());

        // ~40 KB of validation stories, cut after a separator line.
        const QByteArray validation = readAll(sharedData("text/tinystories/tinystories_validation_first1000.txt"));
        const qsizetype cut = validation.indexOf("<|endoftext|>\n", 40000);
        QVERIFY(cut > 0);
        m_text = path("validation-40k.txt");
        QFile text(m_text);
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write(validation.left(cut + 14));
        text.close();

        // Compile: observe every linear's input on 256 calibration tokens, then RTN 8-bit per channel.
        auto loaded = runtime::loadFloatModel(m_model.toStdString(), {}, {});
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        m_float = std::move(loaded).value();
        const model::ModelConfig& config = m_float.decoder->config();
        const QByteArray train = readAll(sharedData("text/tinystories/TinyStories-train_head2MiB.txt")).left(4000);
        auto calib = m_float.tokenizer->encode(train.toStdString(), true);
        QVERIFY(calib.ok() && calib->size() >= 256);
        calib->resize(256);
        auto observed = std::make_shared<ObservedProjections>(m_float.decoder->weights());
        model::Decoder observing(config, m_float.decoder->weights(), observed);
        (void)observing.forward(at::tensor(std::vector<int64_t>(calib->begin(), calib->end()), at::kLong).unsqueeze(0));

        auto compile = [&](const std::string& module, const at::Tensor& weight, int layer, model::Projection p) {
            auto q = quant::quantizeRtn(weight, quant::GridSpec{8, 0, true});
            QVERIFY(q.ok());
            QuantizedLinear l;
            l.weight = std::move(q).value();
            l.inputScale = observed->observer(layer, p).scale();
            l.activationBits = 8;
            QVERIFY(l.inputScale > 0.001 && l.inputScale < 1.0);
            m_linears[module] = l;
        };
        for (int layer = 0; layer < config.numLayers; ++layer) {
            const auto modules = layerModules(layer);
            for (size_t p = 0; p < modules.size(); ++p)
                compile(modules[p], floatWeight(m_float.decoder->weights().layers[size_t(layer)], kLayerProjections[p]),
                        layer, kLayerProjections[p]);
        }
        compile(kHeadModule, m_float.decoder->weights().lmHead, -1, model::Projection::Head);
        QCOMPARE(m_linears.size(), size_t(config.numLayers * 7 + 1));

        m_container = path("stories260K-w8.lathe");
        auto written = writeContainer(m_container.toStdString(), false);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
    }

    void logitsMatchIndependentArithmetic()
    {
        auto compiled = runtime::loadCompiledModel(m_container.toStdString(), m_embedding.toStdString(), {}, {});
        QVERIFY2(compiled.ok(), compiled.ok() ? "" : compiled.error().message.c_str());
        auto ids = compiled->tokenizer->encode("Once upon a time, there was a little", true);
        QVERIFY(ids.ok());
        QCOMPARE(*ids, *m_float.tokenizer->encode("Once upon a time, there was a little", true));
        auto idTensor = at::tensor(std::vector<int64_t>(ids->begin(), ids->end()), at::kLong).unsqueeze(0);
        const auto logits = compiled->decoder->forward(idTensor)[0].to(at::kDouble);
        int64_t nearTies = 0;
        const auto reference = referenceLogits(*ids, nearTies);
        const double diff = (logits - reference).abs().max().item<double>();
        const double floatDiff = (m_float.decoder->forward(idTensor)[0].to(at::kDouble) - reference).abs().max().item<double>();
        qInfo("%zu tokens: max |compiled - reference| = %.3g (max |logit| %.3g); max |float - reference| = %.3g; "
              "%lld activations within 1e-3 of a rounding boundary",
              ids->size(), diff, reference.abs().max().item<double>(), floatDiff, static_cast<long long>(nearTies));
        QVERIFY2(diff <= 1e-4, qPrintable(QString::number(diff)));
        // The reference is the quantized model, not the float one: quantization moves logits far beyond 1e-4.
        QVERIFY2(floatDiff > 1e-2, qPrintable(QString::number(floatDiff)));
    }

    void perplexityCloseToFloat()
    {
        const QStringList common{"--text-file", m_text, "--ctx", "256", "--drop-line", "<|endoftext|>", "--threads", "1"};
        const auto f = runCli(QStringList{"eval", "--model_path", m_model} + common);
        QVERIFY2(f.exitCode == 0, f.err.constData());
        const auto c = runCli(QStringList{"eval", "--mxq-path", m_container, "--embedding-weight-path", m_embedding} + common);
        QVERIFY2(c.exitCode == 0, c.err.constData());
        const auto c2 = runCli(QStringList{"eval", "--mxq_path", m_container, "--embedding_weight_path", m_embedding} + common);
        QVERIFY2(c2.exitCode == 0, c2.err.constData());
        qInfo("float:\n%s\ncompiled:\n%s", f.out.constData(), c.out.constData());
        const double floatPpl = field(f.out, "perplexity"), compiledPpl = field(c.out, "perplexity");
        QVERIFY(floatPpl > 1 && compiledPpl > 1);
        QCOMPARE(field(c2.out, "perplexity"), compiledPpl);
        QCOMPARE(field(c.out, "scored tokens"), field(f.out, "scored tokens"));
        QVERIFY(field(c.out, "scored tokens") > 9000);
        QVERIFY(c.out.contains("compiled model: " + m_container.toUtf8()));
        const double ratio = compiledPpl / floatPpl;
        QVERIFY2(std::abs(ratio - 1) < 0.02, qPrintable(QString("float %1 compiled %2").arg(floatPpl).arg(compiledPpl)));
        // Anchors (docs/runtime.md): 19,001 tokens, 74 windows; float 4.4599, compiled w8a8 4.4952.
        QCOMPARE(field(f.out, "text tokens"), 19001.0);
        QCOMPARE(field(f.out, "windows"), 74.0);
        QVERIFY2(std::abs(floatPpl - 4.4599) < 0.0005, qPrintable(QString::number(floatPpl)));
        QVERIFY2(std::abs(compiledPpl - 4.4952) < 0.002, qPrintable(QString::number(compiledPpl)));
        QVERIFY2(compiledPpl != floatPpl, "the compiled model must not be the float model");

        const auto cmp = runCli(QStringList{"eval", "--compare", "--model-path", m_model, "--mxq-path", m_container,
                                            "--embedding-weight-path", m_embedding} + common);
        QVERIFY2(cmp.exitCode == 0, cmp.err.constData());
        qInfo("compare:\n%s", cmp.out.constData());
        QCOMPARE(field(cmp.out, "float perplexity"), floatPpl);
        QCOMPARE(field(cmp.out, "compiled perplexity"), compiledPpl);
        QVERIFY(std::abs(field(cmp.out, "perplexity ratio") - ratio) < 1e-4);
        const double agreement = field(cmp.out, "top-1 agreement");
        QVERIFY2(agreement > 0.9 && agreement < 1.0, qPrintable(QString::number(agreement)));
        QCOMPARE(field(cmp.out, "scored tokens"), field(f.out, "scored tokens"));

        const auto json = runCli(QStringList{"eval", "--compare", "--json", "--model-path", m_model, "--mxq-path",
                                             m_container, "--embedding-weight-path", m_embedding} + common);
        QVERIFY2(json.exitCode == 0, json.err.constData());
        const auto doc = QJsonDocument::fromJson(json.out).object();
        QVERIFY(std::abs(doc["float"].toObject()["perplexity"].toDouble() - floatPpl) < 1e-4);
        QVERIFY(std::abs(doc["compiled"].toObject()["perplexity"].toDouble() - compiledPpl) < 1e-4);
        QVERIFY(std::abs(doc["top1_agreement"].toDouble() - agreement) < 1e-4);
        QCOMPARE(doc["agreeing_positions"].toInteger(),
                 qint64(std::llround(doc["top1_agreement"].toDouble() * doc["float"].toObject()["scored_tokens"].toDouble())));
    }

    void generatesTheGreedyContinuation()
    {
        const int newTokens = 40;
        const auto r = runCli({"generate", "--mxq-path", m_container, "--embedding-weight-path", m_embedding, "--prompt",
                               "Once upon a time", "--max-new-tokens", QString::number(newTokens), "--greedy"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        qInfo("%s", r.out.constData());

        // Greedy by full forward passes (no KV cache) with the same compiled decoder.
        auto compiled = runtime::loadCompiledModel(m_container.toStdString(), m_embedding.toStdString(), {}, {});
        QVERIFY(compiled.ok());
        auto prompt = compiled->tokenizer->encode("Once upon a time", true);
        QVERIFY(prompt.ok());
        std::vector<int32_t> ids = *prompt;
        int generated = 0;
        for (; generated < newTokens; ++generated) {
            auto logits = compiled->decoder->forward(at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0));
            const int32_t next = static_cast<int32_t>(logits[0][int64_t(ids.size()) - 1].argmax().item<int64_t>());
            if (next == 2) break;  // EOS
            ids.push_back(next);
        }
        const std::string full = *compiled->tokenizer->decode(ids);
        const std::string promptText = *compiled->tokenizer->decode(*prompt);
        QVERIFY(full.compare(0, promptText.size(), promptText) == 0);
        QCOMPARE(r.out.toStdString(), full.substr(promptText.size()) + "\n");
        QVERIFY(r.out.size() > 100);
        QVERIFY(r.out.startsWith(", there was a little girl named Lily. She loved to play outside in the park."));
        QVERIFY(r.err.contains(QByteArray::number(generated) + " generated"));
    }

    // A container keeps the model's chat_template.jinja, so a compiled model chats without its source folder: the
    // reply is the greedy continuation of the rendered conversation, encoded without added special tokens.
    // generation_config.json travels in the container: a compiled model stops at each end-of-turn id it lists, as
    // the float model does.
    void stopsAtTheStoredEndOfTurnIds()
    {
        const QString generationConfig = m_model + "/generation_config.json";
        const QByteArray original = readAll(generationConfig);
        QFile g(generationConfig);
        QVERIFY(g.open(QIODevice::WriteOnly | QIODevice::Truncate));
        g.write(R"({"bos_token_id": 1, "eos_token_id": [2, 417, 99]})");
        g.close();
        const QString container = path("stories260K-eot.lathe");
        auto written = writeContainer(container.toStdString(), false);
        auto floatModel = runtime::loadFloatModel(m_model.toStdString(), {}, {});
        QVERIFY(g.open(QIODevice::WriteOnly | QIODevice::Truncate));  // the other tests use the folder as imported
        g.write(original);
        g.close();
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        QVERIFY(floatModel.ok());

        auto compiled = runtime::loadCompiledModel(container.toStdString(), m_embedding.toStdString(), {}, {});
        QVERIFY2(compiled.ok(), compiled.ok() ? "" : compiled.error().message.c_str());
        auto ids = runtime::stopIds(*compiled);
        QVERIFY(ids.ok());
        const std::set<int32_t> stop(ids->begin(), ids->end());
        QCOMPARE(stop, (std::set<int32_t>{2, 99, 417}));
        auto floatIds = runtime::stopIds(*floatModel);
        QVERIFY(floatIds.ok());
        QCOMPARE(std::set<int32_t>(floatIds->begin(), floatIds->end()), stop);
        // The container written before holds the folder's own file: EOS only.
        auto plain = runtime::loadCompiledModel(m_container.toStdString(), m_embedding.toStdString(), {}, {});
        QVERIFY(plain.ok());
        auto plainIds = runtime::stopIds(*plain);
        QVERIFY(plainIds.ok());
        QCOMPARE(std::set<int32_t>(plainIds->begin(), plainIds->end()), std::set<int32_t>{2});
    }

    void chatsWithTheStoredTemplate()
    {
        const QString templateFile = m_model + "/chat_template.jinja";
        QFile t(templateFile);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.write("{% for m in messages %}{{ m.content | upper if m.role == 'system' else m.content }} {% endfor %}");
        t.close();
        const QString container = path("stories260K-chat.lathe");
        auto written = writeContainer(container.toStdString(), false);
        QFile::remove(templateFile);  // the other tests use the folder without it
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());

        const int newTokens = 24;
        const auto r =
            runCli({"generate", "--chat", "--mxq-path", container, "--embedding-weight-path", m_embedding, "--system",
                    "Tom", "--prompt", "Once upon a time", "--max-new-tokens", QString::number(newTokens)});
        QVERIFY2(r.exitCode == 0, r.err.constData());

        auto compiled = runtime::loadCompiledModel(container.toStdString(), m_embedding.toStdString(), {}, {});
        QVERIFY(compiled.ok());
        QVERIFY(compiled->chatTemplate && compiled->chatTemplate->ok());
        QVERIFY(QString::fromStdString((*compiled->chatTemplate)->origin).contains("chat_template.jinja"));
        QCOMPARE(r.out.toStdString(), greedyReply(*compiled, "TOM Once upon a time ", newTokens) + "\n");

        // A template given on its own still sees the special tokens the container stores ("</s>" has 4 characters).
        const QString own = path("own.jinja");
        QFile o(own);
        QVERIFY(o.open(QIODevice::WriteOnly));
        o.write("{{ eos_token | length }} {{ messages[-1].content }}");
        o.close();
        const auto withFile = runCli({"generate", "--chat", "--mxq-path", m_container, "--embedding-weight-path",
                                      m_embedding, "--chat-template", own, "--prompt", "Once upon a time",
                                      "--max-new-tokens", QString::number(newTokens)});
        QVERIFY2(withFile.exitCode == 0, withFile.err.constData());
        QCOMPARE(withFile.out.toStdString(), greedyReply(*compiled, "4 Once upon a time", newTokens) + "\n");

        // The container compiled without a template says how to give one.
        const auto none = runCli(
            {"generate", "--chat", "--mxq-path", m_container, "--embedding-weight-path", m_embedding, "--prompt", "x"});
        QCOMPARE(none.exitCode, 3);
        QVERIFY2(none.err.contains("stores no chat template") && none.err.contains("--chat-template"),
                 none.err.constData());
    }

    void badInputsAreExplained()
    {
        const QStringList text{"--text-file", m_text, "--ctx", "64"};
        auto r = runCli(QStringList{"eval", "--mxq-path", m_container} + text);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--embedding-weight-path"), r.err.constData());
        r = runCli(QStringList{"eval", "--compare", "--mxq-path", m_container, "--embedding-weight-path", m_embedding} + text);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--model-path"), r.err.constData());
        r = runCli(QStringList{"eval", "--mxq-path", m_model + "/model.safetensors", "--embedding-weight-path",
                               m_embedding} + text);
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("not a Lathe compiled model"), r.err.constData());

        // An embedding of the wrong shape, for a plain and for a rotated container.
        const QString wrong = path("wrong-embedding.pt");
        const auto bytes = torch::jit::pickle_save(at::zeros({512, 32}));
        QFile f(wrong);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes.data(), qint64(bytes.size()));
        f.close();
        r = runCli(QStringList{"generate", "--mxq-path", m_container, "--embedding-weight-path", wrong, "--prompt", "x"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("[512, 32]") && r.err.contains("[512, 64]") && !r.err.contains("rotated"), r.err.constData());
        const QString rotated = path("rotated.lathe");
        auto written = writeContainer(rotated.toStdString(), true);
        QVERIFY(written.ok());
        r = runCli(QStringList{"eval", "--mxq-path", rotated, "--embedding-weight-path", wrong} + text);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("rotated embedding"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCompiledStories)
#include "TestCompiledStories.moc"
