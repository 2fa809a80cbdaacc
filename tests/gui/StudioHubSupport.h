#pragma once

// Set-up shared by the Studio tests that talk to the mock Hub (tests/hub) and read the generated Wikipedia
// dataset (tests/calib).
#include "MockHubServer.h"
#include "StudioTestSupport.h"

#include <QString>

#include <memory>

namespace lathe::test {

// Starts the mock Hub with `options` into `server` and points the sandbox's HF_ENDPOINT at it. Error message,
// empty on success.
QString startStudioHub(StudioSandbox& sandbox, std::unique_ptr<MockHubServer>& server, MockHubServer::Options options);

// Sets the sandbox up, imports stories260K into <sandbox>/work/stories260K and writes the small Wikipedia dataset
// into <sandbox>/work/wiki (generateWikipediaDataset). Error message, empty on success.
QString setUpStoriesAndWikipedia(StudioSandbox& sandbox);

}  // namespace lathe::test
