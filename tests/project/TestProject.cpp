#include "lathe/project/Project.h"
#include "lathe/project/ProjectLayout.h"
#include "lathe/project/ProjectRun.h"

#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;

namespace {
void writeText(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

project::ProjectSettings sample(const QString& root)
{
    project::ProjectSettings s;
    s.name = "llama demo";
    s.outputDir = (root + "/out/run1").toStdString();
    s.model.source = "local";
    s.model.localPath = (root + "/models/tiny").toStdString();
    s.model.repoId = "org/tiny";
    s.model.revision = "0123456789abcdef0123456789abcdef01234567";
    s.calibration.dataset = "local";
    s.calibration.textFile = "/elsewhere/corpus.txt";
    s.calibration.languages = {"en", "ja"};
    s.calibration.minSeqLen = 64;
    s.calibration.maxSeqLen = 256;
    s.calibration.maxCalib = 9;
    s.calibration.merge = false;
    s.calibration.layout = calib::CalibrationLayout::Multilingual;
    s.quantization.bitMode = quant::BitMode::W4;
    s.quantization.rotation = false;
    s.quantization.gptq = false;
    s.quantization.activationMethod = quant::ActivationMethod::Mse;
    s.quantization.percentile = 0.999;
    s.quantization.groupSize = 32;
    s.quantization.groupBits = {{"value", 8}, {"head", 16}};
    s.quantization.keep16BitActivations = {"model.layers.0.mlp.down_proj"};
    s.quantization.seed = 42;
    s.quantization.threads = 3;
    s.quantization.target = quant::CompileTarget::Gguf;
    s.quantization.groupSize = 32;
    s.exports.formats = {"gguf", "onnx"};
    s.exports.onnxOpset = 17;
    return s;
}
}  // namespace

class TestProject : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripKeepsEveryField()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("p.lathe");
        const project::ProjectSettings in = sample(dir.path());
        QVERIFY(saveProject(in, file.toStdString()).ok());
        auto out = project::loadProject(file.toStdString());
        QVERIFY2(out.ok(), out.ok() ? "" : out.error().message.c_str());
        const project::ProjectSettings& s = *out;
        QCOMPARE(s.name, in.name);
        QCOMPARE(s.outputDir, in.outputDir);
        QCOMPARE(s.model.source, in.model.source);
        QCOMPARE(s.model.localPath, in.model.localPath);
        QCOMPARE(s.model.repoId, in.model.repoId);
        QCOMPARE(s.model.revision, in.model.revision);
        QCOMPARE(s.calibration.dataset, in.calibration.dataset);
        QCOMPARE(s.calibration.textFile, in.calibration.textFile);
        QCOMPARE(s.calibration.languages, in.calibration.languages);
        QCOMPARE(s.calibration.minSeqLen, 64);
        QCOMPARE(s.calibration.maxSeqLen, 256);
        QCOMPARE(s.calibration.maxCalib, 9);
        QCOMPARE(s.calibration.merge, false);
        QVERIFY(s.calibration.layout == calib::CalibrationLayout::Multilingual);
        QVERIFY(s.quantization.bitMode == quant::BitMode::W4);
        QCOMPARE(s.quantization.rotation, false);
        QCOMPARE(s.quantization.gptq, false);
        QVERIFY(s.quantization.activationMethod == quant::ActivationMethod::Mse);
        QCOMPARE(s.quantization.percentile, 0.999);
        QCOMPARE(s.quantization.groupSize, 32);
        QVERIFY(s.quantization.groupBits == in.quantization.groupBits);
        QVERIFY(s.quantization.keep16BitActivations == in.quantization.keep16BitActivations);
        QCOMPARE(s.quantization.seed, 42);
        QCOMPARE(s.quantization.threads, 3);
        QVERIFY(s.quantization.target == quant::CompileTarget::Gguf);
        QCOMPARE(s.exports.formats, (std::vector<std::string>{"gguf", "onnx"}));
        QCOMPARE(s.exports.onnxOpset, 17);
    }

    void pathsInsideTheFolderAreRelative()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("p.lathe");
        QVERIFY(saveProject(sample(dir.path()), file.toStdString()).ok());
        const auto doc = QJsonDocument::fromJson(test::readAll(file)).object();
        QCOMPARE(doc["output_dir"].toString(), QStringLiteral("out/run1"));
        QCOMPARE(doc["model"].toObject()["local_path"].toString(), QStringLiteral("models/tiny"));
        QCOMPARE(doc["calibration"].toObject()["text_file"].toString(), QStringLiteral("/elsewhere/corpus.txt"));
        QCOMPARE(doc["version"].toInt(), project::kProjectSchemaVersion);
        QVERIFY(!test::readAll(file).contains("token"));

        // The folder moves: relative paths follow it.
        const QString moved = dir.filePath("moved");
        QVERIFY(QDir().rename(dir.path() + "/p.lathe", dir.path() + "/p2.lathe"));
        QVERIFY(QDir().mkpath(moved));
        QVERIFY(QFile::rename(dir.filePath("p2.lathe"), moved + "/p.lathe"));
        auto s = project::loadProject((moved + "/p.lathe").toStdString());
        QVERIFY(s.ok());
        QCOMPARE(QString::fromStdString(s->outputDir), QDir::cleanPath(moved + "/out/run1"));
    }

    void olderVersionsMigrate()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("old.lathe");
        writeText(file, R"({"name": "old", "bit": "w8", "model": {"source": "hub", "repo_id": "a/b"}})");
        auto s = project::loadProject(file.toStdString());
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        QVERIFY(s->quantization.bitMode == quant::BitMode::W8);
        QCOMPARE(s->model.repoId, std::string("a/b"));
        QCOMPARE(s->calibration.maxCalib, 128);  // defaults fill what the old file lacks
        QVERIFY(s->calibration.layout == calib::CalibrationLayout::PerLanguage);
    }

    // The layout is stored by name; the compile reads the multilingual folder, and merging is off with it.
    void multilingualLayout()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("p.lathe");
        project::ProjectSettings in;
        in.model.repoId = "org/model";
        in.outputDir = "/tmp/out";
        in.calibration.layout = calib::CalibrationLayout::Multilingual;
        in.calibration.languages = calib::defaultCalibrationLanguages(calib::CalibrationLayout::Multilingual);
        QVERIFY(saveProject(in, file.toStdString()).ok());
        const QJsonObject stored = QJsonDocument::fromJson(lathe::test::readAll(file)).object();
        QCOMPARE(stored["calibration"].toObject()["layout"].toString(), QString("multilingual"));
        in.calibration.layout = calib::CalibrationLayout::PerLanguage;
        QVERIFY(saveProject(in, file.toStdString()).ok());
        QCOMPARE(
            QJsonDocument::fromJson(lathe::test::readAll(file)).object()["calibration"].toObject()["layout"].toString(),
            QString("per-language"));

        in.calibration.layout = calib::CalibrationLayout::Multilingual;
        QVERIFY(in.calibration.merge);  // the default, ignored with this layout
        const calib::CalibrationOptions options = project::calibrationOptionsFor(in, "/models/m");
        QVERIFY(options.layout == calib::CalibrationLayout::Multilingual);
        QVERIFY(!options.merge);
        const project::ProjectLayout layout = project::projectLayout(in);
        QCOMPARE(QString::fromStdString(layout.calibSamplesDir),
                 QString("/tmp/out/calib/datas/org-model/multilingual"));
        QVERIFY(layout.calibMergedFolder.empty());
        in.calibration.layout = calib::CalibrationLayout::PerLanguage;
        QCOMPARE(QString::fromStdString(project::projectLayout(in).calibSamplesDir),
                 QString("/tmp/out/calib/datas/org-model/merged"));
    }

    void newerVersionsAreRefused()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("new.lathe");
        writeText(file, R"({"version": 99, "name": "future"})");
        auto s = project::loadProject(file.toStdString());
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::Unsupported);
        QVERIFY(QString::fromStdString(s.error().message).contains("schema version 99"));
    }

    void malformedFilesNameTheProblem_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{\"name\": ") << "not valid JSON";
        // A number past a double's range is nlohmann's out_of_range, not a parse_error (found by fuzzing).
        QTest::newRow("huge number") << QByteArray(R"({"version": 1E400})") << "not valid JSON";
        QTest::newRow("array") << QByteArray("[1,2]") << "top level must be a JSON object";
        QTest::newRow("wrong type") << QByteArray(R"({"calibration": {"max_calib": "many"}})")
                                    << "calibration.max_calib";
        QTest::newRow("section type") << QByteArray(R"({"model": 3})") << "\"model\" must be an object";
        QTest::newRow("bit mode") << QByteArray(R"({"quantization": {"bit_mode": "w3"}})")
                                  << "bit mode must be w8, w4 or w4v8";
        QTest::newRow("activation method") << QByteArray(R"({"quantization": {"activation_method": "minmax"}})")
                                           << "activation calibration must be max, percentile or mse";
        // Hostile files: another schema, a negative version, outputs that climb out of the project folder.
        QTest::newRow("schema") << QByteArray(R"({"schema": "other-tool", "version": 1})")
                                << "field \"schema\" is \"other-tool\", not \"lathe-project\"";
        QTest::newRow("negative version") << QByteArray(R"({"schema": "lathe-project", "version": -1})")
                                          << "field \"version\" is -1; versions start at 0";
        QTest::newRow("output climbs out") << QByteArray(R"({"output_dir": "out/../../elsewhere"})")
                                           << "field \"output_dir\" \"out/../../elsewhere\" leaves the project folder";
        QTest::newRow("target") << QByteArray(R"({"quantization": {"target": "tflite"}})")
                                << "compile target must be lathe or gguf";
        QTest::newRow("export formats") << QByteArray(R"({"export": {"formats": "gguf"}})") << "export.formats";
        QTest::newRow("layout") << QByteArray(R"({"calibration": {"layout": "bilingual"}})")
                                << "calibration.layout\" is \"bilingual\", but the calibration layout must be "
                                   "per-language or multilingual";
    }
    void malformedFilesNameTheProblem()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString file = dir.filePath("bad.lathe");
        writeText(file, text);
        auto s = project::loadProject(file.toStdString());
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::Corrupt);
        QVERIFY2(QString::fromStdString(s.error().message).contains(expected), s.error().message.c_str());
        QVERIFY(QString::fromStdString(s.error().message).contains(file));
    }

    void missingFileIsNotFound()
    {
        auto s = project::loadProject("/nonexistent/dir/p.lathe");
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, ErrorCode::NotFound);
    }

    void validation_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expected");
        QTest::newRow("seq order") << "seq"
                                   << "must not exceed the maximum";
        QTest::newRow("multilingual split") << "multi"
                                            << "the multilingual layout splits 5 samples over 8 languages: choose at "
                                               "least one sample per language";
        QTest::newRow("percentile") << "pct"
                                    << "percentile must lie in (0, 1]";
        QTest::newRow("group") << "group"
                               << "unknown projection group \"mlp\"";
        QTest::newRow("bits") << "bits"
                              << "group override value=9 asks for 9-bit weights; weight bits must be 2..8";
        QTest::newRow("16 bits") << "16"
                                 << "group override ffn=16 asks for 16-bit weights; weight bits must be 2..8";
        QTest::newRow("group size") << "size"
                                    << "group size must be 0";
        QTest::newRow("languages") << "lang"
                                   << "at least one language";
        QTest::newRow("repo") << "repo"
                              << "choose a model repository";
        QTest::newRow("system folder") << "etc"
                                       << "the output folder /etc/lathe is a system folder";
        QTest::newRow("root folder") << "root"
                                     << "the output folder / is a system folder";
        QTest::newRow("gguf groups") << "gguf"
                                     << "the gguf target needs groups of 32";
        QTest::newRow("export format") << "format"
                                       << "export format \"tflite\" is not one Lathe writes; use gguf or onnx";
        QTest::newRow("onnx opset") << "opset"
                                    << "ONNX opset 19 is not one Lathe writes; use 21 or 17";
    }
    void validation()
    {
        QFETCH(QString, field);
        QFETCH(QString, expected);
        project::ProjectSettings s;
        s.model.repoId = "org/model";
        QVERIFY(validateProject(s).ok());
        if (field == "seq") s.calibration.minSeqLen = 4096;
        if (field == "pct") s.quantization.percentile = 1.5;
        if (field == "group") s.quantization.groupBits["mlp"] = 8;
        if (field == "bits") s.quantization.groupBits["value"] = 9;
        if (field == "16") s.quantization.groupBits["ffn"] = 16;
        if (field == "size") s.quantization.groupSize = -1;
        if (field == "lang") s.calibration.languages.clear();
        if (field == "multi") {
            s.calibration.layout = calib::CalibrationLayout::Multilingual;
            s.calibration.languages = calib::defaultCalibrationLanguages(s.calibration.layout);
            s.calibration.maxCalib = 5;
        }
        if (field == "repo") s.model.repoId.clear();
        if (field == "etc") s.outputDir = "/etc/lathe";
        if (field == "root") s.outputDir = "/";
        if (field == "gguf") {
            s.quantization.target = quant::CompileTarget::Gguf;
            s.quantization.groupSize = 128;
        }
        if (field == "format") s.exports.formats = {"tflite"};
        if (field == "opset") s.exports.onnxOpset = 19;
        auto r = validateProject(s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(QString::fromStdString(r.error().message).contains(expected), r.error().message.c_str());
    }

    // Weights are 2..8-bit integers: a file saved with a 16-bit group (which the Studio once offered) still
    // loads, and fails validation with the compiler's own message, which says what 16 bits are for.
    void sixteenBitWeightsFailAsInTheCompiler()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("old16.lathe");
        writeText(file, R"({"version": 1, "model": {"source": "hub", "repo_id": "a/b"},
                            "quantization": {"bit_mode": "w4v8", "group_bits": {"ffn": 16}}})");
        auto s = project::loadProject(file.toStdString());
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        QCOMPARE(s->quantization.groupBits.at("ffn"), 16);
        auto r = project::validateProject(*s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        const QString message = QString::fromStdString(r.error().message);
        QVERIFY2(message.contains("weight bits must be 2..8") && message.contains("keep_16bit_activations"),
                 qPrintable(message));

        model::ModelConfig config;
        config.numLayers = 2;
        config.hiddenSize = config.intermediateSize = config.vocabSize = 8;
        config.numHeads = config.numKvHeads = 1;
        config.headDim = 8;
        auto planned = quant::planLinears(config, project::quantChoices(s->quantization));
        QVERIFY(!planned.ok());
        QCOMPARE(planned.error().message, r.error().message);
    }
};

QTEST_GUILESS_MAIN(TestProject)
#include "TestProject.moc"
