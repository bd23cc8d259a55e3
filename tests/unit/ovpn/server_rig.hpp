// Test rig: a vp::ovpn::Server with a FakeDataplane and the fixture AAA, a simulated clock, and
// a loop that carries datagrams between it and TestClients (optionally losing some).
#pragma once

#include "control/ovpn/server.hpp"
#include "tests/ovpn_harness/fixture_aaa.hpp"
#include "tests/unit/ovpn/fake_dataplane.hpp"
#include "tests/unit/ovpn/test_client.hpp"

#include <functional>
#include <memory>

namespace vp::test {

inline ovpn::ServerConfig test_config() {
    ovpn::ServerConfig c;
    c.enabled = true;
    c.certificate = "test";
    c.ciphers = ovpn::default_ciphers();
    return c;
}

inline std::vector<FixtureProfile> test_profiles(bool only_one = false) {
    FixtureProfile p;
    p.local_address = 0x0a080001;
    p.pool = net::Ipv4Range{0x0a080002, 0x0a080010};
    p.prefix_length = 24;
    p.dns_servers = {0x0a080001};
    p.only_one = only_one;
    return {p};
}

inline std::vector<FixtureSecret> test_secrets() {
    FixtureSecret alice;
    alice.name = "alice";
    alice.password = "wonderland";
    alice.service = aaa::Service::Ovpn;
    FixtureSecret bob;
    bob.name = "bob";
    bob.password = "builder";
    bob.remote_address = 0x0a080063;
    bob.routes = {{*net::parse_prefix("192.168.50.0/24"), 1}};
    FixtureSecret carol;
    carol.name = "carol";
    carol.password = "x";
    carol.disabled = true;
    FixtureSecret dave;
    dave.name = "dave";
    dave.password = "x";
    dave.service = aaa::Service::Sstp;
    return {alice, bob, carol, dave};
}

struct Rig {
    FakeDataplane dataplane;
    FixtureAaa aaa;
    std::shared_ptr<const ovpn::ServerSetup> setup;
    std::unique_ptr<ovpn::Server> server;
    uint64_t now = 10'000'000;

    explicit Rig(ovpn::ServerConfig config = test_config(), bool only_one = false,
                 bool require_client_certificate = false)
        : Rig(config, test_profiles(only_one), test_secrets(), require_client_certificate) {}
    Rig(ovpn::ServerConfig config, std::vector<FixtureProfile> profiles,
        std::vector<FixtureSecret> secrets, bool require_client_certificate = false)
        : aaa(std::move(profiles), std::move(secrets)) {
        config.require_client_certificate = require_client_certificate;
        auto s = ovpn::make_server_setup(config, TestPki::get().server());
        if (!s) throw std::runtime_error(s.message());
        setup = *s;
        server = std::make_unique<ovpn::Server>(setup, dataplane, aaa);
    }

    // Drop filter: (to_server, sequence number of the datagram in that direction) -> drop?
    using Drop = std::function<bool(bool, int)>;

    // Carries datagrams both ways until nothing moves; when stuck, advances the clock by a
    // second (retransmissions) up to `seconds` times, until `done` holds.
    void run(TestClient& c, Drop drop = {}, int seconds = 0, std::function<bool()> done = {}) {
        int to_server = 0, to_client = 0;
        for (int idle = 0; idle <= seconds;) {
            bool moved = false;
            for (auto& d : c.poll(now)) {
                moved = true;
                if (!drop || !drop(true, to_server++)) server->on_datagram(c.endpoint(), 1, d, now);
            }
            auto pending = take_sent_to(c.endpoint());
            for (auto& d : pending) {
                moved = true;
                if (!drop || !drop(false, to_client++)) c.receive(d, now);
            }
            if (!moved) {
                if (idle++ == seconds || (done && done())) break;
                advance(1000);
            }
        }
    }

    std::vector<Bytes> take_sent_to(const ovpn::Endpoint& to) {
        std::vector<Bytes> out;
        auto& s = dataplane.sent;
        for (auto it = s.begin(); it != s.end();) {
            if (it->to == to) {
                out.push_back(std::move(it->datagram));
                it = s.erase(it);
            } else {
                ++it;
            }
        }
        return out;
    }

    void advance(uint64_t ms) {
        now += ms;
        server->on_timer(now);
    }

    // The session of the client at `e`, if any.
    std::optional<ovpn::SessionInfo> session_of(const ovpn::Endpoint& e) {
        for (auto& s : server->sessions(now))
            if (s.caller == e) return s;
        return std::nullopt;
    }

    // Connects `c` and returns its peer id.
    uint32_t connect(TestClient& c) {
        c.start(now);
        run(c);
        auto s = session_of(c.endpoint());
        return s ? s->peer_id : ~0u;
    }
};

} // namespace vp::test
