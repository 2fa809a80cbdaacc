#include "StoriesFixture.h"

#include "TestSupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>

namespace lathe::test {

QString StoriesFixture::make(const QString& dir, int samples, int minTokens, int maxTokens)
{
    model = dir + "/stories260K";
    auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                     sharedData("models/stories260K/tok512.model"), "--out", model});
    if (r.exitCode != 0) return "import failed: " + QString::fromUtf8(r.err);
    embedding = dir + "/embedding.pt";
    r = runCli({"download-model", "--repo_id", model, "--embedding", embedding});
    if (r.exitCode != 0) return "embedding extraction failed: " + QString::fromUtf8(r.err);

    // The first stories of the training text, one document each.
    const QString text = QString::fromUtf8(readAll(sharedData("text/tinystories/TinyStories-train_head2MiB.txt")));
    QStringList stories = text.split("\n<|endoftext|>\n", Qt::SkipEmptyParts);
    if (stories.size() < 1000) return "the TinyStories text has too few stories";
    stories = stories.mid(0, 1000);
    for (QString& s : stories) s = s.trimmed();
    const QString corpus = dir + "/stories.txt";
    QFile f(corpus);
    if (!f.open(QIODevice::WriteOnly) || f.write(stories.join("\n\n").toUtf8() + "\n") < 0)
        return "cannot write " + corpus;
    f.close();

    r = runCli({"generate-calib", "--model_tag", "stories260K", "--embedding_path", embedding, "--tokenizer_path",
                model, "--output_dir", dir + "/calib", "--min_seqlen", QString::number(minTokens), "--max_seqlen",
                QString::number(maxTokens), "--max_calib", QString::number(samples), "--text-file", corpus});
    if (r.exitCode != 0) return "generate-calib failed: " + QString::fromUtf8(r.err);
    calib = dir + "/calib/datas/stories260K/en";
    if (!QFile::exists(calib + "/inputs_embeds_" + QString::number(samples - 1) + ".npy"))
        return "generate-calib made fewer than " + QString::number(samples) + " samples: " + QString::fromUtf8(r.err);
    return {};
}

QString StoriesFixture::compile(const QString& dir, const QString& name, const QStringList& flags) const
{
    const QString save = dir + "/" + name + ".safetensors";
    const auto r = runCli(QStringList{"compile", "--model_path", model, "--calib_data_path", calib, "--save_path", save,
                                      "--output-dir", dir + "/" + name, "--threads", "1", "--no-resume"} +
                          flags);
    if (r.exitCode != 0) qWarning("%s", r.err.constData());
    return r.exitCode == 0 ? save : QString();
}

std::string tinyStoriesValidationText()
{
    const QByteArray bytes = readAll(sharedData("text/tinystories/tinystories_validation_first1000.txt"));
    std::string kept;
    for (qsizetype start = 0; start < bytes.size();) {
        qsizetype end = bytes.indexOf('\n', start);
        if (end < 0) end = bytes.size();
        const std::string line(bytes.constData() + start, size_t(end - start));
        if (line != "<|endoftext|>") kept += line + "\n";
        start = end + 1;
    }
    return kept;
}

QStringList compileOutputs(const QString& outputDir)
{
    QStringList files;
    QDirIterator it(outputDir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) files << QDir(outputDir).relativeFilePath(it.next());
    files.sort();
    return files;
}

}  // namespace lathe::test
