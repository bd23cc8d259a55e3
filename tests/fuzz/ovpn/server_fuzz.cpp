// Fuzz target: the whole server input path. The input is a script of records
//   flags(1) | length(2, BE) | datagram
// flags bits 0-1 pick one of four client endpoints, bit 2 advances the clock by a second and
// runs the timers, bit 3 by 61 s, bit 4 reports an OCC exit for peer 0, bit 5 delivers the
// datagram as one from an OpenVPN/TCP stream (no reply budget). The server has a fixed
// cookie secret and clock, so a corpus entry can carry a valid third packet; arbitrary bytes
// must never crash it, leak, or leave grants behind once it is gone.
#include "base/log.hpp"
#include "control/ovpn/server.hpp"
#include "tests/ovpn_harness/fixture_aaa.hpp"
#include "tests/unit/ovpn/fake_dataplane.hpp"
#include "tests/unit/ovpn/test_pki.hpp"

#include <cstdlib>

using namespace vp;
using namespace vp::ovpn;

namespace {

std::shared_ptr<const ServerSetup> setup() {
    static std::shared_ptr<const ServerSetup> s = [] {
        ServerConfig c;
        c.enabled = true;
        c.ciphers = default_ciphers();
        c.data_ciphers_fallback = crypto::Cipher::Aes128Cbc;
        c.initial_packet_limit = 1000000;
        return *make_server_setup(c, test::TestPki::get().server());
    }();
    return s;
}

test::FixtureAaa make_aaa() {
    test::FixtureProfile p;
    p.local_address = 0x0a080001;
    p.pool = net::Ipv4Range{0x0a080002, 0x0a080003};
    test::FixtureSecret s;
    s.name = "alice";
    s.password = "wonderland";
    return test::FixtureAaa({p}, {s});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static bool quiet = (log::set_all_levels(log::Level::Error), true);
    (void)quiet;
    test::FakeDataplane dataplane;
    test::FixtureAaa aaa = make_aaa();
    std::array<uint8_t, 32> secret{};
    uint64_t now = 1'000'000;
    {
        Server server(setup(), dataplane, aaa, secret);
        ByteReader r({data, size});
        uint8_t flags = 0;
        uint16_t len = 0;
        ByteSpan datagram;
        while (r.u8(flags) && r.be16(len)) {
            if (!r.bytes(std::min<size_t>(len, r.remaining()), datagram)) break;
            Endpoint from{0x0a000001u + (flags & 3u), static_cast<uint16_t>(40000 + (flags & 3))};
            server.on_datagram(from, 0, datagram, now, (flags & 32) != 0);
            if (flags & 4) server.on_timer(now += 1000);
            if (flags & 8) server.on_timer(now += 61000);
            if (flags & 16) server.on_explicit_exit(0, now);
            dataplane.sent.clear();
        }
        (void)server.sessions(now);
    }
    if (aaa.active_grants() != 0 || !dataplane.peers.empty()) std::abort();
    return 0;
}
