// Parsing of the metrics endpoint's HTTP request head (see http_request.hpp).
#include "control/mgmt/http_request.hpp"

#include "base/http_syntax.hpp"

#include <algorithm>

namespace vp::ctl::http {

namespace {

Request done(int status, std::string reason) {
    Request r;
    r.state = State::Done;
    r.status = status;
    r.reason = std::move(reason);
    return r;
}

} // namespace

Request parse_request(std::string_view bytes) {
    // The request line first (up to its CRLF, or what has arrived of it): control characters
    // there are refused whether or not the rest has arrived, so a prefix and the whole request
    // get the same answer.
    size_t first = std::min(bytes.find("\r\n"), max_request_head);
    for (char c : bytes.substr(0, first))
        if (static_cast<unsigned char>(c) < 0x20 && c != '\r')
            return done(400, "control characters in the request line");
    size_t end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (bytes.size() >= max_request_head)
            return done(431, "the request head is longer than 4096 bytes");
        return {};
    }
    if (end + 4 > max_request_head) return done(431, "the request head is longer than 4096 bytes");
    std::string_view head = bytes.substr(0, end + 2); // every line ends in CRLF
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return done(400, "the request line is not METHOD TARGET VERSION");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!vp::http::is_token(method)) return done(400, "the method is not a token");
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return done(400, "the version is not HTTP/1.0 or HTTP/1.1");
    if (target.empty() || target.front() != '/') return done(400, "the target is not a path");
    for (char c : target)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return done(400, "the target holds a character outside printable ASCII");
    // Header lines: NAME ":" VALUE, the value without control characters but HTAB.
    std::string_view rest = head.substr(eol + 2);
    while (!rest.empty()) {
        size_t e = rest.find("\r\n");
        std::string_view h = rest.substr(0, e);
        rest.remove_prefix(e + 2);
        size_t colon = h.find(':');
        if (colon == std::string_view::npos || !vp::http::is_token(h.substr(0, colon)))
            return done(400, "a header line is not NAME: VALUE");
        for (char c : h.substr(colon + 1))
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                return done(400, "control characters in a header value");
    }
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
    if (path != "/metrics") return done(404, "only /metrics is served");
    if (method != "GET" && method != "HEAD") return done(405, "only GET and HEAD are allowed");
    if (!query.empty() && query != "sessions=1" && query != "sessions=0")
        return done(400, "the only query is sessions=1 or sessions=0");
    Request r = done(200, "");
    r.head = method == "HEAD";
    r.sessions = query == "sessions=1";
    return r;
}

std::string error_response(int status, std::string_view reason) {
    std::string body = std::string(reason) + "\n";
    std::string out =
        "HTTP/1.1 " + std::to_string(status) + " " + vp::http::reason_phrase(status) + "\r\n";
    if (status == 405) out += "Allow: GET, HEAD\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    return out;
}

std::string metrics_response(const std::string& body, bool head) {
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
                      "charset=utf-8\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (!head) out += body;
    return out;
}

} // namespace vp::ctl::http
