// Fuzz target: what the OpenVPN client link takes from a server — PUSH_REPLY messages (split,
// accumulated over push-continuation, interpreted into addresses, routes, peer-id, cipher and
// keepalive), and raw datagrams fed to the client's control channel (control/ovpn/client.cpp).
#include "control/ovpn/client.hpp"
#include "control/ovpn/client_push.hpp"
#include "control/ovpn/config.hpp"
#include "control/ovpn/options.hpp"
#include "tests/unit/ovpn/test_pki.hpp"

#include <string_view>

using namespace vp;
using namespace vp::ovpn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    MessageSplitter splitter;
    PushAccumulator acc;
    if (splitter.feed({data, size}))
        while (auto m = splitter.next())
            if (auto options = parse_push_reply(*m); options && acc.add(*options) && acc.complete())
                (void)interpret_push_options(acc.options());
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto options = parse_push_reply(text)) (void)interpret_push_options(*options);

    // The same bytes as datagrams from the server (split on 0xFF), through the client's
    // control channel.
    static auto tls = test::TestPki::get().client_context();
    ClientSettings s;
    s.tls = tls;
    s.user = "fuzz";
    s.password = "fuzz";
    s.ciphers = default_ciphers();
    Client client(std::move(s), 1000);
    (void)client.poll(1000);
    size_t start = 0;
    for (size_t i = 0; i <= size; ++i) {
        if (i == size || data[i] == 0xFF) {
            client.receive({data + start, i - start}, 1000 + i);
            (void)client.poll(1000 + i);
            start = i + 1;
        }
    }
    (void)client.take_keys();
    return 0;
}
