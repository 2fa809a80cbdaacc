// `lathe chat-template`, run as a subprocess on model folders written here: where the template is found, the
// special tokens it sees, the flags, and the errors a user meets.
#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace lathe::test;

namespace {

// Prints every variable a template gets from the tokenizer and the flags, so one expected string checks them.
const char* kTemplate =
    "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content | trim }}\n{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
    "{% if enable_thinking is defined %}<think={{ enable_thinking }}>{% endif %}{{ eos_token }}";

const char* kMessages = R"([{"role": "system", "content": " Be brief. "},
                            {"role": "user", "content": "Hi, 세계!"}])";

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QByteArray config(const QJsonValue& chatTemplate)
{
    QJsonObject o{{"bos_token", QJsonObject{{"content", "<s>"}, {"__type", "AddedToken"}}},
                  {"eos_token", "</s>"},
                  {"unk_token", QJsonValue::Null}};
    if (!chatTemplate.isUndefined()) o["chat_template"] = chatTemplate;
    return QJsonDocument(o).toJson();
}

}  // namespace

class TestChatTemplateCommand : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        writeFile(m_tmp.filePath("messages.json"), kMessages);
        QDir(m_tmp.path()).mkdir("plain");
        writeFile(m_tmp.filePath("plain/tokenizer_config.json"), config(QString(kTemplate)));
        QDir(m_tmp.path()).mkdir("named");
        writeFile(
            m_tmp.filePath("named/tokenizer_config.json"),
            config(QJsonArray{QJsonObject{{"name", "default"}, {"template", QString(kTemplate)}},
                              QJsonObject{{"name", "tool_use"},
                                          {"template", "TOOLS {{ tools | length if tools is not none else 0 }}"}}}));
        QDir(m_tmp.path()).mkdir("jinja");
        writeFile(m_tmp.filePath("jinja/tokenizer_config.json"), config(QString("from tokenizer_config")));
        writeFile(m_tmp.filePath("jinja/chat_template.jinja"), "from the .jinja file {{ messages | length }}");
        QDir(m_tmp.path()).mkdir("none");
        writeFile(m_tmp.filePath("none/tokenizer_config.json"), config(QJsonValue::Undefined));
    }

    void renders_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("expected");
        const QString messages = m_tmp.filePath("messages.json");
        const QString plain = m_tmp.filePath("plain");
        QTest::newRow("tokenizer_config string") << QStringList{"--model-path", plain, "--messages", messages}
                                                 << QByteArray("<s>[system] Be brief.\n[user] Hi, 세계!\n</s>");
        QTest::newRow("generation prompt")
            << QStringList{"--model-path", plain, "--messages", messages, "--add-generation-prompt"}
            << QByteArray("<s>[system] Be brief.\n[user] Hi, 세계!\n[assistant]</s>");
        QTest::newRow("enable thinking off")
            << QStringList{"--model_path", plain, "--messages", messages, "--enable-thinking", "false"}
            << QByteArray("<s>[system] Be brief.\n[user] Hi, 세계!\n<think=false></s>");
        QTest::newRow("named list, default")
            << QStringList{"--model-path", m_tmp.filePath("named"), "--messages", messages}
            << QByteArray("<s>[system] Be brief.\n[user] Hi, 세계!\n</s>");
        QTest::newRow("named list, by name") << QStringList{"--model-path", m_tmp.filePath("named"), "--messages",
                                                            messages,       "--template-name",       "tool_use"}
                                             << QByteArray("TOOLS 0");
        QTest::newRow("chat_template.jinja wins")
            << QStringList{"--model-path", m_tmp.filePath("jinja"), "--messages", messages}
            << QByteArray("from the .jinja file 2");
        const QString file = m_tmp.filePath("own.jinja");
        writeFile(file, "{{ bos_token }}{{ messages[-1]['content'] }}");
        QTest::newRow("--chat-template with the model's tokens")
            << QStringList{"--chat-template", file, "--model-path", plain, "--messages", messages}
            << QByteArray("<s>Hi, 세계!");
        QTest::newRow("--chat-template alone")
            << QStringList{"--chat-template", file, "--messages", messages} << QByteArray("Hi, 세계!");
    }

    void renders()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, expected);
        const auto run = runCli(QStringList{"chat-template"} + args);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out, expected);
    }

    // A conversation that carries tools picks the list's tool_use template, as transformers does.
    void toolsPickToolUse()
    {
        const QString file = m_tmp.filePath("tools.json");
        writeFile(file, R"({"tools": [{"type": "function"}, {"type": "function"}],
                            "messages": [{"role": "user", "content": "x"}]})");
        const auto run = runCli({"chat-template", "--model-path", m_tmp.filePath("named"), "--messages", file});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QCOMPARE(run.out, QByteArray("TOOLS 2"));
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QByteArray>("messages");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("mentions");
        const QString plain = m_tmp.filePath("plain");
        QTest::newRow("no template") << QStringList{"--model-path", m_tmp.filePath("none")} << QByteArray(kMessages)
                                     << 3 << "has no chat template";
        QTest::newRow("unknown name") << QStringList{"--model-path", m_tmp.filePath("named"), "--template-name", "rag"}
                                      << QByteArray(kMessages) << 3 << "offers: default, tool_use";
        QTest::newRow("messages not JSON")
            << QStringList{"--model-path", plain} << QByteArray("[{\"role\": ") << 2 << "not valid JSON";
        QTest::newRow("message without role")
            << QStringList{"--model-path", plain} << QByteArray(R"([{"content": "hi"}])") << 2 << "message 0";
        QTest::newRow("neither model nor template")
            << QStringList{} << QByteArray(kMessages) << 2 << "needs --model-path, --chat-template";
        const QString raising = m_tmp.filePath("raising.jinja");
        writeFile(raising,
                  "line one\n{% if messages | length > 1 %}{{ raise_exception('Only one message, please') }}"
                  "{% endif %}");
        QTest::newRow("raise_exception") << QStringList{"--chat-template", raising} << QByteArray(kMessages) << 2
                                         << "Only one message, please";
        const QString unsupported = m_tmp.filePath("unsupported.jinja");
        writeFile(unsupported, "ok\n  {% include 'other.jinja' %}");
        QTest::newRow("unsupported construct")
            << QStringList{"--chat-template", unsupported} << QByteArray(kMessages) << 5 << "unsupported.jinja:2:";
    }

    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(QByteArray, messages);
        QFETCH(int, exitCode);
        QFETCH(QString, mentions);
        const QString file = m_tmp.filePath("bad-messages.json");
        writeFile(file, messages);
        const auto run = runCli(QStringList{"chat-template", "--messages", file} + args);
        QVERIFY2(run.err.contains(mentions.toUtf8()), run.err.constData());
        QCOMPARE(run.exitCode, exitCode);
        QCOMPARE(run.out, QByteArray());
    }

private:
    QTemporaryDir m_tmp;
};

QTEST_GUILESS_MAIN(TestChatTemplateCommand)
#include "TestChatTemplateCommand.moc"
