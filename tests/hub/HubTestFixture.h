#pragma once

// Shared set-up for the Hub tests: one synthetic model folder, a mock Hub serving it as a public, a gated and a
// private repo (plus a renamed alias), and two users: alice (approved for gated/private) and bob (not).
#include "MockHubServer.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>

#include <memory>

namespace lathe::test {

inline const QString kPublicRepo = QStringLiteral("mock-org/tiny-llama");
inline const QString kGatedRepo = QStringLiteral("mock-org/gated-llama");
inline const QString kPrivateRepo = QStringLiteral("alice/private-llama");
inline const QString kRenamedRepo = QStringLiteral("mock-org/old-llama");
inline const QString kAliceToken = QStringLiteral("hf_aliceTOKENaliceTOKEN");
inline const QString kBobToken = QStringLiteral("hf_bobTOKENbobTOKENbob");

class HubTestFixture {
public:
    bool setUp(QString* error, int extraModels = 0)
    {
        m_modelDir = std::make_unique<QTemporaryDir>();
        if (!MockHubServer::makeSyntheticModel(m_modelDir->path(), error)) return false;
        MockHubServer::Options o;
        o.repos = {{kPublicRepo, m_modelDir->path(), MockHubServer::RepoKind::Public},
                   {kGatedRepo, m_modelDir->path(), MockHubServer::RepoKind::Gated},
                   {kPrivateRepo, m_modelDir->path(), MockHubServer::RepoKind::Private}};
        o.users = {{kAliceToken, QStringLiteral("alice"), QStringLiteral("alice-laptop"), true},
                   {kBobToken, QStringLiteral("bob"), QStringLiteral("bob-read"), false}};
        o.renames = {kRenamedRepo + QLatin1Char('=') + kPublicRepo};
        o.extraModels = extraModels;
        m_server = std::make_unique<MockHubServer>(o);
        return m_server->start(error);
    }

    MockHubServer& server() { return *m_server; }
    QString modelDir() const { return m_modelDir->path(); }

    // Log entries matching server ("hub"/"cdn"), method and a path substring.
    QList<QJsonObject> requests(const QString& server, const QString& method = {}, const QString& pathPart = {})
    {
        QList<QJsonObject> out;
        for (const auto& v : m_server->requestLog()) {
            const QJsonObject e = v.toObject();
            if (!server.isEmpty() && e.value(QStringLiteral("server")).toString() != server) continue;
            if (!method.isEmpty() && e.value(QStringLiteral("method")).toString() != method) continue;
            if (!pathPart.isEmpty() && !e.value(QStringLiteral("path")).toString().contains(pathPart)) continue;
            out.push_back(e);
        }
        return out;
    }

    static QString header(const QJsonObject& entry, const QString& name)
    {
        const QJsonObject h = entry.value(QStringLiteral("headers")).toObject();
        for (auto it = h.begin(); it != h.end(); ++it)
            if (it.key().compare(name, Qt::CaseInsensitive) == 0) return it.value().toString();
        return {};
    }

    static QByteArray sha256Hex(const QString& path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) return {};
        QCryptographicHash h(QCryptographicHash::Sha256);
        h.addData(&f);
        return h.result().toHex();
    }

private:
    std::unique_ptr<QTemporaryDir> m_modelDir;
    std::unique_ptr<MockHubServer> m_server;
};

}  // namespace lathe::test
