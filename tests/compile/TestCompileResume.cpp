// Interrupted compiles: `kill -9` of the CLI after some layers, Ctrl+C-style cancellation through the stop token,
// and a changed input, each followed by a run that must give exactly the bytes of an uninterrupted compile.
#include "StoriesFixture.h"
#include "TestSupport.h"

#include "lathe/compile/Compile.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>

using namespace lathe;
using namespace lathe::test;

namespace {

QByteArray fileBytes(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Layers recorded as finished in a work folder's state.json (-1 without one).
int finishedLayers(const QString& workDir)
{
    const QByteArray text = fileBytes(workDir + "/state.json");
    if (text.isEmpty()) return -1;
    try {
        return int(nlohmann::json::parse(text.toStdString())["layers"].size());
    } catch (const std::exception&) {
        return -1;
    }
}

}  // namespace

class TestCompileResume : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    StoriesFixture m_fx;

    QString out(const QString& name) const { return m_dir.filePath(name); }

    QStringList args(const QString& folder) const
    {
        return {"compile",
                "--model-path",
                m_fx.model,
                "--calib_data_path",
                m_fx.calib,
                "--save-path",
                out(folder) + "/stories.lathe",
                "--bit",
                "w4v8",
                "--threads",
                "1"};
    }

    compile::CompileOptions options(const QString& folder) const
    {
        compile::CompileOptions o;
        o.modelPath = m_fx.model.toStdString();
        o.calibDataPath = m_fx.calib.toStdString();
        o.savePath = (out(folder) + "/stories.lathe").toStdString();
        o.threads = 1;
        return o;
    }

    void compareWithBaseline(const QString& folder)
    {
        const QStringList files = compileOutputs(out("baseline"));
        QCOMPARE(compileOutputs(out(folder)), files);
        for (const QString& f : files)
            QVERIFY2(fileBytes(out("baseline/" + f)) == fileBytes(out(folder + "/" + f)), qPrintable(f));
    }

    // Starts the CLI compile into `folder` and returns once `layers` layers are finished (or the process ended).
    void startUntilLayers(QProcess& p, const QString& folder, int layers)
    {
        QDir().mkpath(out(folder));
        p.start(cliPath(), args(folder));
        QVERIFY(p.waitForStarted());
        QElapsedTimer timer;
        timer.start();
        while (finishedLayers(out(folder + "/stories.lathe.work")) < layers && p.state() == QProcess::Running &&
               timer.elapsed() < 600000)
            QThread::msleep(2);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // Enough calibration tokens that a layer takes a noticeable time, so the kill lands between layers.
        const QString err = m_fx.make(m_dir.path(), 64, 256, 512);
        QVERIFY2(err.isEmpty(), qPrintable(err));
        QDir().mkpath(out("baseline"));
        QElapsedTimer timer;
        timer.start();
        const auto r = runCli(args("baseline"), {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        qInfo("uninterrupted compile: %lld ms\n%s", static_cast<long long>(timer.elapsed()), r.out.constData());
    }

    void resumeAfterKill()
    {
        const QString work = out("killed/stories.lathe.work");
        QProcess p;
        startUntilLayers(p, "killed", 2);
        const int finished = finishedLayers(work);
        QVERIFY2(p.state() == QProcess::Running, "the compile ended before it could be killed");
        p.kill();  // SIGKILL: no handler runs, the work folder is left as it is at this instant
        QVERIFY(p.waitForFinished());
        qInfo("killed after %d finished layers", finished);
        QVERIFY(finished >= 2 && finished < 5);
        QVERIFY(!QFile::exists(out("killed/stories.lathe")));

        const auto r = runCli(args("killed"), {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        qInfo("%s", r.out.constData());
        const int resumed =
            r.out.contains(QByteArray("(") + QByteArray::number(finished) + " resumed)")
                ? finished
                : (r.out.contains(QByteArray("(") + QByteArray::number(finished + 1) + " resumed)") ? finished + 1
                                                                                                    : -1);
        QVERIFY2(resumed >= 2, r.out.constData());
        QVERIFY(!QFileInfo::exists(work));
        compareWithBaseline("killed");
    }

    // Ctrl-C: the compile stops at its next check, exits with 130 and says how to resume; the rerun resumes.
    void interruptExits130AndResumes()
    {
        const QString work = out("interrupted/stories.lathe.work");
        QProcess p;
        startUntilLayers(p, "interrupted", 1);
        QVERIFY2(p.state() == QProcess::Running, "the compile ended before it could be interrupted");
        QCOMPARE(::kill(static_cast<pid_t>(p.processId()), SIGINT), 0);
        QVERIFY(p.waitForFinished(120000));
        const QByteArray err = p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("run the same command again to resume"), err.constData());
        QVERIFY(!QFile::exists(out("interrupted/stories.lathe")));
        const int finished = finishedLayers(work);
        QVERIFY(finished >= 1);

        const auto r = runCli(args("interrupted"), {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("(" + QByteArray::number(finished) + " resumed)"), r.out.constData());
        compareWithBaseline("interrupted");
    }

    // kill -9 at chosen steps (LATHE_KILL_AT, common/KillPoint.h): in the middle of a layer, after the head, and
    // with the container half written under its temporary name. Each rerun resumes and ends byte-identical.
    void resumeAfterKillAtEveryStage_data()
    {
        QTest::addColumn<QString>("point");
        QTest::addColumn<int>("resumedLayers");
        QTest::newRow("mid-layer") << "quantized model.layers.2.self_attn.o_proj" << 2;
        QTest::newRow("head") << "head" << 5;
        QTest::newRow("writing") << "writing" << 5;
    }

    void resumeAfterKillAtEveryStage()
    {
        QFETCH(QString, point);
        QFETCH(int, resumedLayers);
        const QString folder = "kill-" + QString(QTest::currentDataTag());
        QDir().mkpath(out(folder));
        const auto killed = runCli(args(folder), {"LATHE_KILL_AT=" + point}, 900000);
        QVERIFY2(killed.crashed, killed.err.constData());
        QVERIFY(!QFile::exists(out(folder + "/stories.lathe")));
        QCOMPARE(finishedLayers(out(folder + "/stories.lathe.work")), resumedLayers);
        if (point == "writing") {
            QStringList temporaries = compileOutputs(out(folder)).filter(".tmp-");
            QCOMPARE(temporaries.size(), 1);  // what the killed writer left; the rerun clears it
        }

        const auto r = runCli(args(folder), {}, 900000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("(" + QByteArray::number(resumedLayers) + " resumed)"), r.out.constData());
        QVERIFY(!QFileInfo::exists(out(folder + "/stories.lathe.work")));
        compareWithBaseline(folder);
    }

    void cancelLeavesNoOutputs()
    {
        QDir().mkpath(out("cancelled"));
        StopToken stop;
        auto progress = [&stop](const Progress& p) {
            if (p.stage == "layer 3/5") stop.requestStop();
        };
        auto cancelled = compile::compileModel(options("cancelled"), progress, stop);
        QVERIFY(!cancelled.ok());
        QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
        QCOMPARE(compileOutputs(out("cancelled")).filter(QRegularExpression("^[^/]*$")),
                 QStringList());  // nothing but the work folder
        QCOMPARE(finishedLayers(out("cancelled/stories.lathe.work")), 2);

        // Cancelled during the write stage: still nothing under a final name.
        StopToken late;
        auto writeProgress = [&late](const Progress& p) {
            if (p.stage == "write") late.requestStop();
        };
        auto atWrite = compile::compileModel(options("cancelled"), writeProgress, late);
        QVERIFY(!atWrite.ok());
        QCOMPARE(atWrite.error().code, ErrorCode::Cancelled);
        QCOMPARE(compileOutputs(out("cancelled")).filter(QRegularExpression("^[^/]*$")), QStringList());
        QCOMPARE(finishedLayers(out("cancelled/stories.lathe.work")), 5);

        // The finished layers' rows reach the caller from the work folder, then the head's.
        auto o = options("cancelled");
        std::vector<int> reportedLayers;
        o.onLayerReport = [&](const compile::BlockReport& block, const std::vector<compile::LinearReport>& rows) {
            reportedLayers.push_back(block.layer);
            QCOMPARE(rows.size(), size_t(block.layer < 0 ? 1 : 7));
        };
        auto resumed = compile::compileModel(o);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE(resumed->resumedLayers, 5);
        QCOMPARE(reportedLayers, std::vector<int>({0, 1, 2, 3, 4, -1}));
        compareWithBaseline("cancelled");
    }

    void otherInputsStartOver()
    {
        QDir().mkpath(out("changed"));
        StopToken stop;
        auto progress = [&stop](const Progress& p) {
            if (p.stage == "layer 2/5") stop.requestStop();
        };
        QCOMPARE(compile::compileModel(options("changed"), progress, stop).error().code, ErrorCode::Cancelled);
        QCOMPARE(finishedLayers(out("changed/stories.lathe.work")), 1);

        // Another seed is another compile: the finished layer is not reused, and progress says so.
        auto o = options("changed");
        o.seed = 7;
        QString notes;
        auto other = compile::compileModel(o, [&notes](const Progress& p) {
            if (p.stage == "validate") notes += QString::fromStdString(p.detail) + "\n";
        });
        QVERIFY(other.ok());
        QCOMPARE(other->resumedLayers, 0);
        QVERIFY2(notes.contains("starting over"), qPrintable(notes));

        // --no-resume starts over too, and gives the uninterrupted bytes.
        QCOMPARE(compile::compileModel(options("changed"), progress, stop).error().code, ErrorCode::Cancelled);
        auto fresh = runCli(args("changed") << "--no-resume", {}, 900000);
        QVERIFY2(fresh.exitCode == 0, fresh.err.constData());
        QVERIFY(fresh.out.contains("(0 resumed)"));
        compareWithBaseline("changed");
    }
};

QTEST_GUILESS_MAIN(TestCompileResume)
#include "TestCompileResume.moc"
