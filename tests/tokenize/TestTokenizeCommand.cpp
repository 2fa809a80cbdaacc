// `lathe tokenize`, run as a subprocess, including a broken sentencepiece module location.
#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace lathe::test;

namespace {

const QString kTok512 = QStringLiteral("models/stories260K/tok512.model");

QString writeTemp(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(bytes);
    return f.fileName();
}

}  // namespace

class TestTokenizeCommand : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Expected ids come from `spm_encode --model=tok512.model --output_format=id`.
    void printsIds_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("expected");
        const QString tok = sharedData(kTok512);
        QTest::newRow("text") << QStringList{"--tokenizer", tok, "--text", "Once upon a time"}
                              << QByteArray("1 403 407 261 378\n");
        QTest::newRow("no special") << QStringList{"--tokenizer", tok, "--text", "Once upon a time", "--no-special"}
                                    << QByteArray("403 407 261 378\n");
        QTest::newRow("underscore spellings")
            << QStringList{"--tokenizer_path", tok, "--text", "hello", "--no_special"} << QByteArray("281 306 414\n");
        // A text in brackets is one text, not a list of options (CLI11's list syntax is off for --text).
        QTest::newRow("text in brackets")
            << QStringList{"--tokenizer", tok, "--text", "[INST] hi [/INST]"}
            << QByteArray("1 410 508 442 458 437 434 509 270 417 410 508 492 442 458 437 434 509\n");
        QTest::newRow("two texts") << QStringList{"--tokenizer", tok, "--text", "Once upon a time", "--text", "hello"}
                                   << QByteArray("1 403 407 261 378\n1 281 306 414\n");
        QTest::newRow("split text") << QStringList{"--tokenizer", tok, "--text", "Once upon a time|hello", "--split-on", "|"}
                                    << QByteArray("1 403 407 261 378\n1 281 306 414\n");
        QTest::newRow("empty text") << QStringList{"--tokenizer", tok, "--text", "", "--no-special"} << QByteArray("\n");
    }

    void printsIds()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, expected);
        const auto run = runCli(QStringList{"tokenize"} + args);
        QVERIFY2(!run.crashed && run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out, expected);
    }

    void textFileSplitOnNewlines()
    {
        QTemporaryDir dir;
        const QString file = writeTemp(dir, "in.txt", "Once upon a time\nhello\nThe cat sat.\n");
        auto run = runCli({"tokenize", "--tokenizer", sharedData(kTok512), "--text-file", file, "--split-on", "\\n",
                           "--no-special"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out, QByteArray("403 407 261 378\n281 306 414\n291 280 294 262 294 426\n"));

        // Without --split-on the whole file is one input, newlines included (<0x0A> is id 13).
        run = runCli({"tokenize", "--tokenizer", sharedData(kTok512), "--text_file", file, "--no-special"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out.count('\n'), 1);
        QVERIFY(run.out.startsWith("403 407 261 378 13 "));
    }

    void usageErrors()
    {
        auto run = runCli({"tokenize", "--tokenizer", sharedData(kTok512)});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--text"), run.err.constData());

        run = runCli({"tokenize", "--tokenizer", sharedData(kTok512), "--text", "a", "--text-file", "/etc/hostname"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("exactly one of"), run.err.constData());
        QVERIFY(run.out.isEmpty());

        run = runCli({"tokenize", "--tokenizer", "/nonexistent/tokenizer.model", "--text", "a"});
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("/nonexistent/tokenizer.model"), run.err.constData());

        run = runCli({"tokenize", "--tokenizer", sharedData(kTok512), "--text-file", "/nonexistent/in.txt"});
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.err.contains("/nonexistent/in.txt"), run.err.constData());
    }

    // LATHE_SPM_MODULE overrides the module search; a bad value is a clear error, never a crash.
    void badModulePath_data()
    {
        QTest::addColumn<QString>("module");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("missing") << "/nonexistent/liblathe_spm.so" << 3
                                 << QStringList{"/nonexistent/liblathe_spm.so", "LATHE_SPM_MODULE", "no such file"};
        QTest::newRow("not a library") << "TEXT" << 4 << QStringList{"notalib.so", "LATHE_SPM_MODULE"};
        QTest::newRow("other library") << "/lib/x86_64-linux-gnu/libz.so.1" << 4
                                       << QStringList{"libz.so.1", "missing lathe_spm_load"};
    }

    void badModulePath()
    {
        QFETCH(QString, module);
        QFETCH(int, exitCode);
        QFETCH(QStringList, mentions);
        QTemporaryDir dir;
        if (module == "TEXT") module = writeTemp(dir, "notalib.so", QByteArray(200, 'x'));
        const auto run = runCli({"tokenize", "--tokenizer", sharedData(kTok512), "--text", "hello"},
                                {"LATHE_SPM_MODULE=" + module});
        QVERIFY(!run.crashed);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY(run.out.isEmpty());
        for (const QString& m : mentions) QVERIFY2(run.err.contains(m.toUtf8()), run.err.constData());
    }

    // The module is looked up next to the executable, then in ../lib/lathe (the installed layout), before
    // the build tree. LD_DEBUG=files shows which copy the dynamic linker opened.
    void moduleSearchOrder_data()
    {
        QTest::addColumn<bool>("besideExecutable");
        QTest::newRow("installed layout") << false;
        QTest::newRow("next to executable") << true;
    }

    void moduleSearchOrder()
    {
        QFETCH(bool, besideExecutable);
        QTemporaryDir dir;
        QVERIFY(QDir().mkpath(dir.filePath("bin")) && QDir().mkpath(dir.filePath("lib/lathe")));
        const QString exe = dir.filePath("bin/lathe");
        // A hard link keeps /proc/self/exe inside the temporary tree without copying 80 MB, when possible.
        if (::link(QFile::encodeName(cliPath()).constData(), QFile::encodeName(exe).constData()) != 0)
            QVERIFY(QFile::copy(cliPath(), exe));
        const QString built = QStringLiteral(LATHE_BINARY_DIR) + "/core/spm/liblathe_spm.so";
        QVERIFY(QFile::copy(built, dir.filePath("lib/lathe/liblathe_spm.so")));
        if (besideExecutable) QVERIFY(QFile::copy(built, dir.filePath("bin/liblathe_spm.so")));
        const QString expected = dir.filePath(besideExecutable ? "bin/liblathe_spm.so" : "lib/lathe/liblathe_spm.so");

        const auto run = runProcess(exe, {"tokenize", "--tokenizer", sharedData(kTok512), "--text", "hello"},
                                    {"LD_DEBUG=files", "LATHE_SPM_MODULE"});
        QVERIFY2(run.exitCode == 0, run.err.right(2000).constData());
        QCOMPARE(run.out, QByteArray("1 281 306 414\n"));
        QVERIFY2(run.err.contains(("file=" + expected + " [0];  dynamically loaded").toUtf8()),
                 run.err.right(3000).constData());
        QVERIFY(!run.err.contains(built.toUtf8()));
    }

    void goodModulePathOverride()
    {
        const auto run = runCli({"tokenize", "--tokenizer", sharedData(kTok512), "--text", "hello"},
                                {"LATHE_SPM_MODULE=" + QStringLiteral(LATHE_BINARY_DIR) + "/core/spm/liblathe_spm.so"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out, QByteArray("1 281 306 414\n"));
    }
};

QTEST_GUILESS_MAIN(TestTokenizeCommand)
#include "TestTokenizeCommand.moc"
