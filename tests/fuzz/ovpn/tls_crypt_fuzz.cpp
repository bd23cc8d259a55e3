// Fuzz target: tls-crypt unwrap of arbitrary datagrams, plus wrap/unwrap round trips.
#include "control/ovpn/control_wrap.hpp"
#include "control/ovpn/packet.hpp"
#include "tests/fuzz/ovpn/fuzz_keys.hpp"

#include <cstdlib>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto server = std::make_shared<TlsCrypt>(fuzz::ta_key(), TlsCrypt::Role::Server);
    static const TlsCrypt client(fuzz::ta_key(), TlsCrypt::Role::Client);
    ByteSpan in(data, size);
    ControlWrap wrap(server);
    if (auto u = wrap.unwrap(in)) (void)parse_control_packet(*u);
    if (size >= 9) {
        auto back = server->unwrap(client.wrap(in, {7, 7}));
        if (!back || back->plain != Bytes(in.begin(), in.end())) std::abort();
    }
    return 0;
}
