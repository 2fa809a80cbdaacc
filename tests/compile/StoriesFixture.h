#pragma once

#include <QString>
#include <QStringList>

#include <string>

namespace lathe::test {

// stories260K as a Hugging Face folder (`lathe import` of the shared GGUF), its float32 embedding.pt, and
// calibration samples made by `lathe generate-calib` from the TinyStories training text (stories separated by
// blank lines, as local .txt corpora expect). Everything lives under `dir`.
struct StoriesFixture {
    QString model;
    QString embedding;
    QString calib;  // folder of inputs_embeds_<i>.npy

    // Empty on success, else what failed.
    QString make(const QString& dir, int samples, int minTokens, int maxTokens);

    // `lathe compile` of the model with these samples into `<dir>/<name>.safetensors` (other outputs in
    // `<dir>/<name>/`), one thread, no resume, plus `flags`. The container's path; empty on failure, with the error
    // printed.
    QString compile(const QString& dir, const QString& name, const QStringList& flags) const;
};

// The TinyStories validation text as the evaluation protocol reads it: every line but the story separators.
std::string tinyStoriesValidationText();

// The files a compile writes for `savePath` with default report/output paths (existing ones only, sorted).
QStringList compileOutputs(const QString& outputDir);

}  // namespace lathe::test
