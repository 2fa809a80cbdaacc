#include "TestSupport.h"

#include "lathe/data/LocalCorpus.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe;
using namespace lathe::data;

class TestLocalCorpus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void txtSplitsOnBlankLines();
    void txtFromSharedData();
    void jsonlFields();
    void jsonlErrorsNameTheLine_data();
    void jsonlErrorsNameTheLine();
    void invalidUtf8NamesTheLine();
    void limitsAndFormats();

private:
    std::string write(const QString& name, const QByteArray& content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return {};
        f.write(content);
        return path.toStdString();
    }

    QTemporaryDir m_dir;
};

void TestLocalCorpus::txtSplitsOnBlankLines()
{
    const std::string path = write(QStringLiteral("a.txt"),
                                   "\xEF\xBB\xBF"
                                   "First line\r\nsecond line\r\n\r\n\n  \t\nThird \xe7\x81\xab\xe6\x98\x9f\n\n");
    auto docs = readLocalCorpus(path);
    QVERIFY2(docs.ok(), docs.ok() ? "" : docs.error().message.c_str());
    QCOMPARE(docs->size(), std::size_t{2});
    QCOMPARE((*docs)[0].text, std::string("First line\nsecond line"));
    QCOMPARE((*docs)[0].id, std::string("0"));
    QCOMPARE((*docs)[1].text, std::string("Third \xe7\x81\xab\xe6\x98\x9f"));
    QCOMPARE((*docs)[1].id, std::string("1"));
    QVERIFY((*docs)[1].title.empty());
}

void TestLocalCorpus::txtFromSharedData()
{
    // PUD has one sentence per line and no blank lines: one document holding all 1,000 lines.
    auto docs = readLocalCorpus(test::sharedData(QStringLiteral("text/multilingual/pud/ja.txt")).toStdString());
    QVERIFY2(docs.ok(), docs.ok() ? "" : docs.error().message.c_str());
    QCOMPARE(docs->size(), std::size_t{1});
    const QByteArray raw = test::readAll(test::sharedData(QStringLiteral("text/multilingual/pud/ja.txt")));
    QCOMPARE(QByteArray::fromStdString(docs->front().text), raw.trimmed());
    QCOMPARE(std::count(docs->front().text.begin(), docs->front().text.end(), '\n'), 999);
}

void TestLocalCorpus::jsonlFields()
{
    const std::string path = write(QStringLiteral("b.jsonl"),
                                   "{\"id\": \"x1\", \"title\": \"Mars\", \"text\": \"Mars is red.\\nIt is cold.\"}\n"
                                   "\n"
                                   "{\"id\": 42, \"text\": \"\xe7\x81\xab\xe6\x98\x9f\", \"extra\": [1, 2]}\r\n"
                                   "{\"text\": null}\n"
                                   "{\"text\": \"\"}\n"
                                   "{\"text\": \"no id\"}");
    auto docs = readLocalCorpus(path);
    QVERIFY2(docs.ok(), docs.ok() ? "" : docs.error().message.c_str());
    QCOMPARE(docs->size(), std::size_t{3});
    QCOMPARE((*docs)[0].id, std::string("x1"));
    QCOMPARE((*docs)[0].title, std::string("Mars"));
    QCOMPARE((*docs)[0].text, std::string("Mars is red.\nIt is cold."));
    QCOMPARE((*docs)[1].id, std::string("42"));
    QCOMPARE((*docs)[1].text, std::string("\xe7\x81\xab\xe6\x98\x9f"));
    QCOMPARE((*docs)[2].id, std::string("6"));  // line number when there is no id
    QCOMPARE((*docs)[2].text, std::string("no id"));
}

void TestLocalCorpus::jsonlErrorsNameTheLine_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("mention");
    QTest::newRow("bad json") << QByteArray("{\"text\": \"a\"}\n{\"text\": \"b\"\n")
                              << QStringLiteral(":2: not valid JSON");
    QTest::newRow("not object") << QByteArray("{\"text\": \"a\"}\n\n[1, 2]\n")
                                << QStringLiteral(":3: expected a JSON object");
    QTest::newRow("no text") << QByteArray("{\"body\": \"a\"}\n") << QStringLiteral(":1: no string field \"text\"");
    QTest::newRow("number text") << QByteArray("{\"text\": \"a\"}\n{\"text\": 5}\n")
                                 << QStringLiteral(":2: no string field");
}

void TestLocalCorpus::jsonlErrorsNameTheLine()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, mention);
    const std::string path = write(QStringLiteral("bad.jsonl"), content);
    auto docs = readLocalCorpus(path);
    QVERIFY(!docs.ok());
    QCOMPARE(docs.error().code, ErrorCode::Corrupt);
    QVERIFY2(docs.error().message.find(path + mention.toStdString()) != std::string::npos,
             docs.error().message.c_str());
}

void TestLocalCorpus::invalidUtf8NamesTheLine()
{
    for (const char* ext : {"c.txt", "c.jsonl"}) {
        const std::string path = write(QString::fromLatin1(ext), "{\"text\": \"ok\"}\n{\"text\": \"caf\xe9\"}\n");
        auto docs = readLocalCorpus(path);
        QVERIFY(!docs.ok());
        QCOMPARE(docs.error().code, ErrorCode::Corrupt);
        QVERIFY2(docs.error().message.find(path + ":2: invalid UTF-8") != std::string::npos,
                 docs.error().message.c_str());
    }
}

void TestLocalCorpus::limitsAndFormats()
{
    const std::string path = write(QStringLiteral("d.txt"), "a\n\nb\n\nc\n\nd\n");
    LocalCorpusOptions options;
    options.maxDocuments = 2;
    auto two = readLocalCorpus(path, options);
    QVERIFY(two.ok());
    QCOMPARE(two->size(), std::size_t{2});
    QCOMPARE(two->back().text, std::string("b"));

    const std::string jsonl = write(QStringLiteral("e.jsonl"), "{\"body\": \"x\"}\n{\"body\": \"y\"}\n");
    options.maxDocuments.reset();
    options.textField = "body";
    auto bodies = readLocalCorpus(jsonl, options);
    QVERIFY(bodies.ok());
    QCOMPARE(bodies->size(), std::size_t{2});

    auto unknown = readLocalCorpus(write(QStringLiteral("f.csv"), "a,b\n"));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, ErrorCode::Unsupported);
    auto missing = readLocalCorpus(m_dir.filePath(QStringLiteral("nothing.txt")).toStdString());
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::NotFound);

    StopToken stop;
    stop.requestStop();
    std::string big;
    for (int i = 0; i < 10000; ++i) big += "line " + std::to_string(i) + "\n\n";
    auto cancelled = readLocalCorpus(write(QStringLiteral("g.txt"), QByteArray::fromStdString(big)), {}, stop);
    QVERIFY(!cancelled.ok());
    QCOMPARE(cancelled.error().code, ErrorCode::Cancelled);
}

QTEST_GUILESS_MAIN(TestLocalCorpus)
#include "TestLocalCorpus.moc"
