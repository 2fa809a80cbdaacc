#include "TestSupport.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

// A GGUF import without --tokenizer rebuilds tokenizer.model from the GGUF vocabulary. sentencepiece's
// own spm_encode (Debian package) must tokenize TinyStories text with it exactly as with the original
// tok512.model.
class TestSpmSynthesis : public QObject {
    Q_OBJECT

    static QByteArray encode(const QString& model, const QString& input)
    {
        const auto r = runProcess(QStringLiteral("spm_encode"),
                                  {QStringLiteral("--model=") + model, QStringLiteral("--output_format=id"), input});
        if (r.exitCode != 0) qWarning("spm_encode failed: %s", r.err.constData());
        return r.exitCode == 0 ? r.out : QByteArray();
    }

private Q_SLOTS:
    void encodesLikeTheOriginal()
    {
        QTemporaryDir dir;
        const QString model = dir.filePath("stories260K");
        const auto r = runCli({"import", "--from", sharedData("models/stories260K/stories260K.gguf"), "--out", model});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString original = sharedData("models/stories260K/tok512.model");
        const QString synthesized = model + "/tokenizer.model";
        QVERIFY(readAll(synthesized) != readAll(original));  // rebuilt, not copied

        QList<QByteArray> lines;
        for (const QByteArray& line : readAll(sharedData("text/tinystories/tinystories_validation_first1000.txt")).split('\n'))
            if (!line.trimmed().isEmpty() && lines.size() < 400) lines << line;
        QCOMPARE(lines.size(), 400);
        const QString input = dir.filePath("input.txt");
        QFile f(input);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(lines.join('\n') + '\n');
        f.close();

        const QByteArray a = encode(original, input), b = encode(synthesized, input);
        QCOMPARE(a.count('\n'), 400);
        QVERIFY(a.size() > 10000);
        if (a != b) {
            const auto la = a.split('\n'), lb = b.split('\n');
            for (int i = 0; i < la.size(); ++i)
                if (la[i] != lb.value(i)) QFAIL(qPrintable(QStringLiteral("line %1 differs: %2 vs %3").arg(i).arg(
                    QString::fromLatin1(la[i]), QString::fromLatin1(lb.value(i)))));
        }
        QCOMPARE(b, a);
    }
};

QTEST_GUILESS_MAIN(TestSpmSynthesis)
#include "TestSpmSynthesis.moc"
