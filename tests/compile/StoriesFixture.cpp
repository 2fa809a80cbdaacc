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

QStringList compileOutputs(const QString& outputDir)
{
    QStringList files;
    QDirIterator it(outputDir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) files << QDir(outputDir).relativeFilePath(it.next());
    files.sort();
    return files;
}

}  // namespace lathe::test
