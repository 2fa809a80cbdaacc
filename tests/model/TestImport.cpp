#include "lathe/model/Import.h"
#include "model/Checkpoint.h"

#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>

using namespace lathe;
using namespace lathe::test;

namespace {

// A minimal GGUF v3 writer for synthetic fixtures (little-endian, alignment 32).
class GgufBuilder {
public:
    void u32(QByteArray& b, uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); }
    void u64(QByteArray& b, uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); }
    void str(QByteArray& b, const QByteArray& s) { u64(b, s.size()), b.append(s); }
    void kvU32(const QByteArray& key, uint32_t v) { str(m_kv, key), u32(m_kv, 4), u32(m_kv, v), ++m_kvCount; }
    void kvF32(const QByteArray& key, float v)
    {
        str(m_kv, key), u32(m_kv, 6), m_kv.append(reinterpret_cast<const char*>(&v), 4), ++m_kvCount;
    }
    void kvStr(const QByteArray& key, const QByteArray& v) { str(m_kv, key), u32(m_kv, 8), str(m_kv, v), ++m_kvCount; }
    // `t` is [rows, cols] (torch order); GGUF lists cols first. Stored as F16 when `half`.
    void tensor(const QByteArray& name, const at::Tensor& t, bool half)
    {
        str(m_info, name);
        u32(m_info, uint32_t(t.dim()));
        for (int64_t d = t.dim() - 1; d >= 0; --d) u64(m_info, uint64_t(t.size(d)));
        u32(m_info, half ? 1 : 0);
        while (m_data.size() % 32) m_data.append('\0');
        u64(m_info, uint64_t(m_data.size()));
        at::Tensor c = t.to(half ? at::kHalf : at::kFloat).contiguous();
        m_data.append(static_cast<const char*>(c.data_ptr()), qsizetype(c.nbytes()));
        ++m_tensorCount;
    }
    QByteArray bytes()
    {
        QByteArray out("GGUF");
        u32(out, 3);
        u64(out, m_tensorCount);
        u64(out, m_kvCount);
        out += m_kv + m_info;
        while (out.size() % 32) out.append('\0');
        return out + m_data;
    }

private:
    QByteArray m_kv, m_info, m_data;
    uint64_t m_kvCount = 0, m_tensorCount = 0;
};

}  // namespace

class TestImport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_fromBin, m_fromGguf;

    static std::unique_ptr<model::Checkpoint> open(const QString& dir)
    {
        auto r = model::Checkpoint::open(dir.toStdString());
        if (!r) qFatal("%s", r.error().message.c_str());
        return std::move(r).value();
    }
    static QJsonObject json(const QString& path) { return QJsonDocument::fromJson(readAll(path)).object(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_fromBin = m_dir.filePath(QStringLiteral("bin"));
        m_fromGguf = m_dir.filePath(QStringLiteral("gguf"));
        model::ImportOptions a{sharedData("models/stories260K/stories260K.bin").toStdString(),
                               sharedData("models/stories260K/tok512.model").toStdString(), m_fromBin.toStdString()};
        auto ra = importModel(a);
        QVERIFY2(ra.ok(), ra.ok() ? "" : ra.error().message.c_str());
        QCOMPARE(ra->format, std::string("llama2.c"));
        QCOMPARE(ra->tokenizer, std::string("copied"));
        model::ImportOptions b{sharedData("models/stories260K/stories260K.gguf").toStdString(), "",
                               m_fromGguf.toStdString()};
        auto rb = importModel(b);
        QVERIFY2(rb.ok(), rb.ok() ? "" : rb.error().message.c_str());
        QCOMPARE(rb->format, std::string("gguf"));
        QCOMPARE(rb->tokenizer, std::string("synthesized from GGUF metadata"));
        QCOMPARE(ra->parameterCount, rb->parameterCount);
    }
    void folderLayout()
    {
        for (const QString& dir : {m_fromBin, m_fromGguf}) {
            const QStringList files = QDir(dir).entryList(QDir::Files, QDir::Name);
            QCOMPARE(files, (QStringList{"config.json", "generation_config.json", "model.safetensors",
                                         "special_tokens_map.json", "tokenizer.model", "tokenizer_config.json"}));
            const QJsonObject tc = json(dir + "/tokenizer_config.json");
            QCOMPARE(tc["add_bos_token"].toBool(), true);
            QCOMPARE(tc["add_eos_token"].toBool(), false);
            QCOMPARE(tc["bos_token"].toString(), QStringLiteral("<s>"));
            QCOMPARE(tc["eos_token"].toString(), QStringLiteral("</s>"));
            QCOMPARE(tc["unk_token"].toString(), QStringLiteral("<unk>"));
            QCOMPARE(tc["tokenizer_class"].toString(), QStringLiteral("LlamaTokenizer"));
            const QJsonObject gc = json(dir + "/generation_config.json");
            QCOMPARE(gc["bos_token_id"].toInt(), 1);
            QCOMPARE(gc["eos_token_id"].toInt(), 2);
            // No staging folders left next to the output.
            QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral(".*partial*")}, QDir::AllEntries | QDir::Hidden).size(), 0);
        }
        QCOMPARE(readAll(m_fromBin + "/tokenizer.model"), readAll(sharedData("models/stories260K/tok512.model")));
    }
    void configsAgree()
    {
        QJsonObject a = json(m_fromBin + "/config.json"), b = json(m_fromGguf + "/config.json");
        QCOMPARE(a["architectures"].toArray().first().toString(), QStringLiteral("LlamaForCausalLM"));
        QCOMPARE(a["hidden_size"].toInt(), 64);
        QCOMPARE(a["intermediate_size"].toInt(), 172);
        QCOMPARE(a["num_hidden_layers"].toInt(), 5);
        QCOMPARE(a["num_attention_heads"].toInt(), 8);
        QCOMPARE(a["num_key_value_heads"].toInt(), 4);
        QCOMPARE(a["head_dim"].toInt(), 8);
        QCOMPARE(a["vocab_size"].toInt(), 512);
        QCOMPARE(a["rms_norm_eps"].toDouble(), 1e-5);
        QCOMPARE(a["rope_theta"].toDouble(), 10000.0);
        QCOMPARE(a["tie_word_embeddings"].toBool(), true);
        QCOMPARE(a["torch_dtype"].toString(), QStringLiteral("float32"));
        QCOMPARE(a["bos_token_id"].toInt(), 1);
        QCOMPARE(a["eos_token_id"].toInt(), 2);
        // The files disagree only on context length: the .bin header says seq_len 512, the GGUF
        // metadata llama.context_length 2048.
        QCOMPARE(a["max_position_embeddings"].toInt(), 512);
        QCOMPARE(b["max_position_embeddings"].toInt(), 2048);
        a.remove("max_position_embeddings");
        b.remove("max_position_embeddings");
        QCOMPARE(a, b);
        QCOMPARE(json(m_fromBin + "/tokenizer_config.json")["model_max_length"].toInt(), 512);
    }
    void tensorsAreBitIdentical()
    {
        auto a = open(m_fromBin), b = open(m_fromGguf);
        const auto ta = a->tensors(), tb = b->tensors();
        QCOMPARE(ta.size(), size_t(1 + 5 * 9 + 1));
        QCOMPARE(tb.size(), ta.size());
        for (size_t i = 0; i < ta.size(); ++i) {
            QCOMPARE(ta[i].name, tb[i].name);
            QCOMPARE(ta[i].dtype, std::string("F32"));
            QCOMPARE(ta[i].shape, tb[i].shape);
            at::Tensor x = *a->load(ta[i].name), y = *b->load(tb[i].name);
            QVERIFY2(std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0, ta[i].name.c_str());
        }
    }
    void tensorsMatchRawBinLayout()
    {
        // Read the llama2.c file directly: header, then token_embedding, rms_att, wq, wk, wv ...
        const QByteArray raw = readAll(sharedData("models/stories260K/stories260K.bin"));
        const float* f = reinterpret_cast<const float*>(raw.constData() + 28);
        const int dim = 64, layers = 5, vocab = 512, kvDim = 32, hd = 8;
        auto ckpt = open(m_fromBin);
        at::Tensor embed = *ckpt->load("model.embed_tokens.weight");
        QCOMPARE(std::memcmp(embed.data_ptr(), f, vocab * dim * 4), 0);
        const float* rmsAtt = f + vocab * dim;
        const float* wq = rmsAtt + layers * dim;
        const float* wk = wq + layers * dim * dim;
        const float* wv = wk + layers * kvDim * dim;
        at::Tensor v2 = *ckpt->load("model.layers.2.self_attn.v_proj.weight");
        QCOMPARE(std::memcmp(v2.data_ptr(), wv + 2 * kvDim * dim, kvDim * dim * 4), 0);
        // q_proj row (head h, i < hd/2) is Meta row (h, 2i); row (h, hd/2 + i) is Meta row (h, 2i+1).
        at::Tensor q1 = *ckpt->load("model.layers.1.self_attn.q_proj.weight");
        const float* meta = wq + 1 * dim * dim;
        for (int h = 0; h < 8; ++h)
            for (int i = 0; i < hd / 2; ++i) {
                QCOMPARE(std::memcmp(q1[h * hd + i].data_ptr(), meta + (h * hd + 2 * i) * dim, dim * 4), 0);
                QCOMPARE(std::memcmp(q1[h * hd + hd / 2 + i].data_ptr(), meta + (h * hd + 2 * i + 1) * dim, dim * 4), 0);
            }
        at::Tensor k4 = *ckpt->load("model.layers.4.self_attn.k_proj.weight");
        const float* metaK = wk + 4 * kvDim * dim;
        QCOMPARE(std::memcmp(k4[3 * hd + 1].data_ptr(), metaK + (3 * hd + 2) * dim, dim * 4), 0);
        QCOMPARE(std::memcmp(k4[3 * hd + 5].data_ptr(), metaK + (3 * hd + 3) * dim, dim * 4), 0);
    }
    void syntheticF16GgufWithUntiedHead()
    {
        // hidden 8, 2 heads (head_dim 4), 1 kv head, ffn 6, 1 layer, vocab 5, separate classifier.
        GgufBuilder g;
        g.kvStr("general.architecture", "llama");
        g.kvU32("llama.embedding_length", 8);
        g.kvU32("llama.feed_forward_length", 6);
        g.kvU32("llama.block_count", 1);
        g.kvU32("llama.attention.head_count", 2);
        g.kvU32("llama.attention.head_count_kv", 1);
        g.kvU32("llama.context_length", 64);
        g.kvF32("llama.attention.layer_norm_rms_epsilon", 1e-6f);
        g.kvF32("llama.rope.freq_base", 500000.0f);
        at::manual_seed(7);
        auto r = [](std::vector<int64_t> s) { return at::randn(s).to(at::kHalf).to(at::kFloat); };
        const at::Tensor embd = r({5, 8}), q = r({8, 8}), k = r({4, 8}), v = r({4, 8}), o = r({8, 8}),
                         gate = r({6, 8}), up = r({6, 8}), down = r({8, 6}), n1 = r({8}), n2 = r({8}), nf = r({8}),
                         head = r({5, 8});
        g.tensor("token_embd.weight", embd, true);
        g.tensor("blk.0.attn_norm.weight", n1, false);
        g.tensor("blk.0.attn_q.weight", q, true);
        g.tensor("blk.0.attn_k.weight", k, true);
        g.tensor("blk.0.attn_v.weight", v, true);
        g.tensor("blk.0.attn_output.weight", o, true);
        g.tensor("blk.0.ffn_norm.weight", n2, false);
        g.tensor("blk.0.ffn_gate.weight", gate, true);
        g.tensor("blk.0.ffn_up.weight", up, true);
        g.tensor("blk.0.ffn_down.weight", down, true);
        g.tensor("output_norm.weight", nf, false);
        g.tensor("output.weight", head, true);
        QTemporaryDir dir;
        const QString src = dir.filePath("tiny.gguf");
        QFile f(src);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(g.bytes());
        f.close();
        const QString out = dir.filePath("tiny");
        model::ImportOptions options{src.toStdString(), sharedData("models/stories260K/tok512.model").toStdString(),
                                     out.toStdString()};
        auto imported = importModel(options);
        // tok512 has 512 pieces, the model 5 tokens: refused, nothing written.
        QVERIFY(!imported.ok());
        QCOMPARE(imported.error().code, ErrorCode::InvalidArgument);
        QVERIFY(!QFileInfo::exists(out));
        options.tokenizerPath.clear();
        imported = importModel(options);
        QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().message.c_str());
        QCOMPARE(imported->tokenizer, std::string("none"));
        auto ckpt = open(out);
        const model::ModelConfig& c = ckpt->config();
        QVERIFY(!c.tieWordEmbeddings);
        QCOMPARE(c.headDim, 4);
        QCOMPARE(c.numKvHeads, 1);
        QCOMPARE(c.rmsNormEps, 1e-6);
        QCOMPARE(c.ropeTheta, 500000.0);
        QCOMPARE(c.maxPositionEmbeddings, 64);
        QVERIFY(at::equal(*ckpt->load("model.embed_tokens.weight"), embd));
        QVERIFY(at::equal(*ckpt->load("lm_head.weight"), head));
        QVERIFY(at::equal(*ckpt->load("model.layers.0.mlp.down_proj.weight"), down));
        QVERIFY(at::equal(*ckpt->load("model.layers.0.input_layernorm.weight"), n1));
        const at::Tensor qHf = *ckpt->load("model.layers.0.self_attn.q_proj.weight");
        const int64_t order[8] = {0, 2, 1, 3, 4, 6, 5, 7};  // per head of 4: rows 0,2 then 1,3
        for (int i = 0; i < 8; ++i) QVERIFY(at::equal(qHf[i], q[order[i]]));
        const at::Tensor kHf = *ckpt->load("model.layers.0.self_attn.k_proj.weight");
        for (int i = 0; i < 4; ++i) QVERIFY(at::equal(kHf[i], k[order[i]]));
    }
};

QTEST_GUILESS_MAIN(TestImport)
#include "TestImport.moc"
