// Every path of a project from projectLayout, and that the step options the steps run with name the same paths
// (TestProjectRun checks them against what the steps actually write).
#include "TestSupport.h"

#include "lathe/calib/Calibration.h"
#include "lathe/compile/Compile.h"
#include "lathe/project/ProjectLayout.h"
#include "lathe/project/ProjectRun.h"
#include "lathe/quant/QuantPlan.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

const char* const kCommit = "0123456789abcdef0123456789abcdef01234567";

}  // namespace

class TestProjectLayout : public QObject {
    Q_OBJECT
private:
    static lathe::project::ProjectSettings settings(const QString& source, const QString& model, const QString& bitMode,
                                                    bool rotation, bool merge)
    {
        lathe::project::ProjectSettings s;
        s.outputDir = "/work/out";
        s.model.source = source.toStdString();
        (source == "hub" ? s.model.repoId : s.model.localPath) = model.toStdString();
        s.quantization.bitMode = *lathe::quant::parseBitMode(bitMode.toStdString());
        s.quantization.rotation = rotation;
        s.calibration.merge = merge;
        return s;
    }

    static void addColumns()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("bitMode");
        QTest::addColumn<bool>("rotation");
        QTest::addColumn<bool>("merge");
    }

    static void addRows()
    {
        QTest::newRow("hub w4v8 rotated merged") << "hub"
                                                 << "meta-llama/Llama-3.2-1B-Instruct"
                                                 << "w4v8" << true << true;
        QTest::newRow("hub w8 asks for rotation") << "hub"
                                                  << "meta-llama/Llama-3.2-1B-Instruct"
                                                  << "w8" << true << true;
        QTest::newRow("hub w4 not rotated, not merged") << "hub"
                                                        << "Qwen/Qwen2-0.5B"
                                                        << "w4" << false << false;
        QTest::newRow("hub repo without org") << "hub"
                                              << "gpt2"
                                              << "w4v8" << true << false;
        QTest::newRow("local folder") << "local"
                                      << "/models/stories260K"
                                      << "w4v8" << true << false;
        QTest::newRow("local folder, trailing slash") << "local"
                                                      << "/models/stories260K/"
                                                      << "w4" << false << true;
        QTest::newRow("local HF cache snapshot")
            << "local" << QString("/hf/hub/models--karpathy--stories260K/snapshots/%1").arg(kCommit) << "w4v8" << true
            << true;
    }

private Q_SLOTS:
    void layout_data()
    {
        addColumns();
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("tagFolder");
        QTest::addColumn<bool>("rotated");
        const char* llama = "meta-llama/Llama-3.2-1B-Instruct";
        QTest::newRow("hub w4v8 rotated merged")
            << "hub" << llama << "w4v8" << true << true << llama << "Llama-3.2-1B-Instruct"
            << "meta-llama-Llama-3.2-1B-Instruct" << true;
        // A project's w8 compile runs with rotation "auto", which is off for w8.
        QTest::newRow("hub w8 asks for rotation")
            << "hub" << llama << "w8" << true << true << llama << "Llama-3.2-1B-Instruct"
            << "meta-llama-Llama-3.2-1B-Instruct" << false;
        QTest::newRow("hub w4 not rotated, not merged") << "hub"
                                                        << "Qwen/Qwen2-0.5B"
                                                        << "w4" << false << false << "Qwen/Qwen2-0.5B"
                                                        << "Qwen2-0.5B"
                                                        << "Qwen-Qwen2-0.5B" << false;
        QTest::newRow("hub repo without org") << "hub"
                                              << "gpt2"
                                              << "w4v8" << true << false << "gpt2"
                                              << "gpt2"
                                              << "gpt2" << true;
        QTest::newRow("local folder") << "local"
                                      << "/models/stories260K"
                                      << "w4v8" << true << false << "stories260K"
                                      << "stories260K"
                                      << "stories260K" << true;
        QTest::newRow("local folder, trailing slash") << "local"
                                                      << "/models/stories260K/"
                                                      << "w4" << false << true << "stories260K"
                                                      << "stories260K"
                                                      << "stories260K" << false;
        // A local folder inside the HF cache goes by the repository's name, as the compiler names it.
        QTest::newRow("local HF cache snapshot")
            << "local" << QString("/hf/hub/models--karpathy--stories260K/snapshots/%1").arg(kCommit) << "w4v8" << true
            << true << "stories260K"
            << "stories260K"
            << "stories260K" << true;
    }

    void layout()
    {
        QFETCH(QString, source);
        QFETCH(QString, model);
        QFETCH(QString, bitMode);
        QFETCH(bool, rotation);
        QFETCH(bool, merge);
        QFETCH(QString, tag);
        QFETCH(QString, name);
        QFETCH(QString, tagFolder);
        QFETCH(bool, rotated);
        const auto s = settings(source, model, bitMode, rotation, merge);
        const lathe::project::ProjectLayout l = lathe::project::projectLayout(s);
        const QString compiled = "/work/out/" + name + "-" + bitMode + ".compiled.safetensors";
        const QString calib = "/work/out/calib/datas/" + tagFolder;
        QCOMPARE(q(l.outputDir), QString("/work/out"));
        QCOMPARE(q(l.modelTag), tag);
        QCOMPARE(q(lathe::project::projectModelTag(s)), tag);
        QCOMPARE(q(l.modelName), name);
        QCOMPARE(q(lathe::project::projectModelName(s)), name);
        QCOMPARE(q(l.embeddingPath), QString("/work/out/embedding.pt"));
        QCOMPARE(q(l.calibDir), QString("/work/out/calib"));
        QCOMPARE(q(l.calibTagFolder), calib);
        QCOMPARE(q(l.calibMergedFolder), merge ? calib + "/merged" : QString());
        QCOMPARE(q(l.calibManifestPath), calib + "/manifest.json");
        QCOMPARE(q(l.calibSamplesDir), merge ? calib + "/merged" : calib);
        QCOMPARE(q(l.compiledPath), compiled);
        QCOMPARE(q(l.reportPath), compiled + ".report.json");
        QCOMPARE(q(l.reportCsvPath), compiled + ".report.csv");
        QCOMPARE(q(l.workDir), compiled + ".work");
        QCOMPARE(q(l.rotationPath), "/work/out/spinWeight/" + name + "/R1/global_rotation.pth");
        QCOMPARE(q(l.rotatedEmbeddingPath), QString("/work/out/embedding_rotated.pt"));
        QCOMPARE(l.rotated, rotated);
    }

    // The options each step runs with, given the folder the model resolves to (a hub repo's cache snapshot, a
    // local folder as it is), name the layout's paths; the compiler's and the calibration's own path rules on
    // those options give the rest.
    void stepsUseTheLayout_data()
    {
        addColumns();
        addRows();
    }

    void stepsUseTheLayout()
    {
        QFETCH(QString, source);
        QFETCH(QString, model);
        QFETCH(QString, bitMode);
        QFETCH(bool, rotation);
        QFETCH(bool, merge);
        const auto s = settings(source, model, bitMode, rotation, merge);
        const std::string modelDir =
            source == "hub"
                ? QString("/hf/hub/models--%1/snapshots/%2").arg(model.replace('/', "--"), kCommit).toStdString()
                : s.model.localPath;
        const lathe::project::ProjectLayout l = lathe::project::projectLayout(s);

        const lathe::calib::CalibrationOptions c = lathe::project::calibrationOptionsFor(s, modelDir);
        QCOMPARE(q(c.modelTag), q(l.modelTag));
        QCOMPARE(q(c.embeddingPath), q(l.embeddingPath));
        QCOMPARE(q(c.outputDir), q(l.calibDir));
        QCOMPARE(q(c.tokenizerPath), q(modelDir));
        const lathe::calib::CalibrationFolders folders = lathe::calib::calibrationFolders(c);
        QCOMPARE(q(folders.tagFolder), q(l.calibTagFolder));
        QCOMPARE(q(folders.mergedFolder), q(l.calibMergedFolder));
        QCOMPARE(q(folders.manifestPath), q(l.calibManifestPath));

        const lathe::compile::CompileOptions o = lathe::project::compileOptionsFor(s, modelDir);
        QCOMPARE(q(o.modelPath), q(modelDir));
        QCOMPARE(q(o.calibDataPath), q(l.calibSamplesDir));
        QCOMPARE(q(o.savePath), q(l.compiledPath));
        const lathe::compile::CompileOutputPaths paths = lathe::compile::compileOutputPaths(o, modelDir);
        QCOMPARE(q(paths.savePath), q(l.compiledPath));
        QCOMPARE(q(paths.reportPath), q(l.reportPath));
        QCOMPARE(q(paths.reportCsvPath), q(l.reportCsvPath));
        QCOMPARE(q(paths.workDir), q(l.workDir));
        QCOMPARE(q(paths.outputDir), q(l.outputDir));
        QCOMPARE(q(paths.modelName), q(l.modelName));
        QCOMPARE(q(paths.rotationPath), q(l.rotationPath));
        QCOMPARE(q(paths.rotatedEmbeddingPath), q(l.rotatedEmbeddingPath));
        QCOMPARE(paths.rotated, l.rotated);
    }

    void compiledModelName_data()
    {
        QTest::addColumn<QString>("modelPath");
        QTest::addColumn<QString>("modelDir");
        QTest::addColumn<QString>("name");
        const QString snapshot = QString("/hf/hub/models--meta-llama--Llama-3.2-1B/snapshots/%1").arg(kCommit);
        QTest::newRow("repo id, resolved to its snapshot") << "meta-llama/Llama-3.2-1B" << snapshot << "Llama-3.2-1B";
        QTest::newRow("snapshot folder") << snapshot << snapshot << "Llama-3.2-1B";
        QTest::newRow("snapshot folder, trailing slash") << snapshot + "/" << snapshot + "/"
                                                         << "Llama-3.2-1B";
        QTest::newRow("repo id not on disk") << "Org/Name"
                                             << "Org/Name"
                                             << "Name";
        QTest::newRow("folder") << "/models/tiny"
                                << "/models/tiny"
                                << "tiny";
        QTest::newRow("folder, trailing slash") << "/models/tiny/"
                                                << "/models/tiny/"
                                                << "tiny";
        QTest::newRow("folder ending in ..") << "/models/tiny/x/.."
                                             << "/models/tiny/x/.."
                                             << "tiny";
    }

    void compiledModelName()
    {
        QFETCH(QString, modelPath);
        QFETCH(QString, modelDir);
        QFETCH(QString, name);
        QCOMPARE(q(lathe::compile::compiledModelName(modelPath.toStdString(), modelDir.toStdString())), name);
    }

    void compileOutputPathsGiven()
    {
        lathe::compile::CompileOptions o;
        o.modelPath = "/models/tiny";
        o.savePath = "out/tiny.bin";
        o.bitMode = lathe::quant::BitMode::W8;
        auto p = lathe::compile::compileOutputPaths(o, o.modelPath);
        QCOMPARE(q(p.reportPath), QString("out/tiny.bin.report.json"));
        QCOMPARE(q(p.reportCsvPath), QString("out/tiny.bin.report.csv"));
        QCOMPARE(q(p.workDir), QString("out/tiny.bin.work"));
        QCOMPARE(q(p.outputDir), QString("out"));
        QCOMPARE(q(p.rotationPath), QString("out/spinWeight/tiny/R1/global_rotation.pth"));
        QCOMPARE(q(p.rotatedEmbeddingPath), QString("out/embedding_rotated.pt"));
        QVERIFY(!p.rotated);
        o.savePath = "tiny.bin";
        o.reportPath = "reports/tiny.json";
        o.workDir = "/scratch/tiny";
        o.rotatedEmbeddingPath = "/emb/rotated.pt";
        o.rotation = lathe::quant::RotationMode::On;
        p = lathe::compile::compileOutputPaths(o, o.modelPath);
        QCOMPARE(q(p.reportPath), QString("reports/tiny.json"));
        QCOMPARE(q(p.reportCsvPath), QString("reports/tiny.csv"));
        QCOMPARE(q(p.workDir), QString("/scratch/tiny"));
        QCOMPARE(q(p.outputDir), QString("."));
        QCOMPARE(q(p.rotatedEmbeddingPath), QString("/emb/rotated.pt"));
        QVERIFY(p.rotated);
        o.outputDir = "/elsewhere";
        o.rotation = lathe::quant::RotationMode::Auto;
        o.bitMode = lathe::quant::BitMode::W4;
        p = lathe::compile::compileOutputPaths(o, o.modelPath);
        QCOMPARE(q(p.rotationPath), QString("/elsewhere/spinWeight/tiny/R1/global_rotation.pth"));
        QVERIFY(p.rotated);
    }

    void noModelYet()
    {
        lathe::project::ProjectSettings s;
        s.outputDir = "/work/out";
        QCOMPARE(q(lathe::project::projectModelTag(s)), QString());
        QCOMPARE(q(lathe::project::projectLayout(s).compiledPath), QString("/work/out/-w4v8.compiled.safetensors"));
    }

    void calibrationSamples()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto write = [&](const QString& name, const QByteArray& text) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        write("good.json", R"({"format": "lathe-calibration", "version": 1, "samples": [
            {"language": "en", "file": "en/inputs_embeds_0.npy", "tokens": 40, "title": "A", "id": "1"},
            {"language": "de", "file": "de/inputs_embeds_0.npy", "tokens": 96, "title": ""}]})");
        auto samples = lathe::calib::readCalibrationSamples(dir.filePath("good.json").toStdString());
        QVERIFY2(samples.ok(), samples.ok() ? "" : samples.error().message.c_str());
        QCOMPARE(samples->size(), size_t{2});
        QCOMPARE(q((*samples)[0].language), QString("en"));
        QCOMPARE(q((*samples)[0].file), QString("en/inputs_embeds_0.npy"));
        QCOMPARE(q((*samples)[0].title), QString("A"));
        QCOMPARE((*samples)[0].tokens, std::int64_t{40});
        QCOMPARE(q((*samples)[1].language), QString("de"));
        QCOMPARE((*samples)[1].tokens, std::int64_t{96});

        auto missing = lathe::calib::readCalibrationSamples(dir.filePath("missing.json").toStdString());
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, lathe::ErrorCode::NotFound);
        QVERIFY(q(missing.error().message).contains("missing.json"));

        const QList<std::pair<QString, QByteArray>> corrupt = {
            {"truncated.json", R"({"format": "lathe-calibration", "samples": [)"},
            {"other.json", R"({"format": "lathe-compile-report", "samples": []})"},
            {"nolist.json", R"({"format": "lathe-calibration", "samples": {}})"},
            {"badtokens.json", R"({"format": "lathe-calibration", "samples": [
                {"language": "en", "file": "en/inputs_embeds_0.npy", "tokens": "40", "title": ""}]})"},
        };
        for (const auto& [name, text] : corrupt) {
            write(name, text);
            auto read = lathe::calib::readCalibrationSamples(dir.filePath(name).toStdString());
            QVERIFY2(!read.ok(), qPrintable(name));
            QCOMPARE(read.error().code, lathe::ErrorCode::Corrupt);
            QVERIFY2(q(read.error().message).contains(name), read.error().message.c_str());
        }
    }

    void stepNames()
    {
        QStringList names;
        for (lathe::project::ProjectStep step : lathe::project::kProjectSteps)
            names << lathe::project::projectStepName(step);
        QCOMPARE(names, QStringList({"model", "embedding", "calibration", "compile", "export"}));
    }
};

QTEST_GUILESS_MAIN(TestProjectLayout)
#include "TestProjectLayout.moc"
