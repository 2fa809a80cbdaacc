// `lathe run-project` runs the same steps as the CLI commands one by one: the outputs must be byte-identical.
#include "TestSupport.h"

#include "lathe/project/Project.h"
#include "lathe/project/ProjectRun.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

class TestProjectRun : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_model;
    QString m_corpus;

    lathe::ProjectSettings settings(const QString& outputDir) const
    {
        lathe::ProjectSettings s;
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
        s.quantization.bitMode = lathe::compile::BitMode::W4V8;
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
        const auto o = lathe::projectOutputs(s);
        QCOMPARE(QString::fromStdString(o.embeddingPath), QString("/tmp/out/embedding.pt"));
        QCOMPARE(QString::fromStdString(o.calibDir), QString("/tmp/out/calib"));
        QCOMPARE(QString::fromStdString(o.compiledPath), QString("/tmp/out/stories260K-w4v8.compiled.safetensors"));
        QCOMPARE(QString::fromStdString(o.reportPath),
                 QString("/tmp/out/stories260K-w4v8.compiled.safetensors.report.json"));
        s.model.source = "hub";
        s.model.repoId = "meta-llama/Llama-3.2-1B-Instruct";
        QCOMPARE(QString::fromStdString(lathe::projectModelTag(s)), QString("meta-llama/Llama-3.2-1B-Instruct"));
        QCOMPARE(QString::fromStdString(lathe::projectOutputs(s).compiledPath),
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
        QVERIFY(lathe::saveProject(s, project.toStdString()).ok());
        auto r = runCli({"run-project", project});
        QCOMPARE(r.exitCode, 2);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains("group override ffn=16 asks for 16-bit weights; weight bits must be 2..8"),
                 qPrintable(err));
        QVERIFY2(err.contains("keep_16bit_activations"), qPrintable(err));
        QVERIFY(!QFileInfo::exists(projectOut));

        auto direct = lathe::runProject(s);
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
        QVERIFY(lathe::saveProject(settings(projectOut), project.toStdString()).ok());
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
    }
};

QTEST_GUILESS_MAIN(TestProjectRun)
#include "TestProjectRun.moc"
