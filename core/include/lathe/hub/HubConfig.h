#pragma once

#include <optional>
#include <string>

namespace lathe::hub {

// How failed requests are retried: on 408/429/5xx and transport errors, waiting 1, 2, 4, 8, 8 s
// (or what the server's Retry-After / ratelimit header asks for).
struct RetrySettings {
    int maxRetries = 5;
    double waitScale = 1.0;      // multiplies every wait; tests use a small value to keep runs short
    double maxBackoffSeconds = 8.0;
};

// Everything the Hub client needs to know about its environment. `fromEnvironment()` reads the same
// variables as Python's huggingface_hub, so both clients see the same endpoint, token and cache.
struct HubConfig {
    std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT, no trailing '/'
    std::string cacheDir;                             // HF_HUB_CACHE > HUGGINGFACE_HUB_CACHE > $HF_HOME/hub
    bool offline = false;                             // HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE: no HTTP at all
    bool implicitToken = true;                        // false with HF_HUB_DISABLE_IMPLICIT_TOKEN
    bool disableSymlinks = false;                     // HF_HUB_DISABLE_SYMLINKS: copy blobs into snapshots
    std::optional<std::string> token;                 // set = use this token instead of looking one up
    RetrySettings retry;
    long connectTimeoutMs = 10000;
    long stallTimeoutSeconds = 30;                    // a transfer with no byte for this long is retried
    std::string userAgent = "lathe";

    static HubConfig fromEnvironment();
};

// True when the value of an offline-style variable means "on" (1/ON/YES/TRUE, any case).
bool isTruthy(const std::string& value);

}  // namespace lathe::hub
