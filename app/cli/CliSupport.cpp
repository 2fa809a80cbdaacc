#include "CliSupport.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace lathe::cli {

int exitCodeFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return 2;
    case ErrorCode::NotFound: return 3;
    case ErrorCode::Corrupt: return 4;
    case ErrorCode::Unsupported: return 5;
    case ErrorCode::Io: return 6;
    case ErrorCode::Network: return 7;
    case ErrorCode::Auth: return 8;
    case ErrorCode::Cancelled: return 130;
    case ErrorCode::Internal: return 1;
    }
    return 1;
}

int reportError(const Error& error)
{
    std::fprintf(stderr, "lathe: error: %s\n", error.message.c_str());
    return exitCodeFor(error.code);
}

ProgressFn stderrProgress()
{
    const bool tty = isatty(STDERR_FILENO) != 0;
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    return [tty, last](const Progress& p) {
        if (!tty) return;
        const auto now = std::chrono::steady_clock::now();
        const bool finished = p.total > 0 && p.done >= p.total;
        if (!finished && now - *last < std::chrono::milliseconds(100)) return;
        *last = now;
        if (p.total > 0)
            std::fprintf(stderr, "\r\033[K%s %s %lld/%lld %s", p.stage.c_str(), p.detail.c_str(),
                         static_cast<long long>(p.done), static_cast<long long>(p.total), p.unit.c_str());
        else
            std::fprintf(stderr, "\r\033[K%s %s %lld %s", p.stage.c_str(), p.detail.c_str(),
                         static_cast<long long>(p.done), p.unit.c_str());
        if (finished) std::fputc('\n', stderr);
        std::fflush(stderr);
    };
}

StopToken& interruptToken()
{
    static StopToken token;
    return token;
}

namespace {
std::atomic<int> g_interruptCount{0};

extern "C" void onInterrupt(int)
{
    // A second Ctrl+C while shutting down leaves at once.
    if (g_interruptCount.fetch_add(1) > 0) _exit(130);
    interruptToken().requestStop();
}
}  // namespace

void installInterruptHandler()
{
    interruptToken();  // constructed before any signal can arrive
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

}  // namespace lathe::cli
