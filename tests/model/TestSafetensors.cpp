#include "model/Checkpoint.h"
#include "model/SafetensorsFile.h"
#include "model/SafetensorsWriter.h"
#include "model/TensorLayout.h"

#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <functional>

using namespace lathe;

namespace {

// A safetensors file assembled by hand: 8-byte little-endian header length, JSON, data.
QByteArray rawSafetensors(const QByteArray& header, const QByteArray& data)
{
    QByteArray out(8, '\0');
    const quint64 n = quint64(header.size());
    std::memcpy(out.data(), &n, 8);
    return out + header + data;
}

template <typename T>
QByteArray bytesOf(std::initializer_list<T> values)
{
    QByteArray out;
    for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof(T));
    return out;
}

uint32_t floatBits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

const char* kTinyConfig = R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "intermediate_size": 12,
  "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 10,
  "tie_word_embeddings": %1})";

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_counter = 0;

    QString writeFile(const QString& path, const QByteArray& bytes)
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(bytes);
        return path;
    }
    QString writeTemp(const QByteArray& bytes)
    {
        return writeFile(m_dir.filePath(QStringLiteral("f%1.safetensors").arg(++m_counter)), bytes);
    }
    void expectOpenError(const QByteArray& bytes, ErrorCode code, const QString& needle)
    {
        const QString path = writeTemp(bytes);
        auto r = model::SafetensorsFile::open(path.toStdString());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, code);
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains(path), qPrintable(message));
        QVERIFY2(message.contains(needle), qPrintable(message));
    }

    // A complete tiny Llama folder; `mutate` may drop or replace tensors before writing.
    QString makeModel(bool tied, const std::function<void(model::NamedTensors&)>& mutate = {})
    {
        const QString dir = m_dir.filePath(QStringLiteral("model%1").arg(++m_counter));
        QDir().mkpath(dir);
        writeFile(dir + QStringLiteral("/config.json"),
                  QString::fromLatin1(kTinyConfig).arg(tied ? "true" : "false").toUtf8());
        auto config = model::loadModelConfig((dir + QStringLiteral("/config.json")).toStdString());
        if (!config) qFatal("%s", config.error().message.c_str());
        model::NamedTensors tensors;
        int64_t seed = 0;
        for (const auto& t : model::expectedTensors(*config)) {
            int64_t n = 1;
            for (int64_t d : t.shape) n *= d;
            tensors.emplace_back(t.name, at::arange(seed, seed + n, at::kFloat).reshape(t.shape).to(at::kBFloat16));
            seed += 1000;
        }
        if (mutate) mutate(tensors);
        auto w = model::writeSafetensors((dir + QStringLiteral("/model.safetensors")).toStdString(), tensors);
        if (!w) qFatal("%s", w.error().message.c_str());
        return dir;
    }

private Q_SLOTS:
    void bf16ToFloatIsExact()
    {
        const QList<uint16_t> bits = {0x3F80, 0xC040, 0x7F80, 0x0001, 0x4049, 0x8000, 0x7F7F};
        QByteArray data;
        for (uint16_t b : bits) data.append(reinterpret_cast<const char*>(&b), 2);
        const QString dir = m_dir.filePath(QStringLiteral("bf16"));
        QDir().mkpath(dir);
        const QString path = writeFile(dir + QStringLiteral("/x.safetensors"),
                                       rawSafetensors(R"({"x":{"dtype":"BF16","shape":[7],"data_offsets":[0,14]}})", data));
        auto file = model::SafetensorsFile::open(path.toStdString());
        QVERIFY(file.ok());
        const model::SafetensorsEntry* e = (*file)->find("x");
        QVERIFY(e);
        QCOMPARE(e->shape, std::vector<int64_t>{7});
        // Checkpoint::load does the conversion; check it on a tensor read the same way.
        at::Tensor raw = at::empty({7}, at::kBFloat16);
        std::memcpy(raw.data_ptr(), (*file)->data(*e), 14);
        at::Tensor f = raw.to(at::kFloat);
        for (int i = 0; i < bits.size(); ++i) QCOMPARE(floatBits(f[i].item<float>()), uint32_t(bits[i]) << 16);
        QCOMPARE(f[0].item<float>(), 1.0f);
        QCOMPARE(f[1].item<float>(), -3.0f);
        QCOMPARE(f[4].item<float>(), 3.140625f);
    }
    void checkpointLoadConvertsExactly()
    {
        const QString dir = makeModel(true, [](model::NamedTensors& t) {
            // Replace the final norm by hand-picked bf16 bit patterns and layer 0's norm by f16 ones.
            at::Tensor bf = at::empty({8}, at::kBFloat16);
            const uint16_t b[8] = {0x3F80, 0xC040, 0x7F80, 0x0001, 0x4049, 0x8000, 0x7F7F, 0x3EAB};
            std::memcpy(bf.data_ptr(), b, 16);
            at::Tensor hf = at::empty({8}, at::kHalf);
            const uint16_t h[8] = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x3555, 0x8000, 0x7C00, 0x0400};
            std::memcpy(hf.data_ptr(), h, 16);
            for (auto& [name, tensor] : t) {
                if (name == "model.norm.weight") tensor = bf;
                if (name == "model.layers.0.input_layernorm.weight") tensor = hf;
            }
        });
        auto ckpt = model::Checkpoint::open(dir.toStdString());
        QVERIFY2(ckpt.ok(), ckpt.ok() ? "" : ckpt.error().message.c_str());
        auto norm = (*ckpt)->load("model.norm.weight", at::kFloat);
        QVERIFY(norm.ok());
        const uint16_t b[8] = {0x3F80, 0xC040, 0x7F80, 0x0001, 0x4049, 0x8000, 0x7F7F, 0x3EAB};
        for (int i = 0; i < 8; ++i) QCOMPARE(floatBits(norm->data_ptr<float>()[i]), uint32_t(b[i]) << 16);
        auto half = (*ckpt)->load("model.layers.0.input_layernorm.weight", at::kFloat);
        QVERIFY(half.ok());
        const float expected[8] = {1.0f, -2.0f, 5.9604644775390625e-08f, 65504.0f, 0.333251953125f, -0.0f,
                                   INFINITY, 6.103515625e-05f};
        for (int i = 0; i < 8; ++i) QCOMPARE(floatBits(half->data_ptr<float>()[i]), floatBits(expected[i]));
        // bf16 weights ask for bf16: identical bits, no rounding.
        auto embed = (*ckpt)->load("model.embed_tokens.weight", at::kBFloat16);
        QVERIFY(embed.ok());
        QCOMPARE(embed->scalar_type(), at::kBFloat16);
        QCOMPARE(embed->sizes().vec(), (std::vector<int64_t>{10, 8}));
        QCOMPARE(embed->to(at::kFloat)[9][7].item<float>(), 79.0f);
        QCOMPARE((*ckpt)->tensors().size(), size_t(1 + 2 * 9 + 1));
        QVERIFY(!(*ckpt)->has("lm_head.weight"));
        auto absent = (*ckpt)->load("lm_head.weight");
        QVERIFY(!absent.ok());
        QCOMPARE(absent.error().code, ErrorCode::NotFound);
    }
    void writerRoundTripAndAlignment()
    {
        model::NamedTensors t = {{"a", at::tensor({1.5f, -2.25f, 3.0f})},
                                 {"b", at::tensor({int64_t(7), int64_t(-9)})},
                                 {"c", at::ones({2, 3}, at::kHalf)}};
        const QString path = m_dir.filePath(QStringLiteral("written.safetensors"));
        QVERIFY(model::writeSafetensors(path.toStdString(), t, {{"format", "pt"}}).ok());
        const QByteArray bytes = lathe::test::readAll(path);
        quint64 headerLen = 0;
        std::memcpy(&headerLen, bytes.constData(), 8);
        QCOMPARE(headerLen % 8, quint64(0));
        QCOMPARE(quint64(bytes.size()), 8 + headerLen + 12 + 16 + 12);
        auto file = model::SafetensorsFile::open(path.toStdString());
        QVERIFY(file.ok());
        QCOMPARE((*file)->metadata().at("format"), std::string("pt"));
        const model::SafetensorsEntry* a = (*file)->find("a");
        QVERIFY(a);
        QCOMPARE(a->dtype, std::string("F32"));
        float back[3];
        std::memcpy(back, (*file)->data(*a), 12);
        QCOMPARE(back[1], -2.25f);
        QCOMPARE((*file)->find("b")->dtype, std::string("I64"));
        QCOMPARE((*file)->find("c")->shape, (std::vector<int64_t>{2, 3}));
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("written.safetensors.tmp*")}).size(), 0);
    }
    void metadataAndEmptyTensorsAreFine()
    {
        auto bytes = rawSafetensors(
            R"({"__metadata__":{"format":"pt"},"e":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]},)"
            R"("x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
            bytesOf<float>({2.5f}));
        auto r = model::SafetensorsFile::open(writeTemp(bytes).toStdString());
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE((*r)->entries().size(), size_t(2));
    }
    void corruptHeaders()
    {
        const QByteArray f4 = bytesOf<float>({1, 2, 3, 4});
        expectOpenError("abc", ErrorCode::Corrupt, QStringLiteral("shorter than the 8-byte header length"));
        QByteArray huge = rawSafetensors("{}", f4);
        const quint64 tooLong = 1000;
        std::memcpy(huge.data(), &tooLong, 8);
        expectOpenError(huge, ErrorCode::Corrupt, QStringLiteral("header length 1000 runs past the end"));
        expectOpenError(rawSafetensors("{\"x\": [1,", f4), ErrorCode::Corrupt, QStringLiteral("not valid JSON"));
        expectOpenError(rawSafetensors("[1, 2]", f4), ErrorCode::Corrupt, QStringLiteral("not a JSON object"));
        expectOpenError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,20]}})", f4),
                        ErrorCode::Corrupt, QStringLiteral("\"x\" has data_offsets [0, 20] outside the data section of 16"));
        expectOpenError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", f4),
                        ErrorCode::Corrupt, QStringLiteral("occupies 16 bytes but its shape and dtype F32 need 12"));
        expectOpenError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                       R"("y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", f4),
                        ErrorCode::Corrupt, QStringLiteral("\"x\" and \"y\" overlap"));
        expectOpenError(rawSafetensors(R"({"x":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}})", f4),
                        ErrorCode::Unsupported, QStringLiteral("dtype \"Q4\""));
        expectOpenError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", f4),
                        ErrorCode::Corrupt, QStringLiteral("not a non-negative integer"));
        expectOpenError(rawSafetensors(R"({"x":{"dtype":"F32","shape":[4]}})", f4), ErrorCode::Corrupt,
                        QStringLiteral("no data_offsets"));
    }
    void checkpointValidatesTensors()
    {
        const QString good = makeModel(false);
        QVERIFY(model::Checkpoint::open(good.toStdString()).ok());

        auto expectFailure = [](const QString& dir, ErrorCode code, const QStringList& needles) {
            auto r = model::Checkpoint::open(dir.toStdString());
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, code);
            const QString message = QString::fromStdString(r.error().message);
            for (const QString& n : needles) QVERIFY2(message.contains(n), qPrintable(message));
        };
        const QString noHead = makeModel(false, [](model::NamedTensors& t) { t.pop_back(); });
        expectFailure(noHead, ErrorCode::NotFound, {QStringLiteral("lm_head.weight [10, 8]"), noHead,
                                                    QStringLiteral("not tied")});
        const QString noK = makeModel(true, [](model::NamedTensors& t) {
            std::erase_if(t, [](auto& p) { return p.first == "model.layers.1.self_attn.k_proj.weight"; });
        });
        expectFailure(noK, ErrorCode::NotFound, {QStringLiteral("model.layers.1.self_attn.k_proj.weight [4, 8]")});
        const QString badShape = makeModel(true, [](model::NamedTensors& t) {
            for (auto& [name, tensor] : t)
                if (name == "model.layers.0.mlp.down_proj.weight") tensor = at::zeros({12, 8});
        });
        expectFailure(badShape, ErrorCode::Corrupt,
                      {badShape + QStringLiteral("/model.safetensors"),
                       QStringLiteral("model.layers.0.mlp.down_proj.weight has shape [12, 8] but config.json implies [8, 12]")});
        const QString intWeights = makeModel(true, [](model::NamedTensors& t) {
            for (auto& [name, tensor] : t)
                if (name == "model.layers.0.self_attn.q_proj.weight") tensor = tensor.to(at::kChar);
        });
        expectFailure(intWeights, ErrorCode::Unsupported, {QStringLiteral("dtype I8")});
        const QString empty = m_dir.filePath(QStringLiteral("configOnly"));
        QDir().mkpath(empty);
        writeFile(empty + QStringLiteral("/config.json"), QString::fromLatin1(kTinyConfig).arg("true").toUtf8());
        expectFailure(empty, ErrorCode::NotFound, {QStringLiteral("no model.safetensors")});
    }
    void shardedCheckpoint()
    {
        const QString dir = makeModel(false);
        auto single = model::Checkpoint::open(dir.toStdString());
        QVERIFY(single.ok());
        // Split into two shards by hand: layer 1 and lm_head in the second.
        model::NamedTensors first, second;
        QByteArray weightMap;
        for (const model::TensorInfo& info : (*single)->tensors()) {
            auto t = (*single)->load(info.name, at::kBFloat16);
            QVERIFY(t.ok());
            const bool late = info.name.find("layers.1.") != std::string::npos || info.name == "lm_head.weight";
            (late ? second : first).emplace_back(info.name, *t);
            weightMap += (weightMap.isEmpty() ? "" : ",") + QByteArray("\"") + info.name.c_str() + "\": \"" +
                         (late ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors") + "\"";
        }
        QFile::remove(dir + QStringLiteral("/model.safetensors"));
        QVERIFY(model::writeSafetensors((dir + "/model-00001-of-00002.safetensors").toStdString(), first).ok());
        QVERIFY(model::writeSafetensors((dir + "/model-00002-of-00002.safetensors").toStdString(), second).ok());
        writeFile(dir + QStringLiteral("/model.safetensors.index.json"),
                  "{\"metadata\": {\"total_size\": 1}, \"weight_map\": {" + weightMap + "}}");
        auto sharded = model::Checkpoint::open(dir.toStdString());
        QVERIFY2(sharded.ok(), sharded.ok() ? "" : sharded.error().message.c_str());
        auto head = (*sharded)->load("lm_head.weight");
        auto headSingle = (*single)->load("lm_head.weight");
        QVERIFY(head.ok() && headSingle.ok());
        QVERIFY(at::equal(*head, *headSingle));
        for (const model::TensorInfo& info : (*sharded)->tensors())
            if (info.name == "lm_head.weight")
                QVERIFY(QString::fromStdString(info.file).endsWith(QStringLiteral("model-00002-of-00002.safetensors")));

        QFile::remove(dir + QStringLiteral("/model-00002-of-00002.safetensors"));
        auto broken = model::Checkpoint::open(dir.toStdString());
        QVERIFY(!broken.ok());
        QCOMPARE(broken.error().code, ErrorCode::NotFound);
        QVERIFY2(QString::fromStdString(broken.error().message).contains(QStringLiteral("model-00002-of-00002.safetensors")),
                 broken.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "TestSafetensors.moc"
