#include "calib/CalibrationRun.h"

#include "lathe/export/Embedding.h"
#include "lathe/project/ProjectRun.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <filesystem>

namespace lathe::ui {

namespace fs = std::filesystem;

calib::CalibrationOptions calibrationOptions(const CalibrationRequest& request)
{
    return calibrationOptionsFor(request.settings, request.modelDirectory);
}

namespace {

Result<std::vector<CalibrationSample>> readManifestSamples(const std::string& manifestPath)
{
    QFile file(QString::fromStdString(manifestPath));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::NotFound, "cannot read the calibration manifest " + manifestPath);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject())
        return makeError(ErrorCode::Corrupt,
                         manifestPath + " is not valid JSON: " + parseError.errorString().toStdString());
    std::vector<CalibrationSample> samples;
    for (const QJsonValue& v : doc.object().value(QStringLiteral("samples")).toArray()) {
        const QJsonObject s = v.toObject();
        samples.push_back({s.value(QStringLiteral("language")).toString().toStdString(),
                           s.value(QStringLiteral("file")).toString().toStdString(),
                           s.value(QStringLiteral("title")).toString().toStdString(),
                           s.value(QStringLiteral("tokens")).toInt()});
    }
    return samples;
}

}  // namespace

Result<CalibrationOutcome> runCalibration(const CalibrationRequest& request, const ProgressFn& progress,
                                          const StopToken& stop)
{
    CalibrationOutcome outcome;
    const std::string& outputDir = request.settings.outputDir;
    outcome.embeddingPath = projectOutputs(request.settings).embeddingPath;
    std::error_code ec;
    fs::create_directories(outputDir, ec);
    if (ec)
        return makeError(ErrorCode::Io, "cannot create the output folder " + outputDir + ": " + ec.message() +
                                            " (choose another folder on the Project page)");
    if (auto written = extractEmbedding(request.modelDirectory, outcome.embeddingPath, progress, stop); !written)
        return written.error().withContext("extracting the input embedding");
    auto summary = calib::generateCalibration(calibrationOptions(request), progress, stop);
    if (!summary) return summary.error();
    outcome.summary = std::move(summary.value());
    auto samples = readManifestSamples(outcome.summary.manifestPath);
    if (!samples) return samples.error();
    outcome.samples = std::move(samples.value());
    return outcome;
}

}  // namespace lathe::ui
