// The HTTP exchange that opens an SSTP connection: an incremental parser of the client's
// `SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1` request, bounded in
// size and header count, and the server's replies (the 200 that starts SSTP, the 4xx that ends
// the connection). Bytes after the request's blank line are SSTP and belong to the caller.
#pragma once

#include "base/bytes.hpp"

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace vp::sstp {

inline constexpr std::string_view kSstpMethod = "SSTP_DUPLEX_POST";
inline constexpr std::string_view kSstpPath = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/";
// Clients send a 4-5 header request of a few hundred bytes; these bounds are 20x that.
inline constexpr size_t kMaxRequestBytes = 8192;
inline constexpr size_t kMaxHeaders = 32;

struct HttpRequest {
    std::string host;
    std::string correlation_id;             // SSTPCORRELATIONID, unvalidated ("" if absent)
    std::optional<uint64_t> content_length; // clients send 2^64-1
    size_t bytes_used = 0;                  // request line to blank line, inclusive
};

struct HttpError {
    int status = 400; // the 4xx to answer with before closing
    std::string reason;
};

class HttpRequestParser {
public:
    enum class State { NeedMore, Complete, Error };

    // `received` is everything the connection has received so far (the caller appends; the
    // parser only remembers how far it has searched for the blank line).
    State feed(ByteSpan received);

    const HttpRequest& request() const { return request_; } // valid when Complete
    const HttpError& error() const { return error_; }       // valid when Error

private:
    State fail(int status, std::string reason);
    State parse(std::string_view head);

    State state_ = State::NeedMore;
    size_t searched_ = 0;
    HttpRequest request_;
    HttpError error_;
};

// "HTTP/1.1 200 OK" with Content-Length 2^64-1, Server and Date, in the short form sstpc's
// single-read parser accepts (status at offset 9, few short headers). `now` is UTC seconds.
std::string build_http_ok(std::time_t now);

// A 4xx reply with Connection: close; the caller closes after sending it.
std::string build_http_error(int status, std::time_t now);

} // namespace vp::sstp
