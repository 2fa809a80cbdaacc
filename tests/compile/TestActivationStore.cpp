#include "compile/ActivationStore.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::compile;

class TestActivationStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { at::manual_seed(3); }

    void keepsExactValuesAndSpillsBeyondTheBudget()
    {
        QTemporaryDir dir;
        const QString spill = dir.filePath(QStringLiteral("spill"));
        // Room for one [1, 4, 8] fp32 sample (128 bytes); the second goes to a file.
        ActivationStore store(spill.toStdString(), 128);
        const at::Tensor a = at::randn({1, 4, 8}), b = at::randn({1, 4, 8});
        QVERIFY(store.put("s", 0, a, StreamPrecision::Exact).ok());
        QVERIFY(store.put("s", 1, b, StreamPrecision::Exact).ok());
        QCOMPARE(store.bytesInMemory(), int64_t(128));
        QCOMPARE(store.bytesSpilled(), int64_t(128));
        QCOMPARE(QDir(spill).entryList(QDir::Files).size(), 1);
        QVERIFY(at::equal(*store.get("s", 0), a));
        QVERIFY(at::equal(*store.get("s", 1), b));
        // The stored copy does not follow later changes to the caller's tensor.
        a.add_(1.0);
        QVERIFY(!at::equal(*store.get("s", 0), a));
    }

    void takeReleasesOneSampleAtOnce()
    {
        QTemporaryDir dir;
        const QString spill = dir.filePath(QStringLiteral("spill"));
        ActivationStore store(spill.toStdString(), 128);
        const at::Tensor a = at::randn({1, 4, 8}), b = at::randn({1, 4, 8}), c = at::randn({1, 4, 8});
        QVERIFY(store.put("s", 0, a, StreamPrecision::Exact).ok());
        QVERIFY(store.put("s", 1, b, StreamPrecision::Exact).ok());
        auto first = store.take("s", 0);
        QVERIFY(first.ok());
        QVERIFY(at::equal(*first, a));
        QCOMPARE(store.bytesInMemory(), int64_t(0));
        QVERIFY(!store.get("s", 0).ok());
        // The freed budget takes the next sample in memory.
        QVERIFY(store.put("t", 0, c, StreamPrecision::Exact).ok());
        QCOMPARE(store.bytesInMemory(), int64_t(128));
        // A spilled sample's file goes with it.
        auto second = store.take("s", 1);
        QVERIFY(second.ok());
        QVERIFY(at::equal(*second, b));
        QCOMPARE(store.bytesSpilled(), int64_t(0));
        QCOMPARE(QDir(spill).entryList(QDir::Files).size(), 0);
        QVERIFY(!store.take("s", 1).ok());
        QVERIFY(!store.take("missing", 0).ok());
    }
};

QTEST_GUILESS_MAIN(TestActivationStore)
#include "TestActivationStore.moc"
