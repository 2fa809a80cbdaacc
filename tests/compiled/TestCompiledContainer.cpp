// The compiled container: writer → reader round trip of every tensor kind, streamed file ranges, atomic writes
// under cancel and errors, and every kind of damaged container reported with the problem named.
#include "TestSupport.h"
#include "TinyModel.h"

#include "common/Hashing.h"
#include "compiled/CompiledModelFile.h"
#include "compiled/CompiledModelWriter.h"
#include "model/SafetensorsFile.h"
#include "model/SafetensorsWriter.h"
#include "quant/Int4Packing.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <functional>
#include <map>

using namespace lathe;
using namespace lathe::compiled;
using namespace lathe::test;

namespace {

model::ModelConfig tinyConfig()
{
    model::ModelConfig c = tinyLlamaConfig({.numLayers = 2, .maxPositionEmbeddings = 32});
    c.tieWordEmbeddings = false;  // compiled configs are untied: lm_head is a quantized linear of its own
    c.bosTokenId = 1;
    c.eosTokenIds = {2};
    return c;
}

// Weight bits, group size, activation bits and bias for each projection (q k v o gate up down), then lm_head:
// packed 2/3/4-bit codes, int8 5/6/8-bit codes, groups, a 16-bit activation and a bias all appear.
const LinearSpec kLayerSpecs[] = {{4, 0, 8, false}, {8, 0, 8, false}, {3, 4, 8, false}, {5, 0, 8, true},
                                  {8, 4, 16, false}, {2, 0, 8, false}, {6, 6, 8, false}};
const LinearSpec kHeadSpec{4, 4, 8, false};

QuantizedLinear randomLinear(const std::vector<int64_t>& shape, const LinearSpec& spec)
{
    QuantizedLinear l;
    const int64_t out = shape[0], in = shape[1];
    l.weight.codes = at::randint(quant::gridMin(spec.weightBits), quant::gridMax(spec.weightBits) + 1, {out, in},
                                 at::kLong)
                         .to(at::kChar);
    l.weight.scales = at::rand({out, spec.groupSize > 0 ? (in + spec.groupSize - 1) / spec.groupSize : 1}) * 0.1 + 0.01;
    l.weight.bits = spec.weightBits;
    l.weight.groupSize = spec.groupSize;
    l.inputScale = 0.01 + at::rand({1}).item<double>() * 0.1;  // not an fp32 value: stored as fp32(inputScale)
    l.activationBits = spec.activationBits;
    if (spec.hasBias) l.bias = at::randn({out});
    return l;
}

struct TinyModel {
    CompiledModelInfo info;  // with linears and tokenizer hashes filled in, as the writer records them
    std::map<std::string, QuantizedLinear> linears;
    std::map<std::string, at::Tensor> norms;
    std::map<std::string, std::string> tokenizerFiles;
};

std::string sha256(const std::string& bytes)
{
    Hasher h(Hasher::Kind::Sha256);
    h.update(bytes.data(), bytes.size());
    return h.hexDigest();
}

TinyModel makeTinyModel()
{
    TinyModel m;
    m.info.config = tinyConfig();
    m.info.bitMode = quant::BitMode::W4V8;
    m.info.weightMethod = quant::WeightMethod::Gptq;
    m.info.activationMethod = quant::ActivationMethod::Percentile;
    m.info.percentile = 0.9999;
    m.info.rotation = {true, true, true, "random-hadamard", 18446744073709551557ull};
    m.info.embeddingRotated = true;
    m.info.provenanceJson = R"({"source":"tiny","calibration":{"samples":3}})";
    for (int layer = 0; layer < 2; ++layer) {
        const auto modules = layerModules(layer);
        for (size_t p = 0; p < modules.size(); ++p)
            m.linears[modules[p]] = randomLinear(linearShape(m.info.config, modules[p]), kLayerSpecs[p]);
    }
    m.linears[kHeadModule] = randomLinear(linearShape(m.info.config, kHeadModule), kHeadSpec);
    for (const auto& [name, width] : normTensors(m.info.config)) m.norms[name] = at::randn({width});
    m.tokenizerFiles["tokenizer.model"] = readAll(sharedData("models/stories260K/tok512.model")).toStdString();
    m.tokenizerFiles["tokenizer_config.json"] = R"({"add_bos_token": true})";
    for (const auto& [module, l] : m.linears)
        m.info.linears[module] = {l.weight.bits, l.weight.groupSize, l.activationBits, l.bias.defined()};
    for (const auto& [file, bytes] : m.tokenizerFiles) m.info.tokenizerFiles[file] = sha256(bytes);
    return m;
}

// The same tensors laid out independently of CompiledModelWriter (for byte comparison and for damaged variants).
model::NamedTensors namedTensors(const TinyModel& m)
{
    model::NamedTensors t;
    for (const auto& [module, l] : m.linears) {
        t.emplace_back(weightCodesName(module), l.weight.bits <= 4 ? *quant::packInt4(l.weight.codes) : l.weight.codes);
        t.emplace_back(weightScaleName(module), l.weight.scales);
        t.emplace_back(inputScaleName(module), at::full({1}, static_cast<float>(l.inputScale)));
        if (l.bias.defined()) t.emplace_back(biasName(module), l.bias);
    }
    for (const auto& [name, norm] : m.norms) t.emplace_back(name, norm);
    for (const auto& [file, bytes] : m.tokenizerFiles) {
        auto u8 = at::empty({int64_t(bytes.size())}, at::kByte);
        std::memcpy(u8.data_ptr(), bytes.data(), bytes.size());
        t.emplace_back(tokenizerTensorName(file), u8);
    }
    return t;
}

Result<void> writeWithWriter(const TinyModel& m, const std::string& path)
{
    CompiledModelInfo info = m.info;
    info.linears.clear();  // the writer records them from the linears
    info.tokenizerFiles.clear();
    CompiledModelWriter writer(info);
    for (const auto& [module, l] : m.linears) writer.addLinear(module, l);
    for (const auto& [name, norm] : m.norms) writer.addTensor(name, norm);
    for (const auto& [file, bytes] : m.tokenizerFiles) writer.addTokenizerFile(file, bytes);
    return writer.write(path);
}

QStringList filesIn(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden);
}

}  // namespace

class TestCompiledContainer : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    TinyModel m_model;
    std::string path(const char* name) const { return m_dir.filePath(name).toStdString(); }

    // Writes the tiny model with `mutate` applied to its tensors and metadata, then opens it.
    Result<std::shared_ptr<const CompiledModelFile>> openVariant(
        const char* name, const std::function<void(model::NamedTensors&, std::map<std::string, std::string>&)>& mutate)
    {
        auto tensors = namedTensors(m_model);
        auto metadata = toMetadata(m_model.info);
        mutate(tensors, metadata);
        auto written = model::writeSafetensors(path(name), tensors, metadata);
        if (!written) return written.error();
        return CompiledModelFile::open(path(name));
    }

    void expectError(const Result<std::shared_ptr<const CompiledModelFile>>& r, ErrorCode code,
                     const QStringList& fragments)
    {
        QVERIFY(!r.ok());
        const QString message = QString::fromStdString(r.error().message);
        qInfo("%s: %s", errorCodeName(r.error().code), qPrintable(message));
        QVERIFY2(r.error().code == code, qPrintable(QString(errorCodeName(r.error().code)) + ": " + message));
        for (const QString& f : fragments) QVERIFY2(message.contains(f), qPrintable(message + "\n  lacks: " + f));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        at::manual_seed(5);
        m_model = makeTinyModel();
    }

    void roundTripIsBitExact()
    {
        const std::string file = path("tiny.lathe");
        const auto written = writeWithWriter(m_model, file);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());

        // Streaming writer and in-memory serialisation agree byte for byte.
        auto expected = model::serializeSafetensors(namedTensors(m_model), toMetadata(m_model.info));
        QVERIFY(expected.ok());
        QCOMPARE(readAll(QString::fromStdString(file)).toStdString(), *expected);

        auto opened = CompiledModelFile::open(file);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        const CompiledModelFile& f = **opened;
        const CompiledModelInfo& info = f.info();
        QCOMPARE(modelConfigToJson(info.config), modelConfigToJson(m_model.info.config));
        QVERIFY(info.bitMode == quant::BitMode::W4V8);
        QVERIFY(info.weightMethod == quant::WeightMethod::Gptq);
        QVERIFY(info.activationMethod == quant::ActivationMethod::Percentile);
        QVERIFY(info.percentile == 0.9999);
        QVERIFY(info.rotation.fusedNorms && info.rotation.r1 && info.rotation.r2 && info.embeddingRotated);
        QCOMPARE(info.rotation.kind, std::string("random-hadamard"));
        QCOMPARE(info.rotation.seed, uint64_t(18446744073709551557ull));
        QCOMPARE(info.provenanceJson, m_model.info.provenanceJson);
        QCOMPARE(info.tokenizerFiles, m_model.info.tokenizerFiles);
        QCOMPARE(info.linears.size(), size_t(15));

        for (const auto& [module, l] : m_model.linears) {
            const LinearSpec& spec = info.linears.at(module);
            QCOMPARE(spec.weightBits, l.weight.bits);
            QCOMPARE(spec.groupSize, l.weight.groupSize);
            QCOMPARE(spec.activationBits, l.activationBits);
            QCOMPARE(spec.hasBias, l.bias.defined());
            auto read = f.linear(module);
            QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
            QVERIFY(at::equal(read->weight.codes, l.weight.codes));
            QVERIFY(at::equal(read->weight.scales, l.weight.scales));
            QVERIFY(read->inputScale == static_cast<double>(static_cast<float>(l.inputScale)));
            QCOMPARE(read->weight.bits, l.weight.bits);
            QCOMPARE(read->weight.groupSize, l.weight.groupSize);
            QCOMPARE(read->activationBits, l.activationBits);
            QCOMPARE(read->bias.defined(), l.bias.defined());
            if (l.bias.defined()) QVERIFY(at::equal(read->bias, l.bias));
        }
        for (const auto& [name, norm] : m_model.norms) QVERIFY(at::equal(*f.floatTensor(name), norm));
        for (const auto& [file, bytes] : m_model.tokenizerFiles) QCOMPARE(*f.tokenizerFile(file), bytes);

        // The stored layout, as any safetensors reader sees it.
        auto raw = model::SafetensorsFile::open(file);
        QVERIFY(raw.ok());
        const auto* q = (*raw)->find("model.layers.0.self_attn.q_proj.weight_q");  // 4-bit, packed
        QVERIFY(q && q->dtype == "U8" && q->shape == (std::vector<int64_t>{8, 4}));
        const auto* k = (*raw)->find("model.layers.0.self_attn.k_proj.weight_q");  // 8-bit
        QVERIFY(k && k->dtype == "I8" && k->shape == (std::vector<int64_t>{4, 8}));
        const auto* d = (*raw)->find("model.layers.1.mlp.down_proj.weight_scale");  // groups of 6 over 12
        QVERIFY(d && d->dtype == "F32" && d->shape == (std::vector<int64_t>{8, 2}));
        const auto* s = (*raw)->find("lm_head.input_scale");
        QVERIFY(s && s->dtype == "F32" && s->shape == (std::vector<int64_t>{1}));
        QCOMPARE((*raw)->metadata().at("format"), std::string("lathe-compiled-model"));
        QCOMPARE((*raw)->metadata().at("format_version"), std::string("1"));
        QCOMPARE(filesIn(m_dir.path()).filter(".tmp-").size(), 0);
    }

    void streamsFileRanges()
    {
        // A 20 MiB payload 1 MiB into a part file, plus a small F32 range: copied in 8 MiB chunks.
        const std::string part = path("part.bin");
        std::string bytes(size_t(22) << 20, '\0');
        for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
        const std::vector<float> small{1.5f, -2.25f, 3.0f, 4.0f, 5.0f, 6.0f};
        std::memcpy(bytes.data() + 21 * (size_t(1) << 20) + 3, small.data(), small.size() * 4);
        QFile out(QString::fromStdString(part));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes.data(), qint64(bytes.size()));
        out.close();

        CompiledModelWriter writer(m_model.info);
        writer.addTensor("first", at::arange(5, at::kFloat));
        writer.addFileRange("big", "U8", {20 << 20}, part, 1 << 20, 20 << 20);
        writer.addFileRange("small", "F32", {2, 3}, part, 21 * (uint64_t(1) << 20) + 3, 24);
        std::vector<int64_t> bigProgress;
        const std::string file = path("ranges.safetensors");
        auto r = writer.write(file, [&](const Progress& p) {
            if (p.detail == "big") bigProgress.push_back(p.done);
        });
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        auto raw = model::SafetensorsFile::open(file);
        QVERIFY(raw.ok());
        const auto* big = (*raw)->find("big");
        QVERIFY(big && big->dtype == "U8" && big->end - big->begin == uint64_t(20) << 20);
        QVERIFY(std::memcmp((*raw)->data(*big), bytes.data() + (1 << 20), 20 << 20) == 0);
        const auto* sm = (*raw)->find("small");
        QVERIFY(sm && sm->dtype == "F32" && sm->shape == (std::vector<int64_t>{2, 3}));
        QVERIFY(std::memcmp((*raw)->data(*sm), small.data(), 24) == 0);
        // Three chunks (8 + 8 + 4 MiB) and the entry's own report, growing to the end of "big".
        QCOMPARE(bigProgress.size(), size_t(4));
        QCOMPARE(bigProgress[0], int64_t(20) + (int64_t(8) << 20));
        QCOMPARE(bigProgress.back(), int64_t(20) + (int64_t(20) << 20));
    }

    void cancelAndErrorsLeaveNothing()
    {
        const std::string part = path("part.bin");  // from streamsFileRanges
        QVERIFY(QFile::exists(QString::fromStdString(part)));
        QTemporaryDir outDir;
        const std::string file = outDir.filePath("model.lathe").toStdString();

        // Cancel after the first chunk of a streamed range: Cancelled, no output, no temporary.
        {
            CompiledModelWriter writer(m_model.info);
            writer.addTensor("first", at::arange(5, at::kFloat));
            writer.addFileRange("big", "U8", {20 << 20}, part, 1 << 20, 20 << 20);
            StopToken stop;
            int chunks = 0;
            auto r = writer.write(file, [&](const Progress& p) {
                if (p.detail == "big" && ++chunks == 1) stop.requestStop();
            }, stop);
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, ErrorCode::Cancelled);
            QCOMPARE(chunks, 1);
            QCOMPARE(filesIn(outDir.path()), QStringList());
        }
        // A file already under the final name survives a failed write untouched.
        QFile old(QString::fromStdString(file));
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("previous");
        old.close();
        auto failing = [&](const std::function<void(CompiledModelWriter&)>& add, ErrorCode code, const QString& fragment) {
            CompiledModelWriter writer(m_model.info);
            add(writer);
            auto r = writer.write(file);
            QVERIFY(!r.ok());
            QVERIFY2(r.error().code == code, r.error().message.c_str());
            QVERIFY2(QString::fromStdString(r.error().message).contains(fragment), r.error().message.c_str());
            QCOMPARE(filesIn(outDir.path()), QStringList{"model.lathe"});
            QCOMPARE(readAll(QString::fromStdString(file)), QByteArray("previous"));
        };
        failing([&](auto& w) { w.addFileRange("x", "U8", {10}, path("no-such-part"), 0, 10); }, ErrorCode::NotFound,
                "no-such-part");
        failing([&](auto& w) { w.addFileRange("x", "U8", {100}, part, (22 << 20) - 50, 100); }, ErrorCode::Corrupt,
                "truncated");
        failing([&](auto& w) { w.addFileRange("x", "F32", {3}, part, 0, 10); }, ErrorCode::InvalidArgument,
                "12 bytes");
        failing([&](auto& w) { w.addFileRange("x", "Q4", {3}, part, 0, 3); }, ErrorCode::InvalidArgument, "Q4");
        failing(
            [&](auto& w) {
                w.addTensor("x", at::zeros({2}));
                w.addTensor("x", at::zeros({2}));
            },
            ErrorCode::InvalidArgument, "used twice");
        failing([&](auto& w) { w.addTokenizerFile("../tokenizer.json", "{}"); }, ErrorCode::InvalidArgument,
                "plain file name");
        failing(
            [&](auto& w) {
                QuantizedLinear l = m_model.linears.at(kHeadModule);  // 4-bit
                l.weight.codes = l.weight.codes.clone();
                l.weight.codes[0][0] = 9;
                w.addLinear(kHeadModule, l);
            },
            ErrorCode::InvalidArgument, "lm_head");
    }

    void raggedGroupsRoundTripAsFormat2()
    {
        // Groups of 5 over down_proj's 12 inputs (5, 5, 2) and of 3 over lm_head's 8 (3, 3, 2).
        TinyModel m = m_model;
        const std::string down = "model.layers.1.mlp.down_proj";
        m.linears[down] = randomLinear(linearShape(m.info.config, down), {4, 5, 8, false});
        m.linears[kHeadModule] = randomLinear(linearShape(m.info.config, kHeadModule), {8, 3, 16, false});
        for (const std::string& module : {down, std::string(kHeadModule)}) {
            const QuantizedLinear& l = m.linears.at(module);
            m.info.linears[module] = {l.weight.bits, l.weight.groupSize, l.activationBits, false};
        }
        const std::string file = path("ragged.lathe");
        const auto written = writeWithWriter(m, file);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        auto expected = model::serializeSafetensors(namedTensors(m), toMetadata(m.info));
        QVERIFY(expected.ok());
        QCOMPARE(readAll(QString::fromStdString(file)).toStdString(), *expected);

        auto raw = model::SafetensorsFile::open(file);
        QVERIFY(raw.ok());
        QCOMPARE((*raw)->metadata().at("format_version"), std::string("2"));
        const auto* d = (*raw)->find(down + ".weight_scale");
        QVERIFY(d && d->dtype == "F32" && d->shape == (std::vector<int64_t>{8, 3}));
        const auto* h = (*raw)->find("lm_head.weight_scale");
        QVERIFY(h && h->dtype == "F32" && h->shape == (std::vector<int64_t>{m.info.config.vocabSize, 3}));

        auto opened = CompiledModelFile::open(file);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        QCOMPARE((*opened)->info().formatVersion, 2);
        for (const std::string& module : {down, std::string(kHeadModule)}) {
            const QuantizedLinear& l = m.linears.at(module);
            auto read = (*opened)->linear(module);
            QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
            QCOMPARE(read->weight.groupSize, l.weight.groupSize);
            QVERIFY(at::equal(read->weight.codes, l.weight.codes));
            QVERIFY(at::equal(read->weight.scales, l.weight.scales));
            // Exact per-group sums of the linear as read, against int64 loops over the generated codes.
            const int64_t out = l.weight.codes.size(0), in = l.weight.codes.size(1), g = l.weight.groupSize;
            const int64_t amax = quant::gridMax(l.activationBits);
            const auto xq = at::randint(-amax - 1, amax + 1, {3, in}, at::kLong);
            const auto acc = read->accumulate(xq.to(at::kFloat));
            QCOMPARE(acc.sizes().vec(), (std::vector<int64_t>{3, out, (in + g - 1) / g}));
            const auto codes = l.weight.codes.to(at::kLong);
            for (int64_t r = 0; r < 3; ++r)
                for (int64_t o = 0; o < out; ++o)
                    for (int64_t first = 0; first < in; first += g) {
                        int64_t sum = 0;
                        for (int64_t i = first; i < std::min(first + g, in); ++i)
                            sum += xq[r][i].item<int64_t>() * codes[o][i].item<int64_t>();
                        QVERIFY(acc[r][o][first / g].item<double>() == static_cast<double>(sum));
                    }
        }

        // The same tensors labelled format 1, which promised group sizes that divide: refused, naming the linear.
        auto md = toMetadata(m.info);
        md["format_version"] = "1";
        QVERIFY(model::writeSafetensors(path("ragged-v1.lathe"), namedTensors(m), md).ok());
        expectError(CompiledModelFile::open(path("ragged-v1.lathe")), ErrorCode::Corrupt,
                    {"ragged-v1.lathe", down.c_str(), "group size 5", "does not divide its input width 12",
                     "format 1 requires a divisor"});
    }

    void damagedContainersAreNamed()
    {
        expectError(openVariant("format.lathe", [](auto&, auto& md) { md["format"] = "gguf-ish"; }),
                    ErrorCode::Unsupported, {"not a Lathe compiled model", "gguf-ish"});
        expectError(openVariant("nometa.safetensors", [](auto&, auto& md) { md.clear(); }), ErrorCode::Unsupported,
                    {"not a Lathe compiled model", "no \"format\""});
        expectError(openVariant("newer.lathe", [](auto&, auto& md) { md["format_version"] = "3"; }),
                    ErrorCode::Unsupported, {"written by a newer Lathe (format 3, this build reads 2)"});
        expectError(openVariant("version.lathe", [](auto&, auto& md) { md["format_version"] = "one"; }),
                    ErrorCode::Corrupt, {"format_version", "\"one\""});
        expectError(openVariant("missing.lathe",
                                [](model::NamedTensors& t, auto&) {
                                    std::erase_if(t, [](auto& e) {
                                        return e.first == "model.layers.1.mlp.up_proj.weight_scale";
                                    });
                                }),
                    ErrorCode::Corrupt, {"model.layers.1.mlp.up_proj.weight_scale", "missing", "missing.lathe"});
        expectError(openVariant("shape.lathe",
                                [](model::NamedTensors& t, auto&) {
                                    for (auto& [name, tensor] : t)
                                        if (name == "model.norm.weight") tensor = at::ones({7});
                                }),
                    ErrorCode::Corrupt, {"model.norm.weight", "F32 [7]", "F32 [8]"});
        expectError(openVariant("dtype.lathe",
                                [](model::NamedTensors& t, auto&) {
                                    for (auto& [name, tensor] : t)
                                        if (name == "model.layers.0.self_attn.k_proj.weight_q")
                                            tensor = tensor.to(at::kByte);
                                }),
                    ErrorCode::Corrupt, {"model.layers.0.self_attn.k_proj.weight_q", "U8 [4, 8]", "I8 [4, 8]"});
        expectError(openVariant("spec.lathe",
                                [this](auto&, auto& md) {
                                    CompiledModelInfo info = m_model.info;
                                    info.linears.erase("model.layers.1.self_attn.o_proj");
                                    md["quantization"] = toMetadata(info).at("quantization");
                                }),
                    ErrorCode::Corrupt, {"no quantization spec", "model.layers.1.self_attn.o_proj"});
        expectError(openVariant("json.lathe", [](auto&, auto& md) { md["quantization"] = "{\"bit_mode\": "; }),
                    ErrorCode::Corrupt, {"\"quantization\"", "not valid JSON"});
        expectError(openVariant("bits.lathe",
                                [](auto&, auto& md) {
                                    auto& q = md["quantization"];
                                    const auto at = q.find("\"weight_bits\":8");
                                    q.replace(at, 15, "\"weight_bits\":9");
                                }),
                    ErrorCode::Corrupt, {"weight_bits", "is 9, outside 2..8"});
        expectError(openVariant("sha.lathe",
                                [](auto&, auto& md) {
                                    auto& t = md["tokenizer"];
                                    const auto at = t.find("tokenizer.model\":\"") + 18;
                                    t[at] = t[at] == '0' ? '1' : '0';
                                }),
                    ErrorCode::Corrupt, {"tokenizer file \"tokenizer.model\"", "sha256"});

        // Truncated: the data section is shorter than the header says.
        const std::string good = path("tiny.lathe");  // from roundTripIsBitExact
        QByteArray bytes = readAll(QString::fromStdString(good));
        QVERIFY(bytes.size() > 100);
        QFile cut(QString::fromStdString(path("truncated.lathe")));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(bytes.left(bytes.size() - 10));
        cut.close();
        expectError(CompiledModelFile::open(path("truncated.lathe")), ErrorCode::Corrupt,
                    {"truncated.lathe", "outside the data section"});
        // Not safetensors at all.
        QFile gguf(QString::fromStdString(path("model.gguf")));
        QVERIFY(gguf.open(QIODevice::WriteOnly));
        gguf.write(QByteArray("GGUF\x03\x00\x00\x00", 8) + QByteArray(64, '\x7f'));
        gguf.close();
        expectError(CompiledModelFile::open(path("model.gguf")), ErrorCode::Corrupt,
                    {"model.gguf", "not a valid safetensors file", "lathe compile"});
        expectError(CompiledModelFile::open(path("absent.lathe")), ErrorCode::NotFound, {"absent.lathe"});
    }

    void damagedValuesAreNamedWhenRead()
    {
        // Codes outside a 3-bit grid (packed nibbles hold -8..7) and a zero input scale open, then fail on read.
        auto opened = openVariant("values.lathe", [](model::NamedTensors& t, auto&) {
            for (auto& [name, tensor] : t) {
                if (name == "model.layers.0.self_attn.v_proj.weight_q") {
                    tensor = tensor.clone();
                    tensor[0][0] = 0x77;  // codes 7 and 7
                }
                if (name == "model.layers.1.mlp.gate_proj.input_scale") tensor = at::zeros({1});
            }
        });
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        auto v = (*opened)->linear("model.layers.0.self_attn.v_proj");
        QVERIFY(!v.ok() && v.error().code == ErrorCode::Corrupt);
        QVERIFY2(QString::fromStdString(v.error().message).contains("v_proj.weight_q\" holds codes from"),
                 v.error().message.c_str());
        QVERIFY(QString::fromStdString(v.error().message).contains("3-bit grid"));
        auto g = (*opened)->linear("model.layers.1.mlp.gate_proj");
        QVERIFY(!g.ok() && g.error().code == ErrorCode::Corrupt);
        QVERIFY2(QString::fromStdString(g.error().message).contains("gate_proj.input_scale"), g.error().message.c_str());
        QVERIFY((*opened)->linear("model.layers.0.self_attn.q_proj").ok());
        QCOMPARE((*opened)->linear("model.layers.9.self_attn.q_proj").error().code, ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestCompiledContainer)
#include "TestCompiledContainer.moc"
