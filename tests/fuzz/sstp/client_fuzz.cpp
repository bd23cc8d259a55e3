// Fuzz target: what the SSTP client parses of a server (control/sstp/client_protocol): the HTTP
// response head, Connect Ack/Nak, the server's control messages, and server-role PPP frames
// into the client-role PppSession. The first byte picks how far a well-formed prefix takes the
// client (raw HTTP; after the 200; after a Connect Ack) so the fuzzer reaches PPP; the rest is
// fed in chunks with timer ticks. Checks: the HTTP parser's result is consistent, every packet
// the client sends after its request parses, nothing is sent once it is closed, and a deadline
// exists until then.
#include "control/sstp/client_protocol.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "client_fuzz: %s failed (line %d)\n", #cond, __LINE__);           \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace {

using namespace vp::sstp;

void check_output(vp::ByteSpan out) {
    StreamSplit s = split_stream(out);
    CHECK(!s.error);
    CHECK(s.consumed == out.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0] % 3;
    vp::ByteSpan rest(data + 1, size - 1);

    // The HTTP response parser on its own.
    HttpResponse r;
    std::string error;
    auto st = parse_http_response(rest, r, error);
    if (st == HttpResponseState::Complete) CHECK(r.bytes_used <= rest.size() && r.status < 1000);
    if (st == HttpResponseState::Error) CHECK(!error.empty());

    ClientProtocolConfig c;
    c.host = "vpn.test";
    c.ppp.user = "branch";
    c.ppp.password = "secret";
    ClientProtocol p(c, 0);
    CHECK(!p.take_output().empty()); // the request
    uint64_t now = 1;
    if (mode >= 1) {
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n";
        p.on_plaintext({reinterpret_cast<const uint8_t*>(ok), sizeof ok - 1}, now);
        CHECK(p.phase() == ClientPhase::ConnectAck);
        check_output(p.take_output());
    }
    if (mode == 2) {
        std::array<uint8_t, kNonceBytes> nonce{};
        p.on_plaintext(build_connect_ack(kHashBitmaskSha1 | kHashBitmaskSha256, nonce), now);
        CHECK(p.phase() == ClientPhase::Ppp);
        check_output(p.take_output());
    }
    size_t i = 0;
    while (i < rest.size()) {
        size_t n = std::min<size_t>(rest.size() - i, 1 + rest[i] % 64);
        bool was_closed = p.closed();
        p.on_plaintext(rest.subspan(i, n), now);
        vp::Bytes out = p.take_output();
        if (was_closed) CHECK(out.empty());
        if (p.phase() != ClientPhase::Http) check_output(out);
        i += n;
        now += 700;
        p.on_timer(now);
        vp::Bytes t = p.take_output();
        if (p.phase() != ClientPhase::Http) check_output(t);
        if (!p.closed()) CHECK(p.next_deadline().has_value());
        (void)p.take_ip_packets();
    }
    p.disconnect(now);
    check_output(p.take_output());
    return 0;
}
