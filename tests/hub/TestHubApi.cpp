// whoami, search with Link paging, model info and access checks against the mock Hub.
#include "HubTestFixture.h"
#include "TestSupport.h"

#include "lathe/hub/HubClient.h"

#include <QElapsedTimer>
#include <QTest>
#include <QUrlQuery>

using namespace lathe;
using namespace lathe::hub;
using namespace lathe::test;

class TestHubApi : public QObject {
    Q_OBJECT

    HubTestFixture m_fx;

    HubConfig config(const QString& token = {})
    {
        HubConfig c;
        c.endpoint = m_fx.server().endpoint().toStdString() + "/";  // a trailing slash must not matter
        c.endpoint.pop_back();
        c.implicitToken = false;
        if (!token.isEmpty()) c.token = token.toStdString();
        c.retry.waitScale = 0.01;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_fx.setUp(&error, 7), qPrintable(error));
    }
    void init() { QVERIFY(m_fx.server().reset()); }

    void whoamiValidatesTokens()
    {
        HubClient client(config(kAliceToken));
        auto w = client.whoami();
        QVERIFY(w.ok());
        QCOMPARE(QString::fromStdString(w->name), QStringLiteral("alice"));
        QCOMPARE(QString::fromStdString(w->tokenName), QStringLiteral("alice-laptop"));
        QCOMPARE(QString::fromStdString(w->tokenRole), QStringLiteral("read"));
        QCOMPARE(w->orgs, std::vector<std::string>{"mock-org"});
        QCOMPARE(client.token()->source, TokenSource::Explicit);

        auto bad = client.whoami("hf_wrong");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, ErrorCode::Auth);
        QVERIFY(!QString::fromStdString(bad.error().message).contains("hf_wrong"));

        HubClient anon(config());
        QCOMPARE(anon.whoami().error().code, ErrorCode::Auth);
    }

    void whoamiRetries429AndIsCached()
    {
        QVERIFY(m_fx.server().configure(QJsonObject{{"fail", QJsonArray{QJsonObject{
            {"where", "whoami"}, {"status", 429}, {"times", 1}, {"headers", QJsonObject{{"Retry-After", "1"}}}}}}}));
        HubConfig c = config(kBobToken);
        c.retry.waitScale = 1.0;
        HubClient client(c);
        QElapsedTimer t;
        t.start();
        auto w = client.whoami();
        QVERIFY(w.ok());
        QVERIFY2(t.elapsed() >= 950, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(m_fx.requests("hub", "GET", "/api/whoami-v2").size(), 2);
        // The Hub rate-limits whoami strictly: a second ask for the same token is answered from memory.
        HubClient other(c);
        QVERIFY(other.whoami().ok());
        QCOMPARE(m_fx.requests("hub", "GET", "/api/whoami-v2").size(), 2);
    }

    void searchFollowsLinkPages()
    {
        HubClient client(config());
        SearchQuery q;
        q.search = "tiny-model";
        q.limit = 5;
        auto r = client.searchModels(q);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        QCOMPARE(int(r->size()), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(QString::fromStdString((*r)[i].id), QStringLiteral("mock-org/tiny-model-%1").arg(i, 2, 10, QChar('0')));
            QCOMPARE((*r)[i].downloads, 500 - i);
        }
        const auto pages = m_fx.requests("hub", "GET", "/api/models?");
        QCOMPARE(pages.size(), 3);  // 2 + 2 + 1 with two per page
        const QUrlQuery first(QUrl(pages[0]["path"].toString()).query());
        QCOMPARE(first.queryItemValue("search"), QStringLiteral("tiny-model"));
        QCOMPARE(first.queryItemValue("sort"), QStringLiteral("downloads"));
        QCOMPARE(first.queryItemValue("limit"), QStringLiteral("5"));
        QVERIFY(QUrlQuery(QUrl(pages[1]["path"].toString()).query()).hasQueryItem("cursor"));

        q.sort = "likes";
        q.limit = 3;
        auto byLikes = client.searchModels(q);
        QVERIFY(byLikes.ok());
        QCOMPARE(QString::fromStdString((*byLikes)[0].id), QStringLiteral("mock-org/tiny-model-06"));
        q.sort = "stars";
        QCOMPARE(client.searchModels(q).error().code, ErrorCode::InvalidArgument);

        q = SearchQuery{};
        q.search = "llama";
        auto withRepos = client.searchModels(q);
        QVERIFY(withRepos.ok());
        QCOMPARE(int(withRepos->size()), 2);  // the private repo is not listed
        for (const auto& m : *withRepos) QCOMPARE(m.parameterCount, 247360);
    }

    void modelInfoForTheGui()
    {
        HubClient client(config(kAliceToken));
        auto info = client.modelInfo(kGatedRepo.toStdString(), "main");
        QVERIFY2(info.ok(), info.ok() ? "" : info.error().message.c_str());
        QCOMPARE(QString::fromStdString(info->id), kGatedRepo);
        QCOMPARE(int(info->sha.size()), 40);
        QCOMPARE(info->gated, GatedMode::Manual);
        QCOMPARE(info->access, Access::Granted);
        // Embeddings 512x64 and head 512x64, 4 layers of (2 norms 64, q/o 64x64, k/v 32x64, 3 MLP 172x64), final norm.
        QCOMPARE(info->parameterCount, 512 * 64 * 2 + 4 * (2 * 64 + 2 * 64 * 64 + 2 * 32 * 64 + 3 * 172 * 64) + 64);
        QCOMPARE(info->architectures, std::vector<std::string>{"LlamaForCausalLM"});
        QCOMPARE(QString::fromStdString(info->modelType), QStringLiteral("llama"));
        QCOMPARE(QString::fromStdString(info->license), QStringLiteral("mit"));
        bool sawConfig = false, sawShard = false;
        for (const auto& f : info->files) {
            if (f.path == "config.json") {
                sawConfig = true;
                QCOMPARE(f.size, QFileInfo(m_fx.modelDir() + "/config.json").size());
                QVERIFY(f.lfsSha256.empty());
                QCOMPARE(int(f.blobId.size()), 40);
            }
            if (f.path == "model-00001-of-00003.safetensors") {
                sawShard = true;
                QCOMPARE(QByteArray::fromStdString(f.lfsSha256),
                         m_fx.server().command("sign model-00001-of-00003.safetensors").toObject()["sha256"].toString().toLatin1());
            }
        }
        QVERIFY(sawConfig && sawShard);

        HubClient anon(config());
        auto anonInfo = anon.modelInfo(kGatedRepo.toStdString());
        QVERIFY(anonInfo.ok());  // metadata of gated repos is public
        QCOMPARE(anonInfo->access, Access::NeedsLogin);
        QCOMPARE(*anon.checkAccess(kPublicRepo.toStdString()), Access::Granted);
        QCOMPARE(anon.modelInfo(kPublicRepo.toStdString(), "v9").error().code, ErrorCode::NotFound);
    }

    void offlineMakesNoRequests()
    {
        HubConfig c = config(kAliceToken);
        c.offline = true;
        HubClient client(c);
        QCOMPARE(client.searchModels(SearchQuery{}).error().code, ErrorCode::Network);
        QCOMPARE(client.modelInfo(kPublicRepo.toStdString()).error().code, ErrorCode::Network);
        QCOMPARE(m_fx.server().requestLog().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestHubApi)
#include "TestHubApi.moc"
