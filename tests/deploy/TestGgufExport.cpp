// `lathe export --format gguf` on stories260K compiled for the gguf target: every linear's values in the GGUF equal
// Lathe's dequantized weights bit for bit (F16 fallbacks: their float16 rounding), `lathe import` reads the file back
// to the same values, and what GGUF cannot hold exactly is refused or, with --requantize, rounded and reported.
#include "StoriesFixture.h"
#include "TestSupport.h"
#include "common/FileLock.h"
#include "compiled/CompiledModelFile.h"
#include "model/Checkpoint.h"
#include "model/GgufBlocks.h"
#include "model/GgufFile.h"
#include "model/RopePermutation.h"
#include "quant/IntegerGrid.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;
using namespace lathe::test;

namespace {

const char* kGgufNames[] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

at::Tensor ggufValues(const model::GgufFile& g, const std::string& name)
{
    const model::GgufTensor* t = g.findTensor(name);
    if (!t) return {};
    const int64_t cols = t->dims[0], rows = t->dims.size() > 1 ? t->dims[1] : 1;
    return model::decodeRows(g.data(*t), *model::ggmlType(t->ggmlType), rows, cols);
}

}  // namespace

class TestGgufExport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    StoriesFixture m_stories;

    QString compile(const QString& name, const QStringList& flags)
    {
        return m_stories.compile(m_dir.path(), name, flags);
    }
    ProcessResult exportGguf(const QString& container, const QString& embedding, const QString& out,
                             const QStringList& extra = {})
    {
        return runCli(QStringList{"export", "--format", "gguf", "--mxq-path", container, "--embedding-weight-path",
                                  embedding, "--output", out} +
                      extra);
    }

    // Checks every linear of `gguf` against the container: `exact` values bit for bit; F16 rows as their rounding.
    void checkValues(const QString& container, const QString& gguf, bool halfScalesRounded)
    {
        auto c = compiled::CompiledModelFile::open(container.toStdString());
        QVERIFY(c.ok());
        auto g = model::GgufFile::open(gguf.toStdString());
        QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
        const model::ModelConfig& config = (*c)->config();
        for (int layer = 0; layer <= config.numLayers; ++layer) {
            const bool head = layer == config.numLayers;
            const auto modules = head ? std::vector<std::string>{"lm_head"} : compiled::layerModules(layer);
            for (size_t p = 0; p < modules.size(); ++p) {
                auto linear = (*c)->linear(modules[p]);
                QVERIFY(linear.ok());
                quant::QuantizedWeight w = linear->weight;
                // F16 rows hold the dequantized weights as they are; only block rows had their scales rounded.
                if (halfScalesRounded && w.codes.size(1) % 32 == 0) w.scales = quant::roundScalesToHalf(w.scales);
                at::Tensor expected = w.dequantize();
                if (!head && p < 2)
                    expected = model::halfRotaryToInterleaved(expected, p == 0 ? config.numHeads : config.numKvHeads);
                const std::string name =
                    head ? "output.weight" : "blk." + std::to_string(layer) + "." + kGgufNames[p] + ".weight";
                const model::GgufTensor* t = (*g)->findTensor(name);
                QVERIFY2(t, name.c_str());
                if (expected.size(1) % 32 != 0) {
                    QCOMPARE(t->ggmlType, uint32_t(model::GgmlType::F16));
                    expected = expected.to(at::kHalf).to(at::kFloat);
                } else {
                    QCOMPARE(t->ggmlType, uint32_t(w.bits <= 4 ? model::GgmlType::Q4_0 : model::GgmlType::Q8_0));
                }
                QVERIFY2(ggufValues(**g, name).equal(expected), name.c_str());
            }
        }
        for (int i = 0; i < config.numLayers; ++i) {
            auto norm = (*c)->floatTensor("model.layers." + std::to_string(i) + ".input_layernorm.weight");
            QVERIFY(ggufValues(**g, "blk." + std::to_string(i) + ".attn_norm.weight").view({-1}).equal(*norm));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString problem = m_stories.make(m_dir.path(), 12, 64, 128);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }

    void exactExport()
    {
        const QString container = compile("w4", {"--bit", "w4", "--target", "gguf"});
        QVERIFY(!container.isEmpty());
        const QString out = m_dir.filePath("w4.gguf");
        const auto r = exportGguf(container, m_dir.filePath("w4/embedding_rotated.pt"), out);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(text.contains("linears stored exactly: 31"), qPrintable(text));  // 5 × 6 + lm_head
        for (int i = 0; i < 5; ++i)
            QVERIFY(text.contains(QString("stored as F16 (row width not a multiple of 32, as llama.cpp does): "
                                          "model.layers.%1.mlp.down_proj")
                                      .arg(i)));
        QVERIFY(text.contains("static activation scales are not stored"));
        checkValues(container, out, false);

        auto g = model::GgufFile::open(out.toStdString());
        QVERIFY(g.ok());
        QCOMPARE(QString::fromStdString((*g)->find("general.architecture")->text), QString("llama"));
        QCOMPARE((*g)->find("llama.block_count")->integer, int64_t(5));
        QCOMPARE((*g)->find("llama.attention.head_count_kv")->integer, int64_t(4));
        QCOMPARE((*g)->find("general.file_type")->integer, int64_t(2));
        QCOMPARE(QString::fromStdString((*g)->find("tokenizer.ggml.model")->text), QString("llama"));
        QCOMPARE((*g)->find("tokenizer.ggml.tokens")->elements.size(), size_t(512));
        QCOMPARE((*g)->find("tokenizer.ggml.add_bos_token")->integer, int64_t(1));
        // Norm fusion folded in: norms are ones.
        QVERIFY(ggufValues(**g, "output_norm.weight").eq(1.0f).all().item<bool>());
    }

    void importReadsTheExportBack()
    {
        const QString out = m_dir.filePath("w4.gguf");
        QVERIFY(QFileInfo::exists(out));
        const QString folder = m_dir.filePath("reimported");
        const auto r = runCli({"import", "--from", out, "--out", folder});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto checkpoint = model::Checkpoint::open(folder.toStdString());
        QVERIFY(checkpoint.ok());
        auto c = compiled::CompiledModelFile::open(m_dir.filePath("w4.safetensors").toStdString());
        QVERIFY(c.ok());
        for (const std::string& module :
             {std::string("model.layers.2.self_attn.q_proj"), std::string("model.layers.2.self_attn.k_proj"),
              std::string("model.layers.0.mlp.gate_proj"), std::string("lm_head")}) {
            auto imported = (*checkpoint)->load(module + ".weight");
            QVERIFY2(imported.ok(), module.c_str());
            QVERIFY2(imported->equal((*c)->linear(module)->weight.dequantize()), module.c_str());
        }
        auto down = (*checkpoint)->load("model.layers.0.mlp.down_proj.weight");
        QVERIFY(down->equal(
            (*c)->linear("model.layers.0.mlp.down_proj")->weight.dequantize().to(at::kHalf).to(at::kFloat)));
    }

    void refusesWhatGgufCannotHoldExactly()
    {
        const QString perChannel = compile("w8", {"--bit", "w8"});
        const QString f32Scales = compile("w4v8-g32", {"--bit", "w4v8", "--group-size", "32"});
        QVERIFY(!perChannel.isEmpty() && !f32Scales.isEmpty());
        const QString out = m_dir.filePath("refused.gguf");
        auto r = exportGguf(perChannel, m_stories.embedding, out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("compiled per output channel") && r.err.contains("--target gguf") &&
                     r.err.contains("--requantize"),
                 r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
        r = exportGguf(f32Scales, m_dir.filePath("w4v8-g32/embedding_rotated.pt"), out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("compiled with float32 scales"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(QDir(m_dir.path()).entryList({"refused.gguf*"}, QDir::Files | QDir::Hidden).size(), 0);

        // --requantize keeps the codes of groups of 32 and rounds their scales to float16.
        r = exportGguf(f32Scales, m_dir.filePath("w4v8-g32/embedding_rotated.pt"), out, {"--requantize"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.err.contains("warning: requantized model.layers.0.self_attn.q_proj: codes kept, scales rounded"),
                 r.err.constData());
        checkValues(f32Scales, out, true);
        // Per channel, --requantize rounds to nearest: close to the weights, reported as such.
        const QString rounded = m_dir.filePath("rounded.gguf");
        r = exportGguf(perChannel, m_stories.embedding, rounded, {"--requantize"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.err.contains("rounded to nearest as Q8_0 (compiled per output channel)"));
        auto g = model::GgufFile::open(rounded.toStdString());
        auto c = compiled::CompiledModelFile::open(perChannel.toStdString());
        const at::Tensor want = (*c)->linear("model.layers.1.mlp.up_proj")->weight.dequantize();
        const at::Tensor got = ggufValues(**g, "blk.1.ffn_up.weight");
        // Q8_0's step is amax/127 per block; its rounding error is at most half of it.
        QVERIFY((got - want).abs().max().item<float>() <= want.abs().max().item<float>() / 127.0f * 0.5f * 1.001f);
    }

    void existingOutputNeedsForce()
    {
        const QString out = m_dir.filePath("w4.gguf");
        const QByteArray before = readAll(out);
        auto r = exportGguf(m_dir.filePath("w4.safetensors"), m_dir.filePath("w4/embedding_rotated.pt"), out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("already exists; pass --force"), r.err.constData());
        QCOMPARE(readAll(out), before);
        r = exportGguf(m_dir.filePath("w4.safetensors"), m_dir.filePath("w4/embedding_rotated.pt"), out,
                       {"--force", "--embedding-type", "f16"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        auto g = model::GgufFile::open(out.toStdString());
        QCOMPARE((*g)->findTensor("token_embd.weight")->ggmlType, uint32_t(model::GgmlType::F16));
    }

    void groupsOtherThan32AreRefused()
    {
        const QString g64 = compile("w4-g64", {"--bit", "w4", "--group-size", "64", "--scale-dtype", "f16"});
        QVERIFY(!g64.isEmpty());
        const QString out = m_dir.filePath("g64.gguf");
        const auto r = exportGguf(g64, m_dir.filePath("w4-g64/embedding_rotated.pt"), out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("model.layers.0.self_attn.q_proj was compiled in groups of 64"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }

    void unsupportedArchitecture()
    {
        // The same container, its config naming an architecture Lathe does not run (same lengths, so the header
        // stays valid).
        QByteArray bytes = readAll(m_dir.filePath("w4.safetensors"));
        QVERIFY(bytes.contains("LlamaForCausalLM") && bytes.contains("\\\"model_type\\\": \\\"llama\\\""));
        bytes.replace("LlamaForCausalLM", "GemmaForCausalLM");
        bytes.replace("\\\"model_type\\\": \\\"llama\\\"", "\\\"model_type\\\": \\\"gemma\\\"");
        QFile f(m_dir.filePath("gemma.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        const QString out = m_dir.filePath("gemma.gguf");
        const auto r = exportGguf(f.fileName(), m_dir.filePath("w4/embedding_rotated.pt"), out);
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("GemmaForCausalLM"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }

    void fullDiskKeepsTheOldFile()
    {
        // A good export at the path, then one that runs out of space part-way: a clear error, the old file intact,
        // no temporary left.
        const QString out = m_dir.filePath("w4.gguf");
        const QByteArray before = readAll(out);
        QVERIFY(!before.isEmpty());
        const auto r =
            runCli({"export", "--mxq-path", m_dir.filePath("w4.safetensors"), "--embedding-weight-path",
                    m_dir.filePath("w4/embedding_rotated.pt"), "--output", out, "--force"},
                   {"LD_PRELOAD=" LATHE_ENOSPC_INJECTOR, "LATHE_ENOSPC_PATH=w4.gguf", "LATHE_ENOSPC_AFTER=20000"});
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("free some disk space"), r.err.constData());
        QCOMPARE(readAll(out), before);
        QCOMPARE(QDir(m_dir.path()).entryList({"w4.gguf*"}, QDir::Files | QDir::Hidden), QStringList{"w4.gguf"});
    }

    void concurrentExportsAreRefused()
    {
        // Another export (the Studio, another `lathe export`) holds the folder: refused at once, nothing written.
        auto lock = FileLock::tryLock(m_dir.path().toStdString(), "held by the test");
        QVERIFY(lock.ok());
        const QString out = m_dir.filePath("locked.gguf");
        const auto r = exportGguf(m_dir.filePath("w4.safetensors"), m_dir.filePath("w4/embedding_rotated.pt"), out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("another export is writing"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
    }

    void badInputsLeaveNothing()
    {
        const QString out = m_dir.filePath("bad.gguf");
        auto r = exportGguf(m_dir.filePath("w4.safetensors"), m_dir.filePath("missing.pt"), out);
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("missing.pt"), r.err.constData());
        // The plain embedding of a rotated model has the right shape; a truncated container does not open.
        QByteArray cut = readAll(m_dir.filePath("w4.safetensors"));
        cut.chop(1000);
        QFile f(m_dir.filePath("cut.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(cut);
        f.close();
        r = exportGguf(m_dir.filePath("cut.safetensors"), m_stories.embedding, out);
        QCOMPARE(r.exitCode, 4);
        r = exportGguf(m_dir.filePath("w4.safetensors"), m_stories.embedding, out, {"--embedding-type", "q5_k"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(QDir(m_dir.path()).entryList({"bad.gguf*"}, QDir::Files | QDir::Hidden).size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestGgufExport)
#include "TestGgufExport.moc"
