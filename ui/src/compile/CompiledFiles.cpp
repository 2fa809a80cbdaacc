#include "compile/CompiledFiles.h"

#include "lathe/project/ProjectRun.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace lathe::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("CompiledFiles", text);
}

QString outputDir(const ProjectSettings& settings)
{
    return QString::fromStdString(settings.outputDir);
}

// The folder name of the rotation file: the repo name for hub models, the folder name for local ones.
QString modelName(const ProjectSettings& settings)
{
    const QString tag = QString::fromStdString(projectModelTag(settings));
    return tag.section(QLatin1Char('/'), -1);
}

}  // namespace

QString compiledModelPath(const ProjectSettings& settings)
{
    return QString::fromStdString(projectOutputs(settings).compiledPath);
}

QString compileReportPath(const ProjectSettings& settings)
{
    return QString::fromStdString(projectOutputs(settings).reportPath);
}

QString compiledEmbeddingPath(const ProjectSettings& settings, bool rotated)
{
    if (!rotated) return QString::fromStdString(projectOutputs(settings).embeddingPath);
    return QDir(outputDir(settings)).filePath(QStringLiteral("embedding_rotated.pt"));
}

QList<CompiledFile> existingCompiledFiles(const ProjectSettings& settings)
{
    QString csv = compileReportPath(settings);
    if (csv.endsWith(QLatin1String(".json"))) csv.chop(5);
    csv += QStringLiteral(".csv");
    const QDir out(outputDir(settings));
    const QList<CompiledFile> candidates = {
        {tr("Compiled model"), compiledModelPath(settings)},
        {tr("Report (JSON)"), compileReportPath(settings)},
        {tr("Report (CSV)"), csv},
        {tr("R1 rotation"),
         out.filePath(QStringLiteral("spinWeight/%1/R1/global_rotation.pth").arg(modelName(settings)))},
        {tr("Rotated embedding"), compiledEmbeddingPath(settings, true)},
        {tr("Input embedding"), compiledEmbeddingPath(settings, false)},
    };
    QList<CompiledFile> files;
    for (const CompiledFile& f : candidates)
        if (QFileInfo(f.path).isFile()) files << f;
    return files;
}

}  // namespace lathe::ui
