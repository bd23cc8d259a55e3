// Fuzz target: tls-crypt-v2 — locating WKc in a datagram, unwrapping it with the server key,
// then the client-keyed tls-crypt unwrap; and the key-file parsers.
#include "control/ovpn/packet.hpp"
#include "control/ovpn/tls_crypt.hpp"
#include "control/ovpn/tls_crypt_v2.hpp"
#include "tests/fuzz/ovpn/fuzz_keys.hpp"

#include <string_view>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const TlsCryptV2ServerKey server = fuzz::v2_server_key();
    ByteSpan in(data, size);
    if (auto split = split_wkc(in)) {
        if (auto key = unwrap_client_key(server, split->wkc)) {
            (void)describe_metadata(key->metadata);
            TlsCrypt crypt(key->key, TlsCrypt::Role::Server);
            if (auto u = crypt.unwrap(split->packet)) (void)parse_control_packet(u->plain);
        }
    }
    (void)unwrap_client_key(server, in);
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)parse_static_key(text);
    (void)parse_tls_crypt_v2_server_key(text);
    (void)parse_tls_crypt_v2_client_key(text);
    return 0;
}
