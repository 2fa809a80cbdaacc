// `lathe export --format onnx` on stories260K, read back with ONNX's own protobuf classes: every linear's integer
// codes and scales in the graph equal the container's (INT4 packing and block-wise scales at opset 21, the regrouped
// int8 layout at opset 17), every 8-bit activation is a QuantizeLinear / DequantizeLinear pair holding the compiled
// scale, ONNX's checker and strict shape inference (Debian's python3-onnx, ONNX 1.12) accept the opset-17 graph, the
// w4v8 folder is small, and bad input, a full disk and a cancel leave nothing behind.
#include "StoriesFixture.h"
#include "TestSupport.h"
#include "common/FileLock.h"
#include "compiled/CompiledModelFile.h"
#include "lathe/deploy/OnnxExport.h"

#include <onnx/onnx_pb.h>

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <map>

using namespace lathe;
using namespace lathe::test;

namespace {

struct LoadedGraph {
    onnx::ModelProto model;
    std::map<std::string, const onnx::TensorProto*> initializers;
    std::map<std::string, const onnx::NodeProto*> producers;  // output name → node
};

bool loadGraph(const QString& path, LoadedGraph& g)
{
    std::ifstream in(path.toStdString(), std::ios::binary);
    if (!in || !g.model.ParseFromIstream(&in)) return false;
    for (const auto& t : g.model.graph().initializer()) g.initializers[t.name()] = &t;
    for (const auto& n : g.model.graph().node())
        for (const auto& o : n.output()) g.producers[o] = &n;
    return true;
}

// The int8 values of an INT8 or INT4 initializer, in storage order.
at::Tensor codesOf(const onnx::TensorProto& t)
{
    const std::string& raw = t.raw_data();
    int64_t count = 1;
    for (int64_t d : t.dims()) count *= d;
    auto out = at::empty({count}, at::kChar);
    auto* p = out.data_ptr<int8_t>();
    for (int64_t i = 0; i < count; ++i) {
        if (t.data_type() == 22) {
            const int nibble = (uint8_t(raw[size_t(i / 2)]) >> (i % 2 ? 4 : 0)) & 0x0F;
            p[i] = int8_t(nibble >= 8 ? nibble - 16 : nibble);
        } else {
            p[i] = int8_t(raw[size_t(i)]);
        }
    }
    return out.view(std::vector<int64_t>(t.dims().begin(), t.dims().end()));
}

at::Tensor floatsOf(const onnx::TensorProto& t)
{
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    auto out = at::empty(dims, at::kFloat);
    std::memcpy(out.data_ptr<float>(), t.raw_data().data(), size_t(out.numel()) * 4);
    return out;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& n, const std::string& name)
{
    for (const auto& a : n.attribute())
        if (a.name() == name) return &a;
    return nullptr;
}

}  // namespace

class TestOnnxExport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    StoriesFixture m_stories;

    QString compile(const QString& name, const QStringList& flags)
    {
        return m_stories.compile(m_dir.path(), name, flags);
    }
    ProcessResult exportOnnx(const QString& name, const QString& out, const QStringList& extra = {},
                             const QStringList& env = {})
    {
        return runCli(QStringList{"export", "--format", "onnx", "--mxq-path", m_dir.filePath(name + ".safetensors"),
                                  "--embedding-weight-path", m_dir.filePath(name + "/embedding_rotated.pt"),
                                  "--output-dir", out} +
                          extra,
                      env);
    }

    // Every linear of the graph at `onnxPath` against the container `name`: codes, scales, activation scale.
    void checkLinears(const QString& name, const QString& onnxPath, int opset)
    {
        LoadedGraph g;
        QVERIFY2(loadGraph(onnxPath, g), qPrintable(onnxPath));
        QCOMPARE(g.model.opset_import(0).version(), int64_t(opset));
        auto c = compiled::CompiledModelFile::open(m_dir.filePath(name + ".safetensors").toStdString());
        QVERIFY(c.ok());
        int quantized = 0;
        for (const auto& [module, spec] : (*c)->info().linears) {
            auto linear = (*c)->linear(module);
            QVERIFY(linear.ok());
            const at::Tensor& codes = linear->weight.codes;  // [out, in]
            const int64_t out = codes.size(0), in = codes.size(1), groups = linear->weight.scales.size(1);
            const auto* q = g.initializers.at(module + ".weight_q");
            const auto* s = g.initializers.at(module + ".weight_scale");
            QCOMPARE(q->data_type(), opset >= 21 && spec.weightBits <= 4 ? 22 : 3);
            at::Tensor stored = codesOf(*q), scales = floatsOf(*s);
            const bool blockwise = groups > 1 && opset >= 21 && spec.weightBits <= 4;
            if (groups > 1 && !blockwise) {
                // [G, groups·out] → [out, groups·G] → the first `in` columns
                const int64_t G = spec.groupSize;
                QCOMPARE(stored.sizes().vec(), (std::vector<int64_t>{G, groups * out}));
                const at::Tensor back = stored.view({G, groups, out}).permute({2, 1, 0}).reshape({out, groups * G});
                QVERIFY(at::equal(back.narrow(1, 0, in), codes));
                QVERIFY(at::equal(back.narrow(1, in, groups * G - in), at::zeros({out, groups * G - in}, at::kChar)));
                QVERIFY(at::equal(scales.view({groups, out}).t(), linear->weight.scales));
            } else {
                QVERIFY2(at::equal(stored.t(), codes), module.c_str());
                QVERIFY(at::equal(groups > 1 ? scales.t() : scales.view({out, 1}), linear->weight.scales));
            }
            // The weight's DequantizeLinear: per channel on axis 1, block-wise on axis 0 with the group size.
            const onnx::NodeProto* dq = nullptr;
            for (const auto& n : g.model.graph().node())
                if (n.op_type() == "DequantizeLinear" && n.input(0) == module + ".weight_q") dq = &n;
            QVERIFY(dq);
            QCOMPARE(attribute(*dq, "axis")->i(), blockwise ? 0 : 1);
            if (blockwise) QCOMPARE(attribute(*dq, "block_size")->i(), spec.groupSize);
            // The activation: the MatMul's input comes from DequantizeLinear(QuantizeLinear(x, s, 0), s, 0).
            // (opset 17 groups: MatMul ← Slice ← Reshape ← Transpose ← Reshape ← DequantizeLinear)
            const onnx::NodeProto* matmul = nullptr;
            for (const auto& n : g.model.graph().node()) {
                if (n.op_type() != "MatMul" || !g.producers.count(n.input(1))) continue;
                const onnx::NodeProto* p = g.producers.at(n.input(1));
                while (p->op_type() != "DequantizeLinear" && g.producers.count(p->input(0)))
                    p = g.producers.at(p->input(0));
                if (p == dq) matmul = &n;
            }
            QVERIFY2(matmul, module.c_str());
            const onnx::NodeProto* act = g.producers.at(matmul->input(0));
            auto inputScale = (*c)->floatTensor(module + ".input_scale");
            QVERIFY(inputScale.ok());
            if (spec.activationBits == 8 || opset >= 21) {
                ++quantized;
                QCOMPARE(act->op_type(), std::string("DequantizeLinear"));
                const onnx::NodeProto* quant = g.producers.at(act->input(0));
                QCOMPARE(quant->op_type(), std::string("QuantizeLinear"));
                QCOMPARE(quant->input(1), act->input(1));
                QCOMPARE(floatsOf(*g.initializers.at(act->input(1))).item<float>(), inputScale->item<float>());
                const auto* zero = g.initializers.at(act->input(2));
                QCOMPARE(zero->data_type(), spec.activationBits == 8 ? 3 : 5);  // int8, int16
                QCOMPARE(zero->raw_data(), std::string(spec.activationBits / 8, '\0'));
            } else {
                // 16 bits at opset 17: Mul(Clip(Round(Div(x, s)), -32768, 32767), s)
                QCOMPARE(act->op_type(), std::string("Mul"));
                QCOMPARE(g.producers.at(act->input(0))->op_type(), std::string("Clip"));
                QCOMPARE(floatsOf(*g.initializers.at(act->input(1))).item<float>(), inputScale->item<float>());
            }
        }
        int qNodes = 0;
        for (const auto& n : g.model.graph().node()) qNodes += n.op_type() == "QuantizeLinear";
        QCOMPARE(qNodes, quantized);
    }

    // ONNX 1.12's checker (full) and strict shape inference, through Debian's python3-onnx.
    void checkWithOnnx(const QString& onnxPath)
    {
        const auto r =
            runProcess("/usr/bin/python3", {"-c",
                                            "import onnx, sys\n"
                                            "m = onnx.load(sys.argv[1])\n"
                                            "onnx.checker.check_model(m, full_check=True)\n"
                                            "onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)\n"
                                            "print('ok', len(m.graph.node))\n",
                                            onnxPath});
        QVERIFY2(r.exitCode == 0 && r.out.startsWith("ok"), r.err.constData());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString error = m_stories.make(m_dir.path(), 16, 64, 256);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(!compile("w4v8", {"--bit", "w4v8", "--rotation", "on"}).isEmpty());
        QVERIFY(!compile("w4g", {"--bit", "w4", "--rotation", "on", "--group-size", "32"}).isEmpty());
        QVERIFY(!compile("w8", {"--bit", "w8", "--rotation", "on"}).isEmpty());
        // 16-bit activations kept for one linear; w8 in groups (regrouped int8 at both opsets).
        QVERIFY(!compile("keep16", {"--bit", "w8", "--rotation", "on", "--keep-16bit-act",
                                    "model.layers.1.mlp.down_proj", "--group-size", "32"})
                     .isEmpty());
    }

    void weightsAndScalesAreExact_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("opset");
        for (const char* name : {"w4v8", "w4g", "w8", "keep16"})
            for (int opset : {21, 17})
                QTest::newRow(qPrintable(QString("%1 opset %2").arg(name).arg(opset))) << name << opset;
    }

    void weightsAndScalesAreExact()
    {
        QFETCH(QString, name);
        QFETCH(int, opset);
        const QString out = m_dir.filePath(QString("onnx-%1-%2").arg(name).arg(opset));
        const auto r = exportOnnx(name, out, {"--opset", QString::number(opset)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const char* file : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                                 "tokenizer.model", "onnx/model.onnx"})
            QVERIFY2(QFileInfo::exists(out + "/" + file), file);
        QVERIFY(!QFileInfo::exists(out + "/onnx/model.onnx_data"));
        checkLinears(name, out + "/onnx/model.onnx", opset);
        if (opset == 17) checkWithOnnx(out + "/onnx/model.onnx");
        if (name == "keep16") QVERIFY2(r.out.contains("1 linears keep 16-bit activations"), r.out.constData());
    }

    void externalDataHoldsTheSameTensors()
    {
        const QString inlined = m_dir.filePath("onnx-inline"), out = m_dir.filePath("onnx-external");
        auto r = exportOnnx("w4g", inlined, {"--opset", "17"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = exportOnnx("w4g", out, {"--opset", "17", "--external-data"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFileInfo(out + "/onnx/model.onnx_data").size() > QFileInfo(out + "/onnx/model.onnx").size());
        QVERIFY(readAll(out + "/config.json").contains("\"use_external_data_format\": true"));
        // ONNX's loader reads the tensors back from the side file; the checker then sees the same model.
        const auto py = runProcess("/usr/bin/python3", {"-c",
                                                        "import onnx, sys\n"
                                                        "a = onnx.load(sys.argv[1]); b = onnx.load(sys.argv[2])\n"
                                                        "ta = {t.name: t.raw_data for t in a.graph.initializer}\n"
                                                        "tb = {t.name: t.raw_data for t in b.graph.initializer}\n"
                                                        "assert ta == tb, 'tensors differ'\n"
                                                        "onnx.checker.check_model(b, full_check=True)\n"
                                                        "print('ok', len(ta))\n",
                                                        inlined + "/onnx/model.onnx", out + "/onnx/model.onnx"});
        QVERIFY2(py.exitCode == 0 && py.out.startsWith("ok"), py.err.constData());
    }

    void w4v8IsSmall()
    {
        // Opset 21 stores 4-bit codes packed: the folder's model is at most 0.2x the float32 linears, plus the
        // float32 embedding the graph carries as it is.
        auto c = compiled::CompiledModelFile::open(m_dir.filePath("w4v8.safetensors").toStdString());
        QVERIFY(c.ok());
        const model::ModelConfig& config = (*c)->config();
        int64_t linearValues = 0;
        for (const auto& [module, spec] : (*c)->info().linears) {
            const auto shape = compiled::linearShape(config, module);
            linearValues += shape[0] * shape[1];
        }
        const double embeddingBytes = 4.0 * config.vocabSize * config.hiddenSize;
        const auto r = exportOnnx("w4v8", m_dir.filePath("onnx-small"));
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const double bytes = double(QFileInfo(m_dir.filePath("onnx-small/onnx/model.onnx")).size());
        qInfo("w4v8 opset 21: %.0f bytes; float32 linears %.0f, embedding %.0f: (bytes - embedding) / linears = %.3f",
              bytes, 4.0 * linearValues, embeddingBytes, (bytes - embeddingBytes) / (4.0 * linearValues));
        QVERIFY(bytes - embeddingBytes <= 0.2 * 4.0 * linearValues);
    }

    void existingFolderNeedsForce()
    {
        const QString out = m_dir.filePath("onnx-forced");
        auto r = exportOnnx("w4v8", out);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QByteArray before = readAll(out + "/onnx/model.onnx");
        r = exportOnnx("w8", out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--force"), r.err.constData());
        QCOMPARE(readAll(out + "/onnx/model.onnx"), before);
        r = exportOnnx("w4v8", out, {"--force"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(readAll(out + "/onnx/model.onnx"), before);  // the same export is byte-identical
    }

    void fullDiskKeepsTheOldFolder()
    {
        const QString out = m_dir.filePath("onnx-full");
        auto r = exportOnnx("w4v8", out);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QByteArray before = readAll(out + "/onnx/model.onnx");
        r = exportOnnx(
            "w8", out, {"--force"},
            {"LD_PRELOAD=" LATHE_ENOSPC_INJECTOR, "LATHE_ENOSPC_PATH=model.onnx", "LATHE_ENOSPC_AFTER=100000"});
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("free some disk space"), r.err.constData());
        QCOMPARE(readAll(out + "/onnx/model.onnx"), before);
        QCOMPARE(QDir(m_dir.path()).entryList({".onnx-full*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    }

    void cancelLeavesNothing()
    {
        deploy::OnnxExportOptions o;
        o.compiledPath = m_dir.filePath("w4v8.safetensors").toStdString();
        o.embeddingPath = m_dir.filePath("w4v8/embedding_rotated.pt").toStdString();
        o.outputDir = m_dir.filePath("cancelled").toStdString();
        StopToken stop;
        int reports = 0;
        auto result = deploy::exportOnnx(
            o,
            [&](const Progress& p) {
                if (p.unit == "tensors" && p.done >= 10) stop.requestStop();
                ++reports;
            },
            stop);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
        QVERIFY(reports >= 3);
        QVERIFY(!QFileInfo::exists(m_dir.filePath("cancelled")));
        QCOMPARE(QDir(m_dir.path()).entryList({".cancelled*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    }

    void concurrentExportsAreRefused()
    {
        // Another export holds the parent folder: this one refuses at once, and writes nothing.
        auto lock = FileLock::tryLock(m_dir.path().toStdString(), "held by the test");
        QVERIFY(lock.ok());
        const auto r = exportOnnx("w8", m_dir.filePath("locked"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("another export is writing"), r.err.constData());
        QVERIFY(!QFileInfo::exists(m_dir.filePath("locked")));
    }

    void badInputsLeaveNothing()
    {
        const QString out = m_dir.filePath("bad");
        // An embedding of another shape: the plain embedding of stories260K has the right shape, so cut one.
        QByteArray bytes = readAll(m_dir.filePath("w4v8.safetensors"));
        const QByteArray from = "\"format_version\":\"1\"", to = "\"format_version\":\"9\"";
        QVERIFY(bytes.contains(from));
        bytes.replace(from, to);
        QFile f(m_dir.filePath("newer.safetensors"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bytes);
        f.close();
        auto r = runCli({"export", "--format", "onnx", "--mxq-path", f.fileName(), "--embedding-weight-path",
                         m_stories.embedding, "--output-dir", out});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("newer Lathe"), r.err.constData());

        const auto py = runProcess("/usr/bin/python3", {"-c",
                                                        "import torch, sys\n"
                                                        "torch.save(torch.zeros(512, 32), sys.argv[1])\n",
                                                        m_dir.filePath("narrow.pt")});
        QVERIFY2(py.exitCode == 0, py.err.constData());
        r = runCli({"export", "--format", "onnx", "--mxq-path", m_dir.filePath("w8.safetensors"),
                    "--embedding-weight-path", m_dir.filePath("narrow.pt"), "--output-dir", out});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("[512, 32]") && r.err.contains("[512, 64]"), r.err.constData());
        r = exportOnnx("w8", out, {"--opset", "19"});
        QVERIFY(r.exitCode != 0);
        r = runCli({"export", "--format", "onnx", "--mxq-path", m_dir.filePath("w8.safetensors"),
                    "--embedding-weight-path", m_stories.embedding, "--output", out + ".onnx"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--output-dir"), r.err.constData());
        QVERIFY(!QFileInfo::exists(out));
        QCOMPARE(QDir(m_dir.path()).entryList({".bad*", "bad*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestOnnxExport)
#include "TestOnnxExport.moc"
