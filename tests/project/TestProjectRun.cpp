// `lathe run-project` runs the same steps as the CLI commands one by one: the outputs must be byte-identical, and
// lie where projectLayout says. runProjectStep runs one step at a time to the same outputs, and cancels.
#include "TestSupport.h"

#include "lathe/project/Project.h"
#include "lathe/project/ProjectRun.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

}  // namespace

class TestProjectRun : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_corpus;

    lathe::project::ProjectSettings settings(const QString& outputDir) const
    {
        lathe::project::ProjectSettings s;
        s.name = "stories w4v8";
        s.outputDir = outputDir.toStdString();
        s.model.source = "local";
        s.model.localPath = m_model.toStdString();
        s.calibration.dataset = "local";
        s.calibration.textFile = m_corpus.toStdString();
        s.calibration.languages = {"en"};
        s.calibration.minSeqLen = 32;
        s.calibration.maxSeqLen = 96;
        s.calibration.maxCalib = 6;
        s.calibration.merge = false;
        s.quantization.bitMode = lathe::quant::BitMode::W4V8;
        s.quantization.gptq = true;
        s.quantization.rotation = true;
        s.quantization.groupBits = {{"head", 8}};
        s.quantization.seed = 7;
        s.quantization.threads = 1;
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model = m_dir.filePath("stories260K");
        auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--tokenizer",
                         sharedData("models/stories260K/tok512.model"), "--out", m_model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        // Eight short stories, one per line of a .jsonl corpus.
        const QByteArray text = readAll(sharedData("text/tinystories/TinyStories-train_head2MiB.txt"));
        const QList<QByteArray> stories = text.split('\n');
        m_corpus = m_dir.filePath("stories.txt");
        QFile out(m_corpus);
        QVERIFY(out.open(QIODevice::WriteOnly));
        int written = 0;
        QByteArray story;
        for (const QByteArray& line : stories) {
            if (line == "<|endoftext|>") {
                out.write(story + "\n\n");
                story.clear();
                if (++written == 8) break;
            } else {
                story += (story.isEmpty() ? "" : " ") + line;
            }
        }
    }

    void outputNames()
    {
        auto s = settings("/tmp/out");
        const auto o = lathe::project::projectLayout(s);
        QCOMPARE(QString::fromStdString(o.embeddingPath), QString("/tmp/out/embedding.pt"));
        QCOMPARE(QString::fromStdString(o.calibDir), QString("/tmp/out/calib"));
        QCOMPARE(QString::fromStdString(o.compiledPath), QString("/tmp/out/stories260K-w4v8.compiled.safetensors"));
        QCOMPARE(QString::fromStdString(o.reportPath),
                 QString("/tmp/out/stories260K-w4v8.compiled.safetensors.report.json"));
        s.model.source = "hub";
        s.model.repoId = "meta-llama/Llama-3.2-1B-Instruct";
        QCOMPARE(QString::fromStdString(lathe::project::projectModelTag(s)),
                 QString("meta-llama/Llama-3.2-1B-Instruct"));
        QCOMPARE(QString::fromStdString(lathe::project::projectLayout(s).compiledPath),
                 QString("/tmp/out/Llama-3.2-1B-Instruct-w4v8.compiled.safetensors"));
    }

    // Weights are 2..8-bit integers: a project asking for 16-bit ffn weights (as the Studio once offered) is refused
    // by `lathe run-project` with the compiler's message, before anything is written.
    void sixteenBitWeightsAreRefusedBeforeAnyWork()
    {
        const QString projectOut = m_dir.filePath("sixteen-out");
        const QString project = m_dir.filePath("sixteen.lathe");
        auto s = settings(projectOut);
        s.quantization.groupBits = {{"ffn", 16}};
        QVERIFY(lathe::project::saveProject(s, project.toStdString()).ok());
        auto r = runCli({"run-project", project});
        QCOMPARE(r.exitCode, 2);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains("group override ffn=16 asks for 16-bit weights; weight bits must be 2..8"),
                 qPrintable(err));
        QVERIFY2(err.contains("keep_16bit_activations"), qPrintable(err));
        QVERIFY(!QFileInfo::exists(projectOut));

        auto direct = lathe::project::runProject(s);
        QVERIFY(!direct.ok());
        QCOMPARE(direct.error().code, lathe::ErrorCode::InvalidArgument);
        QVERIFY(err.contains(QString::fromStdString(direct.error().message)));
        QVERIFY(!QFileInfo::exists(projectOut));
    }

    // The project run and the step-by-step CLI produce the same bytes.
    void runProjectEqualsStepByStep()
    {
        const QString projectOut = m_dir.filePath("project-out");
        const QString project = m_dir.filePath("stories.lathe");
        QVERIFY(lathe::project::saveProject(settings(projectOut), project.toStdString()).ok());
        auto r = runCli({"run-project", project}, {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());

        const QString out = m_dir.filePath("cli-out");
        QVERIFY(QDir().mkpath(out));
        r = runCli({"download-model", "--repo_id", m_model, "--embedding", out + "/embedding.pt"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = runCli({"generate-calib", "--model_tag", "stories260K", "--embedding_path", out + "/embedding.pt",
                    "--tokenizer_path", m_model, "--text_file", m_corpus, "--languages", "en", "--min_seqlen", "32",
                    "--max_seqlen", "96", "--max_calib", "6", "--output_dir", out + "/calib"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString compiled = out + "/stories260K-w4v8.compiled.safetensors";
        r = runCli({"compile", "--model_path", m_model, "--calib_data_path", out + "/calib/datas/stories260K",
                    "--save_path", compiled, "--bit", "w4v8", "--group-bits", "head=8", "--seed", "7", "--threads",
                    "1", "--output-dir", out},
                   {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());

        for (const QString& name : {QString("embedding.pt"), QString("stories260K-w4v8.compiled.safetensors"),
                                    QString("calib/datas/stories260K/en/inputs_embeds_0.npy"),
                                    QString("calib/datas/stories260K/en/inputs_embeds_5.npy")}) {
            const QByteArray a = readAll(projectOut + "/" + name);
            QVERIFY2(!a.isEmpty(), qPrintable(name));
            QVERIFY2(a == readAll(out + "/" + name), qPrintable(name + " differs"));
        }
        const QByteArray report = readAll(projectOut + "/stories260K-w4v8.compiled.safetensors.report.json");
        QVERIFY(!report.isEmpty());
        QCOMPARE(report, readAll(compiled + ".report.json"));

        // Every file the run wrote is where projectLayout says.
        const lathe::project::ProjectLayout layout = lathe::project::projectLayout(settings(projectOut));
        QVERIFY(layout.rotated);
        for (const std::string& file :
             {layout.embeddingPath, layout.calibManifestPath, layout.compiledPath, layout.reportPath,
              layout.reportCsvPath, layout.rotationPath, layout.rotatedEmbeddingPath})
            QVERIFY2(QFileInfo(q(file)).isFile(), file.c_str());
        QCOMPARE(q(layout.calibSamplesDir), projectOut + "/calib/datas/stories260K");
        QVERIFY(QFileInfo(q(layout.calibSamplesDir) + "/en/inputs_embeds_5.npy").isFile());
    }

    // The steps one at a time, as the Studio runs them: each writes where projectLayout says and reports it, and
    // the outputs equal run-project's.
    void stepsOneByOne()
    {
        if (!QFileInfo(m_dir.filePath("project-out/embedding.pt")).isFile())
            QSKIP("compares with the outputs of runProjectEqualsStepByStep, which did not run");
        const QString out = m_dir.filePath("steps-out");
        const lathe::project::ProjectSettings s = settings(out);
        const lathe::project::ProjectLayout layout = lathe::project::projectLayout(s);
        QStringList stages;
        const lathe::ProgressFn progress = [&stages](const lathe::Progress& p) {
            if (stages.isEmpty() || stages.last() != q(p.stage)) stages << q(p.stage);
        };

        auto model = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Model, {}, progress);
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        QCOMPARE(q(model->modelDir), m_model);
        QVERIFY(!QFileInfo::exists(out));  // the model step writes nothing

        // Without a model folder the step finds the project's model itself.
        auto embedding = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Embedding, {}, progress);
        QVERIFY2(embedding.ok(), embedding.ok() ? "" : embedding.error().message.c_str());
        QCOMPARE(q(embedding->modelDir), m_model);
        QCOMPARE(q(embedding->embeddingPath), q(layout.embeddingPath));
        QCOMPARE(readAll(q(layout.embeddingPath)), readAll(m_dir.filePath("project-out/embedding.pt")));

        lathe::project::ProjectStepOptions options;
        options.modelDir = model->modelDir;
        auto calibration =
            lathe::project::runProjectStep(s, lathe::project::ProjectStep::Calibration, options, progress);
        QVERIFY2(calibration.ok(), calibration.ok() ? "" : calibration.error().message.c_str());
        QCOMPARE(q(calibration->calibration.tagFolder), q(layout.calibTagFolder));
        QCOMPARE(q(calibration->calibration.mergedFolder), q(layout.calibMergedFolder));
        QCOMPARE(q(calibration->calibration.manifestPath), q(layout.calibManifestPath));
        QVERIFY(QFileInfo(q(layout.calibManifestPath)).isFile());
        QCOMPARE(calibration->samples.size(), size_t{6});
        for (size_t i = 0; i < calibration->samples.size(); ++i) {
            const lathe::calib::CalibrationSample& sample = calibration->samples[i];
            QCOMPARE(q(sample.language), QString("en"));
            QCOMPARE(q(sample.file), QString("en/inputs_embeds_%1.npy").arg(i));
            QVERIFY(sample.tokens >= 32 && sample.tokens <= 96);
            QCOMPARE(readAll(q(layout.calibTagFolder) + "/" + q(sample.file)),
                     readAll(m_dir.filePath("project-out/calib/datas/stories260K/" + q(sample.file))));
        }

        int layers = 0;
        options.onLayerReport = [&layers](const lathe::compile::BlockReport& block,
                                          const std::vector<lathe::compile::LinearReport>&) {
            if (block.layer >= 0) ++layers;
        };
        auto compiled = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Compile, options, progress);
        QVERIFY2(compiled.ok(), compiled.ok() ? "" : compiled.error().message.c_str());
        const lathe::compile::CompileSummary& c = compiled->compile;
        QCOMPARE(layers, c.layers);
        QCOMPARE(q(c.savePath), q(layout.compiledPath));
        QCOMPARE(q(c.reportPath), q(layout.reportPath));
        QCOMPARE(q(c.reportCsvPath), q(layout.reportCsvPath));
        QCOMPARE(q(c.rotationPath), q(layout.rotationPath));
        QCOMPARE(q(c.rotatedEmbeddingPath), q(layout.rotatedEmbeddingPath));
        for (const std::string& file : {layout.compiledPath, layout.reportPath, layout.reportCsvPath,
                                        layout.rotationPath, layout.rotatedEmbeddingPath}) {
            const QString name = q(file).mid(out.size() + 1);
            QVERIFY2(readAll(q(file)) == readAll(m_dir.filePath("project-out/" + name)), qPrintable(name + " differs"));
        }
        // Each step's own stages, without run-project's step prefix.
        QVERIFY2(stages.contains("validate") && stages.contains("write"), qPrintable(stages.join(", ")));
        for (const QString& stage : stages) QVERIFY2(!stage.startsWith("compile: "), qPrintable(stage));
    }

    // The export step: nothing without formats; a Lathe-target compile is refused with what to change and leaves no
    // file; a gguf-target project run by run-project writes the same GGUF and ONNX folder as `lathe export` of its
    // compiled model.
    void exportStep()
    {
        if (!QFileInfo(m_dir.filePath("steps-out/embedding.pt")).isFile())
            QSKIP("uses the outputs of stepsOneByOne, which did not run");
        lathe::project::ProjectSettings s = settings(m_dir.filePath("steps-out"));
        auto none = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Export);
        QVERIFY2(none.ok(), none.ok() ? "" : none.error().message.c_str());
        QVERIFY(none->gguf.empty());
        s.exports.formats = {"gguf"};
        auto refused = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Export);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, lathe::ErrorCode::InvalidArgument);
        QVERIFY2(refused.error().message.find("--target gguf") != std::string::npos, refused.error().message.c_str());
        QVERIFY(!QFileInfo::exists(q(lathe::project::projectLayout(s).ggufPath)));
        s.exports.formats = {"onnx-someday"};
        QVERIFY(!lathe::project::validateProject(s).ok());

        const QString out = m_dir.filePath("gguf-out");
        lathe::project::ProjectSettings g = settings(out);
        g.quantization.target = lathe::quant::CompileTarget::Gguf;
        g.exports.formats = {"gguf", "onnx"};
        const QString project = m_dir.filePath("gguf.lathe");
        QVERIFY(lathe::project::saveProject(g, project.toStdString()).ok());
        auto loaded = lathe::project::loadProject(project.toStdString());
        QVERIFY(loaded.ok());
        QVERIFY(loaded->quantization.target == lathe::quant::CompileTarget::Gguf);
        QCOMPARE(loaded->exports.formats, (std::vector<std::string>{"gguf", "onnx"}));
        auto r = runCli({"run-project", project}, {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const lathe::project::ProjectLayout layout = lathe::project::projectLayout(g);
        QCOMPARE(q(layout.ggufPath), out + "/stories260K-w4v8.gguf");
        QVERIFY2(r.out.contains("gguf:       " + layout.ggufPath), r.out.constData());
        QVERIFY2(r.out.contains("onnx:       " + layout.onnxDir), r.out.constData());
        const QString direct = m_dir.filePath("direct.gguf");
        r = runCli({"export", "--mxq-path", q(layout.compiledPath), "--embedding-weight-path",
                    q(layout.rotatedEmbeddingPath), "--model_path", m_model, "--output", direct});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(readAll(q(layout.ggufPath)), readAll(direct));
        QCOMPARE(q(layout.onnxDir), out + "/stories260K-w4v8-onnx");
        const QString directOnnx = m_dir.filePath("direct-onnx");
        r = runCli({"export", "--format", "onnx", "--mxq-path", q(layout.compiledPath), "--embedding-weight-path",
                    q(layout.rotatedEmbeddingPath), "--model_path", m_model, "--output-dir", directOnnx});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        for (const char* file : {"onnx/model.onnx", "config.json", "generation_config.json", "tokenizer.json"}) {
            const QByteArray bytes = readAll(q(layout.onnxDir) + "/" + file);
            QVERIFY2(!bytes.isEmpty() && bytes == readAll(directOnnx + "/" + file), file);
        }
    }

    // A stop request ends a step with Cancelled and leaves none of its outputs.
    void stepsCancel()
    {
        const QString out = m_dir.filePath("cancel-out");
        lathe::project::ProjectSettings s = settings(out);
        const lathe::project::ProjectLayout layout = lathe::project::projectLayout(s);
        lathe::StopToken stopped;
        stopped.requestStop();

        auto embedding = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Embedding, {}, {}, stopped);
        QVERIFY(!embedding.ok());
        QCOMPARE(embedding.error().code, lathe::ErrorCode::Cancelled);
        QVERIFY(!QFileInfo::exists(q(layout.embeddingPath)));

        QVERIFY(lathe::project::runProjectStep(s, lathe::project::ProjectStep::Embedding).ok());
        auto calibration = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Calibration, {}, {}, stopped);
        QVERIFY(!calibration.ok());
        QCOMPARE(calibration.error().code, lathe::ErrorCode::Cancelled);
        QVERIFY(!QFileInfo::exists(q(layout.calibManifestPath)));

        // Cancelled while compiling the first layer, on samples made by the step.
        QVERIFY(lathe::project::runProjectStep(s, lathe::project::ProjectStep::Calibration).ok());
        lathe::StopToken stop;
        const lathe::ProgressFn progress = [stop](const lathe::Progress& p) {
            if (p.stage.rfind("layer ", 0) == 0) stop.requestStop();
        };
        auto compiled = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Compile, {}, progress, stop);
        QVERIFY(!compiled.ok());
        QCOMPARE(compiled.error().code, lathe::ErrorCode::Cancelled);
        for (const std::string& file : {layout.compiledPath, layout.reportPath, layout.reportCsvPath,
                                        layout.rotationPath, layout.rotatedEmbeddingPath})
            QVERIFY2(!QFileInfo::exists(q(file)), file.c_str());
    }

    // A step that fails after making the output folder, before writing anything, removes the folder again; a
    // folder that was there already stays.
    void failedStepLeavesNoEmptyFolder()
    {
        lathe::project::ProjectSettings s = settings(m_dir.filePath("failed-out"));
        s.calibration.textFile = m_dir.filePath("no-such-corpus.txt").toStdString();
        auto r = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Calibration);
        QVERIFY(!r.ok());
        QVERIFY(!QFileInfo::exists(m_dir.filePath("failed-out")));
        QVERIFY(QDir().mkpath(m_dir.filePath("existing-out")));
        s.outputDir = m_dir.filePath("existing-out").toStdString();
        r = lathe::project::runProjectStep(s, lathe::project::ProjectStep::Calibration);
        QVERIFY(!r.ok());
        QVERIFY(QFileInfo(m_dir.filePath("existing-out")).isDir());
        // A project file cannot send its outputs into a system folder.
        s.outputDir = "/etc/lathe-project-test";
        const QString project = m_dir.filePath("etc.lathe");
        QVERIFY(lathe::project::saveProject(s, project.toStdString()).ok());
        const auto cli = runCli({"run-project", project});
        QCOMPARE(cli.exitCode, 2);
        QVERIFY2(cli.err.contains("is a system folder"), cli.err.constData());
        QVERIFY(!QFileInfo::exists("/etc/lathe-project-test"));
    }

    void stepWithoutTheModel()
    {
        lathe::project::ProjectSettings s = settings(m_dir.filePath("missing-out"));
        s.model.localPath = m_dir.filePath("no-such-model").toStdString();
        for (lathe::project::ProjectStep step : lathe::project::kProjectSteps) {
            auto result = lathe::project::runProjectStep(s, step);
            QVERIFY(!result.ok());
            QCOMPARE(result.error().code, lathe::ErrorCode::NotFound);
        }
        QVERIFY(!QFileInfo::exists(m_dir.filePath("missing-out")));
    }
};

QTEST_GUILESS_MAIN(TestProjectRun)
#include "TestProjectRun.moc"
