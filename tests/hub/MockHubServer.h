#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <memory>

namespace lathe::test {

// Runs tests/hub/mockhub/mock_hub.py (a loopback Hugging Face Hub + CDN) as a child process and talks to
// it over its standard input: fault injection, request log, signed URLs. One instance = one server;
// the destructor stops it. Not thread-safe: use it from the thread that created it.
class MockHubServer {
public:
    enum class RepoKind { Public, Gated, Private };
    struct Repo {
        QString id;   // "Org/Name"
        QString dir;  // a Hugging Face model folder; model.safetensors is split into `shards` files
        RepoKind kind = RepoKind::Public;
    };
    struct User {
        QString token;
        QString name;
        QString tokenName;      // what whoami reports as auth.accessToken.displayName
        bool approved = false;  // may read gated and private repos
    };
    struct Options {
        QList<Repo> repos;
        QList<User> users;
        QStringList renames;    // "Old/Name=New/Name": relative redirects
        int shards = 3;
        int pageSize = 2;       // models listed per page (Link paging)
        int extraModels = 0;    // synthetic entries in /api/models
        QList<Repo> datasetRepos;  // dataset repos: `dir`'s files served as they are (kind is ignored: public)
    };

    explicit MockHubServer(Options options);
    ~MockHubServer();
    MockHubServer(const MockHubServer&) = delete;
    MockHubServer& operator=(const MockHubServer&) = delete;

    bool start(QString* error = nullptr);  // waits until both ports are known
    void stop();
    bool isRunning() const;

    QString endpoint() const;  // http://127.0.0.1:<hub port>
    int hubPort() const { return m_hubPort; }
    int cdnPort() const { return m_cdnPort; }

    // One stdin command; returns the parsed REPLY (null on timeout). See mock_hub.py for the commands.
    QJsonValue command(const QString& line, int timeoutMs = 15000);
    bool configure(const QJsonObject& faults);  // merges fault settings
    bool reset();                               // no faults, empty log
    QJsonArray requestLog();
    void clearLog();

    static QString scriptDirectory();
    static QString python();  // Debian's /usr/bin/python3, not whatever is first on PATH
    // Writes a small Llama-shaped HF model folder (config, tokenizer files, model.safetensors of ~1 MB).
    static bool makeSyntheticModel(const QString& dir, QString* error = nullptr);

private:
    QByteArray readLine(int timeoutMs);

    Options m_options;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_buffer;
    int m_hubPort = 0;
    int m_cdnPort = 0;
};

}  // namespace lathe::test
