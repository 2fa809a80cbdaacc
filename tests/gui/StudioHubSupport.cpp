#include "StudioHubSupport.h"

#include "CalibTestSupport.h"

namespace lathe::test {

QString startStudioHub(StudioSandbox& sandbox, std::unique_ptr<MockHubServer>& server, MockHubServer::Options options)
{
    server = std::make_unique<MockHubServer>(std::move(options));
    QString error;
    if (!server->start(&error)) return error.isEmpty() ? QStringLiteral("the mock Hub did not start") : error;
    sandbox.setEndpoint(server->endpoint());
    return {};
}

QString setUpStoriesAndWikipedia(StudioSandbox& sandbox)
{
    if (QString error = sandbox.setUp(); !error.isEmpty()) return error;
    if (QString error = importStories(sandbox.path(QStringLiteral("work/stories260K"))); !error.isEmpty()) return error;
    return generateWikipediaDataset(sandbox.path(QStringLiteral("work/wiki")));
}

}  // namespace lathe::test
