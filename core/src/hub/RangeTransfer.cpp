#include "hub/RangeTransfer.h"

#include "hub/Url.h"

namespace lathe::hub::detail {

RangeTransfer::RangeTransfer(HubClient::Impl& hub, const StopToken& stop)
    : m_hub(hub), m_stop(stop), m_backoff(hub.config.retry, &stop)
{
}

Result<void> RangeTransfer::run(const RangeRequest& request, std::string& location, RangeSink& sink)
{
    for (;;) {
        if (m_stop.stopRequested()) return request.cancelled();
        if (sink.next() >= request.end) return {};
        if (location.empty()) {
            auto fresh = request.resolve();
            if (!fresh) return fresh.error();
            location = *fresh;
        }

        const std::int64_t from = sink.next();
        HttpRequest req;
        req.url = location;
        req.headers = m_hub.headersFor(location);
        req.headers.push_back("Accept-Encoding: identity");
        if (!request.openEnded)
            req.headers.push_back("Range: bytes=" + std::to_string(from) + "-" + std::to_string(request.end - 1));
        else if (from > 0)
            req.headers.push_back("Range: bytes=" + std::to_string(from) + "-");
        req.stop = &m_stop;
        bool first = true;
        SinkVerdict verdict = SinkVerdict::Continue;
        std::int64_t position = 0;  // file offset of the next body byte
        req.onBody = [&](long status, const HttpHeaders& headers, const char* data, std::size_t n) -> bool {
            m_bodyBytes += static_cast<std::int64_t>(n);
            if (first) {
                first = false;
                if (status == 206) {
                    position = contentRangeStart(headers.get("content-range"));
                    verdict = position == from ? sink.begin(position) : SinkVerdict::Mismatch;
                } else {
                    position = 0;  // a 200 carries the whole file
                    verdict = sink.begin(0);
                }
                if (verdict != SinkVerdict::Continue) return false;
            }
            verdict = sink.write(position, data, n);
            position += static_cast<std::int64_t>(n);
            return verdict == SinkVerdict::Continue;
        };
        RequestContext ctx = m_hub.context(location, request.repoId, request.commit, request.path);
        HttpResponse resp = m_hub.http.perform(req);
        if (!sink.flush()) verdict = SinkVerdict::WriteFailed;
        const bool progressed = sink.next() > from;

        if (resp.cancelled || m_stop.stopRequested()) return request.cancelled();
        if (verdict == SinkVerdict::WriteFailed) return sink.writeError();
        if (verdict == SinkVerdict::Mismatch || (request.restartOnMismatch && resp.status == 416)) {
            if (!request.restartOnMismatch)
                return makeError(ErrorCode::Network, "the server answered a range request for " + request.name +
                                                         " with other bytes than asked for: try again later");
            if (++m_restarts > 3)
                return makeError(ErrorCode::Network, "the server keeps answering range requests for " + request.name +
                                                         " inconsistently: try again later");
            sink.restart();
            continue;
        }
        if (sink.next() >= request.end) continue;  // done: see the top of the loop
        if (!resp.transportError && resp.status >= 300 && resp.status < 400) {
            const std::string next = resp.headers.get("location");
            if (next.empty() || ++m_hops > 10) return makeError(ErrorCode::Network, "bad redirect from " + location);
            location = resolveUrl(location, next);
            continue;
        }
        if (!resp.transportError && (resp.status == 403 || resp.status == 400 || resp.status == 410) &&
            !sameOrigin(location, m_hub.config.endpoint)) {
            // Signed CDN URLs expire (about an hour): ask the Hub for a fresh one and continue where the bytes stopped.
            if (++m_reResolves > 3)
                return makeError(ErrorCode::Network, "the download server keeps refusing " + request.name + " (HTTP " +
                                                         std::to_string(resp.status) + "): try again later");
            location.clear();
            continue;
        }
        // A 2xx that ends before the wanted bytes is treated like a dropped connection.
        if (!resp.is2xx() && !isRetryable(resp)) return errorFromResponse(resp, ctx);
        if (progressed) {
            m_backoff.progressed();
            m_reResolves = 0;
        }
        if (!m_backoff.fail()) {
            ctx.attempts = m_backoff.failures();
            if (resp.is2xx()) return makeError(ErrorCode::Network, request.endsEarlyMessage);
            return errorFromResponse(resp, ctx).withContext(request.verb + " " + request.name);
        }
        if (!m_backoff.wait(resp)) return request.cancelled();
    }
}

}  // namespace lathe::hub::detail
