// The tokenizer.json engine piece by piece (pattern splitting, normalizers, decoders, BPE merging,
// added tokens, templates, BOS/EOS, errors) on small hand-written files whose results are worked out
// from Hugging Face's rules, plus Mistral's real tokenizer.json for the config rules.
#include "TestSupport.h"

#include "tokenize/HfDecoder.h"
#include "tokenize/HfNormalizer.h"
#include "tokenize/HfPreTokenizer.h"
#include "tokenize/Pcre2Regex.h"
#include "lathe/tokenize/Tokenizer.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace lathe;
using namespace lathe::test;
using lathe::tokenize::Json;

Q_DECLARE_METATYPE(std::vector<std::string>)
Q_DECLARE_METATYPE(std::vector<int32_t>)

namespace {

const QString kMistral = QStringLiteral("tokenizers/mistral-7b-v0.1");

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// Pre-tokenizes `text` (one piece, at the start of the input) and returns the piece texts; pieces the
// ByteLevel step left as raw bytes are marked with a leading '#'.
std::vector<std::string> preTokenize(const std::string& spec, const std::string& text, bool atStart = true)
{
    auto pre = tokenize::HfPreTokenizer::fromJson(Json::parse(spec), "pre_tokenizer");
    tokenize::TextArena arena;
    std::vector<tokenize::PreToken> pieces{{text, false, atStart}};
    pre->apply(pieces, arena);
    std::vector<std::string> out;
    for (const auto& p : pieces) out.push_back((p.rawBytes ? "#" : "") + std::string(p.text));
    return out;
}

std::string normalize(const std::string& spec, std::string text)
{
    tokenize::HfNormalizer::fromJson(Json::parse(spec), "normalizer")->normalize(text);
    return text;
}

std::string decodeTokens(const std::string& spec, std::vector<std::string> tokens)
{
    tokenize::HfDecoder::fromJson(Json::parse(spec), "decoder")->decodeChain(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
}

// A toy BPE tokenizer: characters a, b, c, x, space; merges in the order given. Nothing splits the
// text unless `preTokenizer` says so.
QByteArray toyTokenizer(const QByteArray& merges, const QByteArray& extra = "", const QByteArray& addedTokens = "[]",
                        const QByteArray& preTokenizer = "null", const QByteArray& postProcessor = "null",
                        const QByteArray& normalizer = "null")
{
    return R"({"version": "1.0", "added_tokens": )" + addedTokens + R"(, "normalizer": )" + normalizer +
           R"(, "pre_tokenizer": )" + preTokenizer + R"(, "post_processor": )" + postProcessor +
           R"(, "decoder": null, "model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "bc": 5,
           "abc": 6, "aa": 7, "ba": 8, "x": 9, " ": 10, "<0xC3>": 11, "<0xA9>": 12}, "merges": )" + merges +
           R"(, "unk_token": "<unk>")" + extra + "}}";
}

std::unique_ptr<tokenize::Tokenizer> loadJson(const QTemporaryDir& tmp, const QByteArray& json,
                                              const QByteArray& config = QByteArray(), const QString& name = "tok")
{
    const QString dir = tmp.filePath(name);
    QDir().mkpath(dir);
    writeFile(dir + "/tokenizer.json", json);
    if (!config.isNull()) writeFile(dir + "/tokenizer_config.json", config);
    auto loaded = tokenize::Tokenizer::load((dir + "/tokenizer.json").toStdString());
    if (!loaded) qWarning("load failed: %s", loaded.error().message.c_str());
    return loaded ? std::move(*loaded) : nullptr;
}

}  // namespace

class TestTokenizerJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Oniguruma's \s includes U+0085 and its \w includes combining marks; PCRE2's do not unless rewritten.
    void regexUsesOnigurumaClasses()
    {
        std::string error;
        auto space = tokenize::Pcre2Regex::compile(R"(\s+)", error);
        QVERIFY2(space, error.c_str());
        size_t begin = 0, end = 0;
        QVERIFY(space->find("a\xC2\x85" "b", 0, begin, end));
        QCOMPARE(begin, size_t(1));
        QCOMPARE(end, size_t(3));
        auto notSpace = tokenize::Pcre2Regex::compile(R"([^\s]+)", error);
        QVERIFY(notSpace->find("\xC2\x85xy\xE3\x80\x80", 0, begin, end));
        QCOMPARE(begin, size_t(2));
        QCOMPARE(end, size_t(4));
        auto word = tokenize::Pcre2Regex::compile(R"(\w+)", error);
        QVERIFY(word->find("e\xCC\x81t!", 0, begin, end));
        QCOMPARE(end, size_t(4));
        QVERIFY(!tokenize::Pcre2Regex::compile("(unclosed", error));
        QVERIFY(!error.empty());
    }

    void splitBehaviors_data()
    {
        QTest::addColumn<QString>("behavior");
        QTest::addColumn<bool>("invert");
        QTest::addColumn<std::vector<std::string>>("expected");
        using V = std::vector<std::string>;
        QTest::newRow("Removed") << "Removed" << false << V{"a", "b", "c"};
        QTest::newRow("Isolated") << "Isolated" << false << V{"a", "-", "b", "-", "-", "c", "-"};
        QTest::newRow("MergedWithPrevious") << "MergedWithPrevious" << false << V{"a-", "b-", "-", "c-"};
        QTest::newRow("MergedWithNext") << "MergedWithNext" << false << V{"a", "-b", "-", "-c", "-"};
        QTest::newRow("Contiguous") << "Contiguous" << false << V{"a", "-", "b", "--", "c", "-"};
        QTest::newRow("Removed inverted") << "Removed" << true << V{"-", "-", "-", "-"};
    }

    void splitBehaviors()
    {
        QFETCH(QString, behavior);
        QFETCH(bool, invert);
        QFETCH(std::vector<std::string>, expected);
        const std::string spec = "{\"type\": \"Split\", \"pattern\": {\"String\": \"-\"}, \"behavior\": \"" +
                                 behavior.toStdString() + "\", \"invert\": " + (invert ? "true" : "false") + "}";
        QCOMPARE(preTokenize(spec, "a-b--c-"), expected);
    }

    void preTokenizers_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("atStart");
        QTest::addColumn<std::vector<std::string>>("expected");
        using V = std::vector<std::string>;
        // Not a raw string: moc misreads the quotes in one.
        const QString llama3 =
            "{\"type\": \"Split\", \"behavior\": \"Isolated\", \"invert\": false, \"pattern\": {\"Regex\": "
            "\"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|"
            "\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"}}";
        QTest::newRow("llama3 regex") << llama3 << "I'LL  be 12345\n\n ok" << true
                                      << V{"I", "'LL", " ", " be", " ", "123", "45", "\n\n", " ok"};
        QTest::newRow("bytelevel gpt2 regex") << R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true})"
                                              << "don't  stop" << true << V{"#don", "#'t", "# ", "# stop"};
        QTest::newRow("bytelevel prefix space") << R"({"type": "ByteLevel", "add_prefix_space": true, "use_regex": true})"
                                                << "Hello world" << true << V{"# Hello", "# world"};
        QTest::newRow("bytelevel no regex") << R"({"type": "ByteLevel", "add_prefix_space": false, "use_regex": false})"
                                            << "a b" << true << V{"#a b"};
        QTest::newRow("sequence then bytelevel")
            << R"({"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true}, {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]})"
            << "ab12" << true << V{"#ab", "#1", "#2"};
        QTest::newRow("metaspace always") << R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true})"
                                          << "Hello  world" << false << V{"▁Hello", "▁", "▁world"};
        QTest::newRow("metaspace first, at start") << R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true})"
                                                   << "Hello  world" << true << V{"▁Hello", "▁", "▁world"};
        QTest::newRow("metaspace first, later") << R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true})"
                                                << "Hello  world" << false << V{"Hello", "▁", "▁world"};
        QTest::newRow("metaspace never, no split") << R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": false})"
                                                   << " a b" << true << V{"▁a▁b"};
        QTest::newRow("metaspace legacy flag") << R"({"type": "Metaspace", "replacement": "▁", "add_prefix_space": true})"
                                               << "a" << false << V{"▁a"};
        QTest::newRow("digits grouped") << R"({"type": "Digits", "individual_digits": false})" << "a123b4" << true
                                        << V{"a", "123", "b", "4"};
        QTest::newRow("whitespace") << R"({"type": "Whitespace"})" << "Hi, you  there!" << true
                                    << V{"Hi", ",", "you", "there", "!"};
        QTest::newRow("whitespace split") << R"({"type": "WhitespaceSplit"})" << " Hi,\tyou\xC2\xA0there " << true
                                          << V{"Hi,", "you", "there"};
    }

    void preTokenizers()
    {
        QFETCH(QString, spec);
        QFETCH(QString, text);
        QFETCH(bool, atStart);
        QFETCH(std::vector<std::string>, expected);
        QCOMPARE(preTokenize(spec.toStdString(), text.toStdString(), atStart), expected);
    }

    void normalizers()
    {
        const std::string mistral =
            R"({"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]})";
        QCOMPARE(normalize(mistral, ""), std::string());
        QCOMPARE(normalize(mistral, " a b"), std::string("▁▁a▁b"));
        QCOMPARE(normalize(R"({"type": "NFC"})", "e\xCC\x81"), std::string("\xC3\xA9"));
        QCOMPARE(normalize(R"({"type": "NFD"})", "\xC3\xA9"), std::string("e\xCC\x81"));
        QCOMPARE(normalize(R"({"type": "NFKC"})", "\xEF\xAC\x81 \xE2\x91\xA0"), std::string("fi 1"));
        QCOMPARE(normalize(R"({"type": "Lowercase"})", "\xC3\x80" "B\xCE\xA3"), std::string("\xC3\xA0" "b\xCF\x82"));
        QCOMPARE(normalize(R"({"type": "Strip", "strip_left": true, "strip_right": false})", " \xC2\xA0" "a "), std::string("a "));
        QCOMPARE(normalize(R"({"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": "_"})", "a \t b\n"), std::string("a_b_"));
    }

    void decoders()
    {
        const std::string mistral =
            R"({"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]})";
        QCOMPARE(decodeTokens(mistral, {"▁Hello", "▁world", "<0xE4>", "<0xB8>", "<0xAD>", "!"}), std::string("Hello world中!"));
        // An incomplete byte run is replaced byte by byte.
        QCOMPARE(decodeTokens(mistral, {"▁a", "<0xE4>", "<0xB8>", "▁b"}), std::string("a\xEF\xBF\xBD\xEF\xBF\xBD b"));
        QCOMPARE(decodeTokens(mistral, {"▁▁x"}), std::string(" x"));
        // 中 is E4 B8 AD; 0xE4 and 0xB8 are printable Latin-1, 0xAD (soft hyphen) maps to U+0143.
        QCOMPARE(decodeTokens(R"({"type": "ByteLevel"})", {"Ġhello", "Ġ", "ä¸Ń", "<|eot_id|>"}), std::string(" hello 中<|eot_id|>"));
        QCOMPARE(decodeTokens(R"({"type": "ByteLevel"})", {"ä¸", "Ġa"}), std::string("\xEF\xBF\xBD a"));
        QCOMPARE(decodeTokens(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"})", {"▁Hey▁", "▁▁friend"}),
                 std::string("Hey  friend"));
        QCOMPARE(decodeTokens(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"})", {"▁Hey"}), std::string(" Hey"));
        QCOMPARE(decodeTokens(R"({"type": "Strip", "content": " ", "start": 1, "stop": 1})", {"  a  "}), std::string(" a "));
    }

    void bpeMerges_data()
    {
        QTest::addColumn<QByteArray>("merges");
        QTest::addColumn<QByteArray>("extra");
        QTest::addColumn<QString>("text");
        QTest::addColumn<std::vector<int32_t>>("expected");
        using V = std::vector<int32_t>;
        const QByteArray bcFirst = R"(["b c", "a b", "ab c", "a a"])";
        const QByteArray abFirst = R"([["a", "b"], ["b", "c"], ["ab", "c"]])";  // the newer array form
        // (b,c) outranks (a,b), so "abc" becomes a + bc and stops: (a, bc) is no merge.
        QTest::newRow("rank, not position") << bcFirst << QByteArray() << "abc" << V{1, 5};
        QTest::newRow("chained merges") << abFirst << QByteArray() << "abc" << V{6};
        QTest::newRow("equal ranks go left first") << bcFirst << QByteArray() << "aaa" << V{7, 1};
        QTest::newRow("pairs") << bcFirst << QByteArray() << "aaaa" << V{7, 7};
        QTest::newRow("unknown char") << bcFirst << QByteArray() << "abé" << V{4, 0};
        QTest::newRow("fused unknowns") << bcFirst << QByteArray(R"(, "fuse_unk": true)") << "xéé€a" << V{9, 0, 1};
        QTest::newRow("unfused unknowns") << bcFirst << QByteArray(R"(, "fuse_unk": false)") << "éé" << V{0, 0};
        QTest::newRow("byte fallback") << bcFirst << QByteArray(R"(, "byte_fallback": true)") << "aé" << V{1, 11, 12};
        // byte_fallback needs every byte's token; € (E2 82 AC) has none, so it is unk.
        QTest::newRow("byte fallback incomplete") << bcFirst << QByteArray(R"(, "byte_fallback": true)") << "€b" << V{0, 2};
        QTest::newRow("no ignore_merges") << bcFirst << QByteArray() << "ba" << V{2, 1};
        QTest::newRow("ignore_merges") << bcFirst << QByteArray(R"(, "ignore_merges": true)") << "ba" << V{8};
        QTest::newRow("empty") << bcFirst << QByteArray() << "" << V{};
    }

    void bpeMerges()
    {
        QFETCH(QByteArray, merges);
        QFETCH(QByteArray, extra);
        QFETCH(QString, text);
        QFETCH(std::vector<int32_t>, expected);
        QTemporaryDir tmp;
        auto tok = loadJson(tmp, toyTokenizer(merges, extra));
        QVERIFY(tok);
        QCOMPARE(tok->engineName(), std::string("tokenizer.json"));
        QCOMPARE(tok->vocabSize(), 13);
        QCOMPARE(*tok->encode(text.toStdString()), expected);
        QCOMPARE(*tok->encode(text.toStdString(), false), expected);  // no post-processor: nothing to add
    }

    void addedTokens_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<std::vector<int32_t>>("expected");
        using V = std::vector<int32_t>;
        QTest::newRow("lstrip absorbs spaces before") << "a  <l>b" << V{1, 20, 2};
        QTest::newRow("rstrip absorbs spaces after") << "a<r> \t b" << V{1, 21, 2};
        QTest::newRow("plain keeps spaces") << "a <p> b" << V{1, 10, 22, 10, 2};
        QTest::newRow("single word alone") << "x ab b" << V{9, 10, 23, 10, 2};
        QTest::newRow("single word at edges") << "ab" << V{23};
        QTest::newRow("single word inside a word") << "xab" << V{9, 1, 2};
        QTest::newRow("underscore is a word character") << "ab_" << V{1, 2, 0};
        QTest::newRow("longest match") << "<p><pp>" << V{22, 24};
        QTest::newRow("normalized token matches after lowercasing") << "A C" << V{1, 10, 25};
        QTest::newRow("raw token is not lowercased") << "<P>" << V{0, 0, 0};
        QTest::newRow("adjacent") << "<l><l>" << V{20, 20};
    }

    void addedTokens()
    {
        QFETCH(QString, text);
        QFETCH(std::vector<int32_t>, expected);
        const QByteArray added = R"([
            {"id": 20, "content": "<l>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false, "special": true},
            {"id": 21, "content": "<r>", "single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": true},
            {"id": 22, "content": "<p>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 23, "content": "ab", "single_word": true, "lstrip": false, "rstrip": false, "normalized": false, "special": false},
            {"id": 24, "content": "<pp>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 25, "content": "C", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false}])";
        QTemporaryDir tmp;
        auto tok = loadJson(tmp, toyTokenizer("[]", "", added, "null", "null", R"({"type": "Lowercase"})"));
        QVERIFY(tok);
        QCOMPARE(tok->vocabSize(), 26);
        QCOMPARE(*tok->encode(text.toStdString()), expected);
        // Special added tokens are dropped on decode, others keep their text; no decoder joins with spaces.
        QCOMPARE(*tok->decode({1, 20, 2, 23, 25}), std::string("a b ab C"));
    }

    void templates_data()
    {
        QTest::addColumn<QByteArray>("postProcessor");
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<std::vector<int32_t>>("expected");
        QTest::addColumn<int>("bos");
        QTest::addColumn<int>("eos");
        using V = std::vector<int32_t>;
        const QByteArray both = R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [30], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [31], "tokens": ["</s>"]}}})";
        QTest::newRow("template") << both << QByteArray() << V{30, 1, 31} << 30 << 31;
        QTest::newRow("config without flags") << both << QByteArray(R"({"bos_token": "<s>"})") << V{30, 1, 31} << 30 << 31;
        QTest::newRow("config drops eos") << both << QByteArray(R"({"add_eos_token": false})") << V{30, 1} << 30 << 31;
        QTest::newRow("config drops both") << both << QByteArray(R"({"add_bos_token": false, "add_eos_token": false})") << V{1} << 30 << 31;
        QTest::newRow("config names eos") << both << QByteArray(R"({"eos_token": "b", "add_eos_token": true})") << V{30, 1, 2} << 30 << 2;
        QTest::newRow("null bos") << both << QByteArray(R"({"bos_token": null, "add_bos_token": true})") << V{1, 31} << -1 << 31;
        QTest::newRow("roberta") << QByteArray(R"({"type": "RobertaProcessing", "sep": ["</s>", 31], "cls": ["<s>", 30]})")
                                 << QByteArray() << V{30, 1, 31} << 30 << 31;
        QTest::newRow("sequence with bytelevel")
            << QByteArray(R"({"type": "Sequence", "processors": [{"type": "ByteLevel", "add_prefix_space": true}, )" + both + "]}")
            << QByteArray() << V{30, 1, 31} << 30 << 31;
        QTest::newRow("bytelevel only") << QByteArray(R"({"type": "ByteLevel"})") << QByteArray() << V{1} << -1 << -1;
    }

    void templates()
    {
        QFETCH(QByteArray, postProcessor);
        QFETCH(QByteArray, config);
        QFETCH(std::vector<int32_t>, expected);
        QFETCH(int, bos);
        QFETCH(int, eos);
        const QByteArray added = R"([{"id": 30, "content": "<s>", "special": true, "normalized": false},
                                     {"id": 31, "content": "</s>", "special": true, "normalized": false}])";
        QTemporaryDir tmp;
        auto tok = loadJson(tmp, toyTokenizer("[]", "", added, "null", postProcessor), config);
        QVERIFY(tok);
        QCOMPARE(*tok->encode("a"), expected);
        QCOMPARE(*tok->encode("a", false), std::vector<int32_t>{1});
        QCOMPARE(tok->bosId(), bos < 0 ? std::nullopt : std::optional<int32_t>(bos));
        QCOMPARE(tok->eosId(), eos < 0 ? std::nullopt : std::optional<int32_t>(eos));
        QCOMPARE(*tok->decode(expected), std::string("a"));
    }

    // Mistral's real files with the config rules transformers applies (spm_encode: "Hello world" → 22557 1526).
    void mistralConfigRules_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<std::vector<int32_t>>("expected");
        using V = std::vector<int32_t>;
        QTest::newRow("shipped config") << readAll(sharedData(kMistral + "/tokenizer_config.json")) << V{1, 22557, 1526};
        QTest::newRow("no config") << QByteArray() << V{1, 22557, 1526};
        QTest::newRow("add eos") << QByteArray(R"({"add_eos_token": true, "eos_token": "</s>"})") << V{1, 22557, 1526, 2};
        // No eos_token in the config and none in the template: there is no EOS to add.
        QTest::newRow("add eos, none named") << QByteArray(R"({"add_eos_token": true})") << V{1, 22557, 1526};
        QTest::newRow("no bos") << QByteArray(R"({"add_bos_token": false})") << V{22557, 1526};
        QTest::newRow("eos only") << QByteArray(R"({"add_bos_token": false, "add_eos_token": true, "eos_token": {"content": "</s>"}})")
                                  << V{22557, 1526, 2};
    }

    void mistralConfigRules()
    {
        QFETCH(QByteArray, config);
        QFETCH(std::vector<int32_t>, expected);
        QTemporaryDir tmp;
        auto tok = loadJson(tmp, readAll(sharedData(kMistral + "/tokenizer.json")), config);
        QVERIFY(tok);
        QCOMPARE(tok->vocabSize(), 32000);
        QCOMPARE(tok->bosId(), std::optional<int32_t>(1));
        QCOMPARE(*tok->encode("Hello world"), expected);
        QCOMPARE(*tok->encode("Hello world", false), (std::vector<int32_t>{22557, 1526}));
        QCOMPARE(*tok->decode(expected), std::string("Hello world"));
    }

    void mistralSpecialsAndBytes()
    {
        auto loaded =
            tokenize::Tokenizer::load(sharedData(kMistral).toStdString());  // the directory: tokenizer.json wins
        QVERIFY(loaded.ok());
        const tokenize::Tokenizer& tok = **loaded;
        QCOMPARE(tok.engineName(), std::string("tokenizer.json"));
        // "<s>" in the text is the BOS token, not three characters; the section after it gets its own "▁".
        const std::vector<int32_t> ids = *tok.encode("Hello <s> world", false);
        QCOMPARE(ids, (std::vector<int32_t>{22557, 28705, 1, 28705, 1526}));
        QCOMPARE(*tok.decode(ids), std::string("Hello   world"));
        // A character missing from the vocabulary goes by its UTF-8 bytes (<0xNN> is id 3 + NN).
        const std::vector<int32_t> rare = *tok.encode("\xF0\x9D\x84\x9E", false);  // 𝄞
        QCOMPARE(rare, (std::vector<int32_t>{28705, 243, 160, 135, 161}));
        QCOMPARE(*tok.decode(rare), std::string("\xF0\x9D\x84\x9E"));
        QCOMPARE(*tok.decode({28705, 243, 160}), std::string("\xEF\xBF\xBD\xEF\xBF\xBD"));
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<int>("code");
        QTest::addColumn<QStringList>("mentions");
        const int unsupported = int(ErrorCode::Unsupported), corrupt = int(ErrorCode::Corrupt);
        QTest::newRow("normalizer") << toyTokenizer("[]", "", "[]", "null", "null", R"({"type": "BertNormalizer"})") << QByteArray()
                                    << unsupported << QStringList{"normalizer", "BertNormalizer", "tokenizer.json"};
        QTest::newRow("pre-tokenizer in a sequence")
            << toyTokenizer("[]", "", "[]", R"({"type": "Sequence", "pretokenizers": [{"type": "Digits"}, {"type": "Punctuation"}]})")
            << QByteArray() << unsupported << QStringList{"pre_tokenizer.pretokenizers[1]", "Punctuation"};
        QTest::newRow("model") << QByteArray(R"({"model": {"type": "WordPiece", "vocab": {}}})") << QByteArray() << unsupported
                               << QStringList{"model", "WordPiece"};
        QTest::newRow("unigram") << QByteArray(R"({"model": {"type": "Unigram", "vocab": []}})") << QByteArray() << unsupported
                                 << QStringList{"Unigram"};
        QTest::newRow("decoder") << QByteArray(toyTokenizer("[]").replace(R"("decoder": null)", R"("decoder": {"type": "CTC"})"))
                                 << QByteArray() << unsupported << QStringList{"decoder", "CTC"};
        QTest::newRow("post-processor") << toyTokenizer("[]", "", "[]", "null", R"({"type": "BertLike"})") << QByteArray() << unsupported
                                        << QStringList{"post_processor", "BertLike"};
        QTest::newRow("dropout") << toyTokenizer("[]", R"(, "dropout": 0.1)") << QByteArray() << unsupported << QStringList{"dropout"};
        QTest::newRow("bad regex") << toyTokenizer("[]", "", "[]", "{\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a\"}, \"behavior\": \"Isolated\"}")
                                   << QByteArray() << unsupported << QStringList{"pre_tokenizer.pattern.Regex", "(a"};
        QTest::newRow("not json") << QByteArray("{\"model\": ") << QByteArray() << corrupt << QStringList{"not valid JSON"};
        QTest::newRow("no model") << QByteArray("{}") << QByteArray() << corrupt << QStringList{"model"};
        QTest::newRow("merge outside vocab") << toyTokenizer(R"(["a q"])") << QByteArray() << corrupt << QStringList{"model.merges[0]", "a q"};
        QTest::newRow("unlisted template token")
            << toyTokenizer("[]", "", "[]", "null",
                            R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}})")
            << QByteArray() << corrupt << QStringList{"post_processor.single[0]", "<s>"};
        QTest::newRow("unknown bos in config") << toyTokenizer("[]") << QByteArray(R"({"bos_token": "<nope>"})") << corrupt
                                               << QStringList{"tokenizer_config.json", "<nope>"};
        QTest::newRow("bad config flag") << toyTokenizer("[]") << QByteArray(R"({"add_bos_token": "yes"})") << corrupt
                                         << QStringList{"tokenizer_config.json", "add_bos_token"};
    }

    void errors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QByteArray, config);
        QFETCH(int, code);
        QFETCH(QStringList, mentions);
        QTemporaryDir tmp;
        writeFile(tmp.filePath("tokenizer.json"), json);
        if (!config.isNull()) writeFile(tmp.filePath("tokenizer_config.json"), config);
        auto loaded = tokenize::Tokenizer::load(tmp.path().toStdString());
        QVERIFY(!loaded.ok());
        QCOMPARE(int(loaded.error().code), code);
        for (const QString& m : mentions)
            QVERIFY2(QString::fromStdString(loaded.error().message).contains(m), loaded.error().message.c_str());
    }

    void badInput()
    {
        QTemporaryDir tmp;
        auto tok = loadJson(tmp, toyTokenizer("[]"));
        QVERIFY(tok);
        auto bad = tok->encode("a\xC3(b");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(bad.error().message.find("byte 1") != std::string::npos, bad.error().message.c_str());
        for (const char* invalid : {"\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80", "\xE4\xB8"})
            QVERIFY(!tok->encode(invalid).ok());
        for (int32_t id : {13, -1, 1 << 30}) {
            auto text = tok->decode({1, id});
            QVERIFY(!text.ok());
            QCOMPARE(text.error().code, ErrorCode::InvalidArgument);
            QVERIFY(text.error().message.find("position 1") != std::string::npos);
        }
        QCOMPARE(*tok->decode({}), std::string());
    }

    void engineChoice()
    {
        QTemporaryDir tmp;
        QVERIFY(QFile::copy(sharedData(kMistral + "/tokenizer.model"), tmp.filePath("tokenizer.model")));
        auto spmOnly = tokenize::Tokenizer::load(tmp.path().toStdString());
        QVERIFY(spmOnly.ok());
        QCOMPARE((*spmOnly)->engineName(), std::string("sentencepiece"));
        QVERIFY(QFile::copy(sharedData(kMistral + "/tokenizer.json"), tmp.filePath("tokenizer.json")));
        auto both = tokenize::Tokenizer::load(tmp.path().toStdString());
        QVERIFY(both.ok());
        QCOMPARE((*both)->engineName(), std::string("tokenizer.json"));
        auto explicitModel = tokenize::Tokenizer::load(tmp.filePath("tokenizer.model").toStdString());
        QVERIFY(explicitModel.ok());
        QCOMPARE((*explicitModel)->engineName(), std::string("sentencepiece"));
    }

    // Instances are immutable; encode keeps per-thread scratch only.
    void concurrentUse()
    {
        auto loaded = tokenize::Tokenizer::load((sharedData(kMistral) + "/tokenizer.json").toStdString());
        QVERIFY(loaded.ok());
        const tokenize::Tokenizer& tok = **loaded;
        const QByteArray text = readAll(sharedData("text/multilingual/pud/ja.txt"));
        const std::string input(text.constData(), size_t(text.size()));
        const std::vector<int32_t> reference = *tok.encode(input);
        QVERIFY(reference.size() > 10000);
        bool same[2] = {false, false};
        std::thread threads[2];
        for (int t = 0; t < 2; ++t)
            threads[t] = std::thread([&, t] {
                bool ok = true;
                for (int i = 0; i < 3 && ok; ++i) ok = *tok.encode(input) == reference;
                same[t] = ok;
            });
        for (auto& th : threads) th.join();
        QVERIFY(same[0] && same[1]);
    }
};

QTEST_GUILESS_MAIN(TestTokenizerJson)
#include "TestTokenizerJson.moc"
