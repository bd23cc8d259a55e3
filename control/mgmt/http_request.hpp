// The request head of the metrics endpoint's HTTP/1.x (control/mgmt/metrics_server.hpp), parsed
// from untrusted bytes: bounded (a head over max_request_head bytes is refused), strict about the
// request line and header syntax, and turned into the answer's status (200, 400, 404, 405, 431).
// Pure functions, fuzzed by tests/fuzz/control/fuzz_http_request.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vp::ctl::http {

inline constexpr size_t max_request_head = 4096;

enum class State : unsigned char { Incomplete, Done };

struct Request {
    State state = State::Incomplete;
    int status = 0;        // when Done: 200 (a valid GET/HEAD of /metrics) or the error status
    std::string reason;    // the error's text (the answer's body)
    bool head = false;     // HEAD: answer without a body
    bool sessions = false; // /metrics?sessions=1: per-session series too
};

// Parses what has arrived so far. Incomplete until the head's empty line (CRLF CRLF) arrives or
// the bytes are already invalid or too long.
Request parse_request(std::string_view bytes);

// The whole answer (status line, headers, body) for a status other than 200.
std::string error_response(int status, std::string_view reason);
// The 200 answer with the exposition (Content-Type text/plain; version=0.0.4).
std::string metrics_response(const std::string& body, bool head);

} // namespace vp::ctl::http
