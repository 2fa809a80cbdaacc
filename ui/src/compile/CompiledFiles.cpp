#include "compile/CompiledFiles.h"

#include "lathe/project/ProjectLayout.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace lathe::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("CompiledFiles", text);
}

QString qPath(const std::string& path)
{
    return QString::fromStdString(path);
}

}  // namespace

QString compiledModelPath(const project::ProjectSettings& settings)
{
    return qPath(projectLayout(settings).compiledPath);
}

QString compileReportPath(const project::ProjectSettings& settings)
{
    return qPath(projectLayout(settings).reportPath);
}

QString compiledEmbeddingPath(const project::ProjectSettings& settings, bool rotated)
{
    const project::ProjectLayout layout = projectLayout(settings);
    return qPath(rotated ? layout.rotatedEmbeddingPath : layout.embeddingPath);
}

QList<CompiledFile> existingCompiledFiles(const project::ProjectSettings& settings)
{
    const project::ProjectLayout layout = projectLayout(settings);
    const QList<CompiledFile> candidates = {
        {tr("Compiled model"), qPath(layout.compiledPath)},
        {tr("Report (JSON)"), qPath(layout.reportPath)},
        {tr("Report (CSV)"), qPath(layout.reportCsvPath)},
        {tr("R1 rotation"), qPath(layout.rotationPath)},
        {tr("Rotated embedding"), qPath(layout.rotatedEmbeddingPath)},
        {tr("Input embedding"), qPath(layout.embeddingPath)},
        {tr("GGUF (llama.cpp)"), qPath(layout.ggufPath)},
        // The ONNX export is a folder; its graph and tensors are what take the space.
        {tr("ONNX graph"), qPath(layout.onnxDir) + QStringLiteral("/onnx/model.onnx")},
        {tr("ONNX tensors"), qPath(layout.onnxDir) + QStringLiteral("/onnx/model.onnx_data")},
    };
    QList<CompiledFile> files;
    for (const CompiledFile& f : candidates)
        if (QFileInfo(f.path).isFile()) files << f;
    return files;
}

}  // namespace lathe::ui
