#pragma once
// The texts the tokenizer peer tests and the benchmark run over: every line of the eight PUD
// languages, the Wikipedia "Mars" articles as paragraphs and whole, and hand-written edge cases.

#include <QList>
#include <QString>

#include <string>
#include <vector>

namespace lathe::test {

struct CorpusText {
    QString corpus;  // "pud/en", "mars/japanese", "edge", ...
    std::string text;
};

// Lines of one file, split on '\n' (a final newline adds no empty line); texts keep any '\r'.
std::vector<std::string> linesOf(const QString& path);

std::vector<CorpusText> pudTexts();   // 8 × 1000 lines
std::vector<CorpusText> marsTexts();  // paragraphs (split on blank lines) plus each whole file
std::vector<CorpusText> edgeTexts();  // whitespace, digits, emoji, CJK, contractions, special-token text

// Whether a text holds a Mistral/Llama-2 special token's string (<s>, </s>, <unk>).
bool holdsSentencepieceSpecial(const std::string& text);

QList<QString> corpusNames(const std::vector<CorpusText>& texts);

}  // namespace lathe::test
