#include "TokenizeCorpus.h"

#include "TestSupport.h"

#include <QDir>

namespace lathe::test {

std::vector<std::string> linesOf(const QString& path)
{
    const QByteArray bytes = readAll(path);
    std::vector<std::string> lines;
    qsizetype start = 0;
    while (start < bytes.size()) {
        qsizetype end = bytes.indexOf('\n', start);
        if (end < 0) end = bytes.size();
        lines.emplace_back(bytes.constData() + start, size_t(end - start));
        start = end + 1;
    }
    return lines;
}

QString pudFile(const QString& language)
{
    if (repoPudLanguages().contains(language))
        return sourcePath(QStringLiteral("tests/data/multilingual/pud/%1.txt").arg(language));
    return sharedData(QStringLiteral("text/multilingual/pud/%1.txt").arg(language));
}

QStringList repoPudLanguages()
{
    return {QStringLiteral("hi"), QStringLiteral("th"), QStringLiteral("pt")};
}

QStringList pudLanguages()
{
    return QStringList{"en", "de", "fr", "es", "it", "ja", "ko", "zh"} + repoPudLanguages();
}

std::vector<CorpusText> pudTexts()
{
    std::vector<CorpusText> out;
    for (const QString& lang : pudLanguages())
        for (std::string& line : linesOf(pudFile(lang)))
            out.push_back({QStringLiteral("pud/%1").arg(lang), std::move(line)});
    return out;
}

std::vector<CorpusText> marsTexts()
{
    std::vector<CorpusText> out;
    for (const char* lang : {"english", "german", "french", "japanese", "korean", "chinese"}) {
        const QString corpus = QStringLiteral("mars/%1").arg(lang);
        const QByteArray whole =
            readAll(sharedData(QStringLiteral("text/multilingual/wikipedia-mars/%1.utf8.txt").arg(lang)));
        const std::string text(whole.constData(), size_t(whole.size()));
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find("\n\n", start);
            if (end == std::string::npos) end = text.size();
            if (end > start) out.push_back({corpus, text.substr(start, end - start)});
            start = end + 2;
        }
        out.push_back({corpus, text});
    }
    return out;
}

std::vector<CorpusText> edgeTexts()
{
    const char* texts[] = {
        "",
        " ",
        "   ",
        "\n",
        "\n\n",
        "\r\n",
        " \n ",
        "\t",
        "a  b   c    d",
        "  leading and trailing  ",
        "\ttab\tseparated\t",
        "tab\t\t\tend",
        "line1\nline2\r\nline3\n\n\nline4\n",
        "    indented code\n        deeper\n",
        "def f(x):\n    return x**2  # square\n",
        "12345 67890 3.14159 1,000,000 2024-01-31",
        "0000000000000000000000000000000000",
        "1234567",
        "x².y³ ½ ①②③",
        "٣٤٥ ١٢ ১২৩ Ⅻ ⅷ",
        "😀🎉👍🏽 👨‍👩‍👧‍👦 🇯🇵",
        "emoji😀inside",
        "中文测试，日本語のテキスト、한국어 텍스트。",
        "Hello世界123abc",
        "𝄞 𠜎 \xEF\xBF\xBD replacement",
        "ünïcödé Ångström ﬁ ligature",
        "e\xCC\x81 (e + combining acute) vs \xC3\xA9",
        "zero\xE2\x80\x8Bwidth and\xC2\xA0nbsp",
        "\xC2\xA0\xC2\xA0leading nbsp",
        "a\xE3\x80\x80"
        "b ideographic space",
        "I'll, you're, it's, we've, I'm, he'd, don't",
        "IT'S I'LL YOU'RE WE'VE I'M HE'D",
        "'s 'll 'RE 'Ve 'D 'M 'T",
        "rock'n'roll o'clock",
        "'''quoted'''",
        "!!!???... --- ***",
        "http://example.com/path?q=1&b=2#frag",
        "สวัสดีครับ",
        "नमस्ते दुनिया",
        "Привет, мир!",
        "Γειά σου Κόσμε",
        "שלום עולם",
        "مرحبا بالعالم",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "<s> inside </s> text <unk> too",
        "<s>",
        "</s></s>",
        "text<s>",
        "Hello <s> world",
        "<<s>>",
        "[INST] hello [/INST]",
        "<|begin_of_text|>Hello<|end_of_text|>",
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
        "<|eot_id|><|eot_id|>",
        "a<|eot_id|>b",
        " <|eot_id|> ",
        "<|reserved_special_token_5|>",
        "<|begin_of_text",
        "<|eot_id",
        "|>",
        "The quick brown fox jumps over the lazy dog.",
    };
    std::vector<CorpusText> out;
    for (const char* text : texts) out.push_back({QStringLiteral("edge"), text});
    return out;
}

bool holdsSentencepieceSpecial(const std::string& text)
{
    for (const char* special : {"<s>", "</s>", "<unk>"})
        if (text.find(special) != std::string::npos) return true;
    return false;
}

QList<QString> corpusNames(const std::vector<CorpusText>& texts)
{
    QList<QString> names;
    for (const CorpusText& t : texts)
        if (!names.contains(t.corpus)) names.push_back(t.corpus);
    return names;
}

}  // namespace lathe::test
