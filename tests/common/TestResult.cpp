#include "lathe/common/Progress.h"
#include "lathe/common/Result.h"

#include <QTest>

using namespace lathe;

namespace {
Result<int> half(int x)
{
    if (x % 2 != 0) return makeError(ErrorCode::InvalidArgument, "odd: " + std::to_string(x));
    return x / 2;
}

Result<void> quarter(int x, int& out)
{
    auto h = half(x);
    if (!h) return h.error().withContext("quarter");
    auto q = half(*h);
    if (!q) return q.error().withContext("quarter");
    out = *q;
    return {};
}
}  // namespace

class TestResult : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void valueAndError()
    {
        auto ok = half(8);
        QVERIFY(ok.ok());
        QCOMPARE(*ok, 4);
        auto bad = half(3);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(QString::fromStdString(bad.error().message), QStringLiteral("odd: 3"));
    }
    void contextIsPrefixed()
    {
        int out = 0;
        QVERIFY(quarter(12, out).ok());
        QCOMPARE(out, 3);
        auto r = quarter(6, out);
        QVERIFY(!r.ok());
        QCOMPARE(QString::fromStdString(r.error().message), QStringLiteral("quarter: odd: 3"));
    }
    void stopTokenCopiesShareState()
    {
        StopToken a;
        StopToken b = a;
        QVERIFY(!b.stopRequested());
        a.requestStop();
        QVERIFY(b.stopRequested());
    }
};

QTEST_GUILESS_MAIN(TestResult)
#include "TestResult.moc"
