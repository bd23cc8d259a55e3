// Incremental parsing of the SSTP HTTP request and the server's HTTP replies.
#include "control/sstp/http.hpp"

#include "base/http_syntax.hpp"

#include <charconv>
#include <cstdio>

namespace vp::sstp {
namespace {

using http::has_ctl;
using http::iequals;
using http::is_token;
using http::reason_phrase;

std::string http_date(std::time_t now) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf, n);
}

} // namespace

HttpRequestParser::State HttpRequestParser::fail(int status, std::string reason) {
    error_ = HttpError{status, std::move(reason)};
    return state_ = State::Error;
}

HttpRequestParser::State HttpRequestParser::feed(ByteSpan received) {
    if (state_ != State::NeedMore) return state_;
    std::string_view all(reinterpret_cast<const char*>(received.data()), received.size());
    // Resume the search a few bytes back: the blank line may straddle two reads.
    size_t from = searched_ >= 3 ? searched_ - 3 : 0;
    size_t end = all.find("\r\n\r\n", from);
    if (end == std::string_view::npos || end + 4 > kMaxRequestBytes) {
        searched_ = all.size();
        if (all.size() >= kMaxRequestBytes)
            return fail(431, "request header larger than " + std::to_string(kMaxRequestBytes) +
                                 " bytes");
        return State::NeedMore;
    }
    request_.bytes_used = end + 4;
    if (parse(all.substr(0, end + 2)) == State::Error) return state_;
    return state_ = State::Complete;
}

// `head` is the request line and the header lines, each ending in CRLF.
HttpRequestParser::State HttpRequestParser::parse(std::string_view head) {
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);

    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return fail(400, "malformed request line");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!iequals(method, kSstpMethod)) return fail(405, "method is not SSTP_DUPLEX_POST");
    if (version != "HTTP/1.1") return fail(400, "not HTTP/1.1");
    // Windows may add ?tenantid=...; the query is not ours to judge.
    std::string_view path = target.substr(0, target.find('?'));
    if (!iequals(path, kSstpPath)) return fail(404, "not the SSTP path");

    size_t headers = 0;
    bool saw_host = false;
    while (!head.empty()) {
        eol = head.find("\r\n");
        line = head.substr(0, eol);
        head.remove_prefix(eol + 2);
        if (++headers > kMaxHeaders)
            return fail(431, "more than " + std::to_string(kMaxHeaders) + " headers");
        if (line.empty() || line.front() == ' ' || line.front() == '\t')
            return fail(400, "folded or empty header line");
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return fail(400, "header line without a colon");
        std::string_view name = line.substr(0, colon);
        std::string_view value = http::trim_ows(line.substr(colon + 1));
        if (!is_token(name) || has_ctl(value)) return fail(400, "malformed header");
        if (iequals(name, "Host")) {
            if (saw_host) return fail(400, "duplicate Host");
            saw_host = true;
            request_.host = std::string(value);
        } else if (iequals(name, "SSTPCORRELATIONID")) {
            request_.correlation_id = std::string(value);
        } else if (iequals(name, "Content-Length")) {
            uint64_t n = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || p != value.data() + value.size() || value.empty())
                return fail(400, "bad Content-Length");
            if (request_.content_length && *request_.content_length != n)
                return fail(400, "conflicting Content-Length");
            request_.content_length = n;
        } else if (iequals(name, "Transfer-Encoding")) {
            // The SSTP stream is not chunked; a request that says so is not an SSTP client.
            return fail(400, "Transfer-Encoding not supported");
        }
    }
    return State::Complete;
}

std::string build_http_ok(std::time_t now) {
    return "HTTP/1.1 200 OK\r\n"
           "Content-Length: 18446744073709551615\r\n"
           "Server: Microsoft-HTTPAPI/2.0\r\n"
           "Date: " +
           http_date(now) + "\r\n\r\n";
}

std::string build_http_error(int status, std::time_t now) {
    if (status < 400 || status > 499) status = 400;
    char line[64];
    std::snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, reason_phrase(status));
    return std::string(line) +
           "Content-Length: 0\r\n"
           "Connection: close\r\n"
           "Server: Microsoft-HTTPAPI/2.0\r\n"
           "Date: " +
           http_date(now) + "\r\n\r\n";
}

} // namespace vp::sstp
