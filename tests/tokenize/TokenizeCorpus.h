#pragma once
// The texts the tokenizer peer tests and the benchmark run over: every line of the PUD languages (the eight of the
// shared data and Hindi, Thai and Portuguese from tests/data/multilingual/pud), the Wikipedia "Mars" articles as
// paragraphs and whole, and hand-written edge cases.

#include <QList>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace lathe::test {

struct CorpusText {
    QString corpus;  // "pud/en", "mars/japanese", "edge", ...
    std::string text;
};

// Lines of one file, split on '\n' (a final newline adds no empty line); texts keep any '\r'.
std::vector<std::string> linesOf(const QString& path);

// The PUD languages: en de fr es it ja ko zh (shared data, 1000 lines each) and repoPudLanguages().
QStringList pudLanguages();
// hi, th and pt: the first sentences of their PUD treebanks, kept in the repository (tests/data/multilingual/pud).
QStringList repoPudLanguages();
// Where one PUD language's sentences are, one per line.
QString pudFile(const QString& language);

std::vector<CorpusText> pudTexts();   // every line of every pudLanguages() file
std::vector<CorpusText> marsTexts();  // paragraphs (split on blank lines) plus each whole file
std::vector<CorpusText> edgeTexts();  // whitespace, digits, emoji, CJK, contractions, special-token text

// Whether a text holds a Mistral/Llama-2 special token's string (<s>, </s>, <unk>).
bool holdsSentencepieceSpecial(const std::string& text);

QList<QString> corpusNames(const std::vector<CorpusText>& texts);

}  // namespace lathe::test
