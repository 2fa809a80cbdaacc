#pragma once

#include "hub/HubClientImpl.h"
#include "hub/Retry.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace lathe::hub::detail {

// What a sink makes of the body bytes it is handed.
enum class SinkVerdict {
    Continue,     // keep the transfer going
    Complete,     // every wanted byte is here: stop the transfer
    Mismatch,     // the server sent other bytes than asked for
    WriteFailed,  // the bytes could not be stored (see RangeSink::writeError)
};

// Where the bytes of a RangeTransfer go. Offsets are offsets in the remote file.
class RangeSink {
public:
    virtual ~RangeSink() = default;

    // The first byte still wanted; the transfer is complete once it reaches RangeRequest::end.
    virtual std::int64_t next() const = 0;
    // A 2xx body is about to start at `bodyStart`: the Content-Range start of a 206 (already checked against
    // next()), or 0 for a 200 that carries the whole file.
    virtual SinkVerdict begin(std::int64_t bodyStart) = 0;
    // Body bytes [at, at + size).
    virtual SinkVerdict write(std::int64_t at, const char* data, std::size_t size) = 0;
    // After every response: staged bytes reach storage. false = a write failed.
    virtual bool flush() { return true; }
    // Forgets everything received (only with RangeRequest::restartOnMismatch).
    virtual void restart() {}
    virtual Error writeError() const { return makeError(ErrorCode::Internal, "a range sink failed to write"); }
};

// One range transfer of one file from the Hub or its CDN.
struct RangeRequest {
    std::string name;                  // "'path' of repo", for messages
    std::string verb;                  // "downloading" / "reading": context of the server's errors
    std::string repoId, commit, path;  // for the mapped errors (401, 404, gated, ...)
    std::int64_t end = 0;              // one past the last wanted byte
    // true: `Range: bytes=N-`, and none at all from 0 (a whole-file download); false: `Range: bytes=N-<end-1>`.
    bool openEnded = false;
    // true: a wrong Content-Range, a 416 or a body longer than asked restarts the sink from 0 (three times at most);
    // false: it is an error.
    bool restartOnMismatch = false;
    std::string endsEarlyMessage;  // the error when 2xx transfers keep ending before `end`
    // A fresh location for the file (a HEAD on its resolve URL): called when none is known and when a signed CDN URL
    // expired (403/400/410 from another host than the Hub). Its error ends the transfer.
    std::function<Result<std::string>()> resolve;
    // The error for a cancelled transfer, built when it happens (it may tell how far the transfer got).
    std::function<Error()> cancelled;
};

// The resumable range-transfer loop shared by model downloads and dataset reads: Range requests from where the sink
// stands, Content-Range checks, redirects followed by hand (Authorization only to the Hub's own origin), expired
// signed URLs re-resolved, and retries with a backoff that progress resets. A stop request ends a transfer, and
// any wait before a retry, promptly with `RangeRequest::cancelled()`.
// The counters (retries, restarts, redirects, re-resolves) live as long as the object, so a caller that runs one
// file again (a download that failed verification) keeps its limits. Borrows `hub` and `stop`; one thread at a time.
class RangeTransfer {
public:
    RangeTransfer(HubClient::Impl& hub, const StopToken& stop);

    // Transfers [sink.next(), request.end) from `location` (empty = resolve first), updating `location` as redirects
    // and re-resolving change it (empty again when the last one expired). Errors: Network/NotFound/Auth as the Hub
    // client maps them, Io from the sink, Cancelled.
    Result<void> run(const RangeRequest& request, std::string& location, RangeSink& sink);

    // Counts one more restart of the file (e.g. after a failed verification); false when that exceeds `limit`.
    bool countRestart(int limit) { return m_restarts++ < limit; }
    // Body bytes received over the network so far, including any beyond the wanted range.
    std::int64_t bodyBytes() const { return m_bodyBytes; }

private:
    HubClient::Impl& m_hub;
    const StopToken& m_stop;
    Backoff m_backoff;
    int m_reResolves = 0;
    int m_restarts = 0;
    int m_hops = 0;
    std::int64_t m_bodyBytes = 0;
};

}  // namespace lathe::hub::detail
