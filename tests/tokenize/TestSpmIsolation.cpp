// sentencepiece (with Debian's bundled protobuf 3.14) and libtorch (protobuf 3.21) in one process.
#include "TestSupport.h"

#include "lathe/tokenize/Tokenizer.h"

#include <ATen/ATen.h>
#include <torch/serialize.h>

#include <link.h>

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <iterator>

using namespace lathe;
using namespace lathe::test;

namespace {

QStringList loadedLibraries()
{
    QStringList names;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            static_cast<QStringList*>(data)->append(QString::fromLocal8Bit(info->dlpi_name));
            return 0;
        },
        &names);
    return names;
}

bool anyContains(const QStringList& names, const QString& part)
{
    for (const QString& n : names)
        if (n.contains(part)) return true;
    return false;
}

const QString kTok512 = QStringLiteral("models/stories260K/tok512.model");
// spm_encode --model=tok512.model --output_format=id <<< "Once upon a time"
const std::vector<int32_t> kOnceUponATime = {403, 407, 261, 378};

}  // namespace

class TestSpmIsolation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void encodeMatmulAndPickleInOneProcess()
    {
        auto tokenizer = tokenize::Tokenizer::load(sharedData(kTok512).toStdString());
        QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
        auto ids = (*tokenizer)->encode("Once upon a time", false);
        QVERIFY(ids.ok());
        QCOMPARE(*ids, kOnceUponATime);

        // The conflict is only real when libtorch's protobuf is loaded next to sentencepiece's.
        const QStringList libs = loadedLibraries();
        QVERIFY2(anyContains(libs, "libprotobuf.so.32"), qPrintable(libs.join('\n')));
        QVERIFY2(anyContains(libs, "libsentencepiece.so.0"), qPrintable(libs.join('\n')));

        const at::Tensor a = at::arange(6, at::kFloat).reshape({2, 3});
        const at::Tensor b = at::arange(6, at::kFloat).reshape({3, 2});
        const at::Tensor product = at::matmul(a, b);
        // [[0,1,2],[3,4,5]] x [[0,1],[2,3],[4,5]]
        const std::vector<float> expected = {10, 13, 28, 40};
        QCOMPARE(std::vector<float>(product.data_ptr<float>(), product.data_ptr<float>() + 4), expected);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string file = dir.filePath("product.pt").toStdString();
        {
            const std::vector<char> bytes = torch::pickle_save(product);
            std::ofstream out(file, std::ios::binary);
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            QVERIFY(out.good());
        }
        std::ifstream in(file, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QVERIFY(bytes.size() > 64);
        const at::Tensor back = torch::pickle_load(bytes).toTensor();
        QVERIFY(at::equal(back, product));

        // Still usable after libtorch's protobuf has been exercised by serialisation.
        auto again = (*tokenizer)->encode("Once upon a time", false);
        QVERIFY(again.ok());
        QCOMPARE(*again, kOnceUponATime);
        auto mistral =
            tokenize::Tokenizer::load(sharedData("tokenizers/mistral-7b-v0.1/tokenizer.model").toStdString());
        QVERIFY(mistral.ok());
        QCOMPARE(*(*mistral)->encode("Hello world", false), (std::vector<int32_t>{22557, 1526}));
    }

    // With LD_DEBUG=bindings the dynamic linker logs every symbol binding. libsentencepiece's protobuf
    // references must land in libsentencepiece itself, never in libtorch's libprotobuf.so.32 -- except
    // for the two GNU_UNIQUE statics of ShutdownData::get(), which glibc unifies process-wide whatever
    // the dlopen flags (both versions define the same struct there, and nothing shuts protobuf down).
    void bundledProtobufIsNotInterposed()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString prefix = dir.filePath("ld");
        const auto run = runProcess(QStringLiteral(LATHE_SPM_PROBE_PATH), {"core", sharedData(kTok512)},
                                    {"LD_DEBUG=bindings", "LD_DEBUG_OUTPUT=" + prefix}, 120000);
        QVERIFY2(!run.crashed && run.exitCode == 0, run.out.constData());
        QCOMPARE(run.out.trimmed(), QByteArray("403 407 261 378"));

        const QStringList logs = QDir(dir.path()).entryList({"ld.*"}, QDir::Files);
        QCOMPARE(logs.size(), 1);
        QFile log(dir.filePath(logs.first()));
        QVERIFY(log.open(QIODevice::ReadOnly));

        const QSet<QByteArray> allowedUnique = {"_ZZN6google8protobuf8internal12ShutdownData3getEvE4data",
                                                "_ZGVZN6google8protobuf8internal12ShutdownData3getEvE4data"};
        int ownProtobuf = 0;
        int torchToProtobuf = 0;
        QList<QByteArray> interposed;
        while (!log.atEnd()) {
            const QByteArray line = log.readLine();
            // "binding file <from> [0] to <to> [0]: normal symbol `<name>' [...]"
            const int fromAt = line.indexOf("binding file ");
            if (fromAt < 0) continue;
            const int toAt = line.indexOf(" to ", fromAt);
            const int nameAt = line.indexOf('`', toAt);
            const int nameEnd = line.indexOf('\'', nameAt);
            if (toAt < 0 || nameAt < 0 || nameEnd < 0) continue;
            const QByteArray from = line.mid(fromAt + 13, toAt - fromAt - 13);
            const QByteArray to = line.mid(toAt + 4, nameAt - toAt - 4);
            const QByteArray name = line.mid(nameAt + 1, nameEnd - nameAt - 1);
            if (from.contains("libtorch") && to.contains("libprotobuf.so.32")) ++torchToProtobuf;
            if (!from.contains("libsentencepiece.so") || !name.contains("6google8protobuf")) continue;
            if (to.contains("libsentencepiece.so"))
                ++ownProtobuf;
            else if (!allowedUnique.contains(name))
                interposed.append(name + " -> " + to);
        }
        // The log must show the situation being guarded against: libtorch really uses libprotobuf.so.32,
        // and sentencepiece really binds many protobuf symbols.
        qInfo("bindings: libsentencepiece->own protobuf %d, libtorch->libprotobuf.so.32 %d, interposed %lld",
              ownProtobuf, torchToProtobuf, static_cast<long long>(interposed.size()));
        QVERIFY2(torchToProtobuf > 0, "libtorch never bound to libprotobuf.so.32; the check proves nothing");
        QVERIFY2(ownProtobuf > 500, qPrintable(QString::number(ownProtobuf)));
        QVERIFY2(interposed.isEmpty(), interposed.join('\n').constData());
    }

    // Without RTLD_DEEPBIND the same module fails in a libtorch process: this is what the isolation prevents,
    // and shows that the checks above can fail.
    void plainDlopenBreaks()
    {
        const auto run = runProcess(QStringLiteral(LATHE_SPM_PROBE_PATH), {"plain", sharedData(kTok512)}, {}, 120000);
        QVERIFY2(run.crashed || run.exitCode != 0, run.out.constData());
        QVERIFY(!run.out.contains("403 407 261 378"));
    }
};

QTEST_GUILESS_MAIN(TestSpmIsolation)
#include "TestSpmIsolation.moc"
