// Fuzz target: the metrics endpoint's HTTP request parser (control/mgmt/http_request.hpp). The
// input is the bytes a client sent, fed whole and in two pieces at every split a few bytes
// apart (the server parses what has arrived so far). Invariants: an incomplete answer only
// below the head limit and without the head's end, a final answer is one of the statuses the
// server sends, an error has a reason, and parsing more bytes never turns a final answer into
// another one.
#include "control/mgmt/http_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check(const vp::ctl::http::Request& r, std::string_view bytes) {
    using vp::ctl::http::State;
    if (r.state == State::Incomplete) {
        if (bytes.size() >= vp::ctl::http::max_request_head) std::abort();
        if (bytes.find("\r\n\r\n") != std::string_view::npos) std::abort();
        return;
    }
    if (r.status != 200 && r.status != 400 && r.status != 404 && r.status != 405 && r.status != 431)
        std::abort();
    if (r.status != 200 && r.reason.empty()) std::abort();
    auto response = r.status == 200 ? vp::ctl::http::metrics_response("x\n", r.head)
                                    : vp::ctl::http::error_response(r.status, r.reason);
    if (response.find("\r\n\r\n") == std::string::npos) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto whole = vp::ctl::http::parse_request(bytes);
    check(whole, bytes);
    for (size_t cut = 0; cut < size; cut += 7) {
        auto part = vp::ctl::http::parse_request(bytes.substr(0, cut));
        check(part, bytes.substr(0, cut));
        if (part.state == vp::ctl::http::State::Done &&
            (whole.state != vp::ctl::http::State::Done || whole.status != part.status))
            std::abort();
    }
    return 0;
}
