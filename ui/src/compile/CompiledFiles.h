#pragma once

#include "lathe/project/Project.h"

#include <QList>
#include <QString>

namespace lathe::ui {

// The files a project's compile writes, as projectLayout names them, for display.
struct CompiledFile {
    QString role;  // "Compiled model", "Report (JSON)", …
    QString path;
};

QString compiledModelPath(const project::ProjectSettings& settings);
QString compileReportPath(const project::ProjectSettings& settings);
// The input embedding the compiled model runs with: the rotated one for rotated compiles, else embedding.pt.
QString compiledEmbeddingPath(const project::ProjectSettings& settings, bool rotated);

// Every output of a compile of these settings that exists on disk, in a fixed order.
QList<CompiledFile> existingCompiledFiles(const project::ProjectSettings& settings);

}  // namespace lathe::ui
