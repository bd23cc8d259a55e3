// Fuzz target: tls-auth unwrap of arbitrary datagrams, and wrap/unwrap/parse of arbitrary plain
// packets (so that the parser behind the HMAC is reached too).
#include "control/ovpn/packet.hpp"
#include "control/ovpn/tls_auth.hpp"
#include "tests/fuzz/ovpn/fuzz_keys.hpp"

#include <cstdlib>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const TlsAuth server(fuzz::ta_key(), KeyDirection::Normal, crypto::Digest::Sha1);
    static const TlsAuth client(fuzz::ta_key(), KeyDirection::Inverse, crypto::Digest::Sha1);
    static const TlsAuth sha512(fuzz::ta_key(), KeyDirection::Bidirectional,
                                crypto::Digest::Sha512);
    ByteSpan in(data, size);
    if (auto u = server.unwrap(in)) (void)parse_control_packet(u->plain);
    (void)sha512.unwrap(in);
    Bytes wire = client.wrap(in, {1, 2});
    if (size >= 9) {
        auto back = server.unwrap(wire);
        if (!back || back->plain != Bytes(in.begin(), in.end())) std::abort();
    }
    return 0;
}
