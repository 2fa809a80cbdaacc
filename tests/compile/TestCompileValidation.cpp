// Bad input to `lathe compile` is refused before any work, with a message naming the problem, the exit code of its
// kind, and no output or work folder left behind.
#include "StoriesFixture.h"
#include "StoriesVariant.h"
#include "TestSupport.h"
#include "common/FileLock.h"

#include "lathe/data/Npy.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace lathe;
using namespace lathe::test;

class TestCompileValidation : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    StoriesFixture m_fx;

    QString out(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString err = m_fx.make(m_dir.path(), 2, 64, 128);
        QVERIFY2(err.isEmpty(), qPrintable(err));

        // Samples made with another model's embedding: hidden 16 instead of 64.
        QDir().mkpath(out("hidden16/en"));
        const std::vector<int64_t> shape{1, 8, 16};
        const std::vector<float> values(8 * 16, 0.25f);
        QVERIFY(data::writeNpy(out("hidden16/en/inputs_embeds_0.npy").toStdString(), shape, values).ok());
        QDir().mkpath(out("empty"));
        // A finite but absurd value (1e38): the float model's hidden states would overflow.
        QDir().mkpath(out("huge/en"));
        std::vector<float> huge(8 * 64, 0.25f);
        huge[77] = 1e38f;
        const std::vector<int64_t> hugeShape{1, 8, 64};
        QVERIFY(data::writeNpy(out("huge/en/inputs_embeds_0.npy").toStdString(), hugeShape, huge).ok());

        // The same model declared as an architecture Lathe does not run.
        QDir().mkpath(out("gpt2"));
        for (const QString& f : QDir(m_fx.model).entryList(QDir::Files))
            QVERIFY(QFile::copy(m_fx.model + "/" + f, out("gpt2/" + f)));
        QFile config(out("gpt2/config.json"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        QByteArray text = config.readAll();
        config.close();
        QVERIFY(text.contains("LlamaForCausalLM"));
        text.replace("LlamaForCausalLM", "GPT2LMHeadModel");
        QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
        config.write(text);
        config.close();
        // An EXAONE 4 model (post-norms), whose residual writes R1 cannot pass.
        QVERIFY(!storiesExaone4(m_fx, m_dir.path(), false).isEmpty());
    }

    void refused_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QString calib = m_fx.calib, model = m_fx.model;
        QTest::newRow("hidden size mismatch")
            << QStringList{"--model_path", model, "--calib_data_path", out("hidden16")} << 2
            << "inputs_embeds_0.npy has hidden size 16 but the model's hidden_size is 64";
        QTest::newRow("absurd sample value")
            << QStringList{"--model_path", model, "--calib_data_path", out("huge")} << 4
            << "inputs_embeds_0.npy holds the value 1e+38, far beyond any input embedding (at most 10000 is accepted)";
        QTest::newRow("empty folder") << QStringList{"--model_path", model, "--calib_data_path", out("empty")} << 3
                                      << "holds no inputs_embeds_<i>.npy (or <language>_inputs_embeds_<i>.npy) files";
        QTest::newRow("missing folder") << QStringList{"--model_path", model, "--calib_data_path", out("nowhere")} << 3
                                        << "calibration folder " + out("nowhere") + " does not exist";
        QTest::newRow("bits 9") << QStringList{"--model_path", model,          "--calib_data_path",
                                               calib,          "--group-bits", "query=9"}
                                << 2 << "group override query=9 asks for 9-bit weights; weight bits must be 2..8";
        QTest::newRow("layer bits 1") << QStringList{"--model_path", model,          "--calib_data_path",
                                                     calib,          "--layer-bits", "0.ffn=1"}
                                      << 2 << "layer override 0.ffn=1 asks for 1-bit weights";
        QTest::newRow("unknown group")
            << QStringList{"--model_path", model, "--calib_data_path", calib, "--group_bits", "attention=8"} << 2
            << "unknown projection group \"attention\"; groups are query, key, value, output, ffn, head";
        QTest::newRow("layer out of range")
            << QStringList{"--model_path", model, "--calib_data_path", calib, "--layer-bits", "5.ffn=8"} << 2
            << "layer override \"5.ffn\" must be <layer>.<group>, e.g. 0.ffn, with layer 0..4";
        QTest::newRow("malformed override")
            << QStringList{"--model_path", model, "--calib_data_path", calib, "--group-bits", "query"} << 2
            << "--group-bits \"query\" must be NAME=BITS";
        QTest::newRow("unknown 16-bit linear") << QStringList{"--model_path",      model,
                                                              "--calib_data_path", calib,
                                                              "--keep-16bit-act",  "model.layers.9.mlp.down_proj"}
                                               << 2 << "which is not a linear of this model";
        // Any positive group size is valid (one that does not divide a width leaves a narrower last group).
        QTest::newRow("negative group size")
            << QStringList{"--model_path", model, "--calib_data_path", calib, "--group-size", "-4"} << 2
            << "--group_size: Value -4 not in range";
        QTest::newRow("unsupported architecture")
            << QStringList{"--model_path", out("gpt2"), "--calib_data_path", calib} << 5
            << "architecture GPT2LMHeadModel is not supported";
        QTest::newRow("missing model") << QStringList{"--model_path", out("no-model"), "--calib_data_path", calib} << 3
                                       << "model directory " + out("no-model") + " does not exist";
        QTest::newRow("bad bit preset") << QStringList{"--model_path", model, "--calib_data_path", calib, "--bit", "w3"}
                                        << 2 << "--bit";
        QTest::newRow("missing flag") << QStringList{"--model_path", model} << 2 << "--calib_data_path";
        for (const char* rotation : {"auto", "on"})
            QTest::newRow(qPrintable(QString("post-norm model, rotation %1").arg(rotation)))
                << QStringList{"--model_path",
                               out("stories-exaone4"),
                               "--calib_data_path",
                               calib,
                               "--bit",
                               "w4",
                               "--rotation",
                               rotation}
                << 2
                << "Exaone4ForCausalLM normalises the attention and MLP outputs (weighted RMSNorm) before they join "
                   "the residual stream, so the R1 rotation cannot be folded into its weights; compile it with "
                   "--rotation off";
    }

    void refused()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const QString folder = out("refused");
        QDir(folder).removeRecursively();
        QDir().mkpath(folder);
        const auto r = runCli(QStringList{"compile", "--save-path", folder + "/model.lathe"} + args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
        QCOMPARE(QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
    }

    void aliasAndUnderscoreSpellings()
    {
        // generate-mxq is the reference flow's name for the same command; a usage error still exits 2.
        const auto r =
            runCli({"generate-mxq", "--model_path", m_fx.model, "--calib_data_path", m_fx.calib, "--save_path",
                    out("alias/model.lathe"), "--bit", "w8", "--weight_method", "rtn", "--act_method", "max"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFile::exists(out("alias/model.lathe")));
        QVERIFY(QFile::exists(out("alias/model.lathe.report.json")));
    }

    // Two compiles of the same outputs: the second is refused while the first holds the work folder (here the test
    // holds it, as a running compile does), and runs once it is free.
    void sameOutputsAreLocked()
    {
        const QString save = out("locked/model.lathe");
        const QString work = save + ".work";
        QVERIFY(QDir().mkpath(work));
        const QStringList args{"compile", "--model_path", m_fx.model, "--calib_data_path", m_fx.calib, "--save_path",
                               save,      "--bit",        "w8"};
        {
            auto held = FileLock::tryLock(work.toStdString(), "held by the test");
            QVERIFY(held.ok());
            const auto r = runCli(args);
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains("another compile is running with the work folder " + work.toUtf8()),
                     r.err.constData());
            QVERIFY(!QFile::exists(save));
            QVERIFY(QFileInfo(work).isDir());  // the running compile's folder is left alone
        }
        const auto r = runCli(args);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(QFile::exists(save));
    }

    // The disk fills up part-way through a compile of the same outputs (ENOSPC injected into write): a clear error,
    // exit 6, the finished model from before intact, and no temporary file left anywhere in the folder.
    void fullDiskKeepsTheFinishedModel()
    {
        const QString save = out("locked/model.lathe");
        const QByteArray before = readAll(save);
        QVERIFY(!before.isEmpty());
        const auto r =
            runCli({"compile", "--model_path", m_fx.model, "--calib_data_path", m_fx.calib, "--save_path", save,
                    "--bit", "w8", "--no-resume"},
                   {"LD_PRELOAD=" LATHE_ENOSPC_INJECTOR, "LATHE_ENOSPC_PATH=model.lathe", "LATHE_ENOSPC_AFTER=30000"});
        QCOMPARE(r.exitCode, 6);
        QVERIFY2(r.err.contains("No space left on device (free some disk space and try again)"), r.err.constData());
        QCOMPARE(readAll(save), before);
        QStringList leftovers;
        for (QDirIterator it(out("locked"), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories); it.hasNext();) {
            const QString file = it.next();
            if (file.contains(".tmp-") || file.contains(".partial")) leftovers << file;
        }
        QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join('\n')));
    }
};

QTEST_GUILESS_MAIN(TestCompileValidation)
#include "TestCompileValidation.moc"
