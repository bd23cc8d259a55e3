// vp::ovpn::Server end to end in memory: a TestClient against the server, a FakeDataplane and
// the fixture AAA. Proves the stateless front door, authentication outcomes, key installation
// (keys equal to what the client derives), the push, NCP for each client generation, wrapping,
// loss recovery, renegotiation and lame ducks, keepalive expiry, exits and address hygiene.
#include "control/ovpn/tls_crypt_v2.hpp"
#include "tests/unit/ovpn/server_rig.hpp"

#include <fstream>

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;
using namespace vp::test;

namespace {

void expect_keys_match(const FakeDataplane& dp, uint32_t peer, const TestClient& c,
                       uint8_t key_id) {
    ASSERT_TRUE(dp.keys.count(peer));
    ASSERT_TRUE(dp.keys.at(peer).count(key_id)) << "key " << int(key_id) << " not installed";
    ASSERT_TRUE(c.keys().count(key_id)) << "client has no key " << int(key_id);
    const DataKeys& s = dp.keys.at(peer).at(key_id);
    const DataKeys& k = c.keys().at(key_id);
    EXPECT_EQ(s.cipher, k.cipher);
    EXPECT_EQ(s.digest, k.digest);
    EXPECT_EQ(s.client_to_server, k.client_to_server);
    EXPECT_EQ(s.server_to_client, k.server_to_client);
}

} // namespace

TEST(Server, Openvpn26ClientGetsKeysPushAndAPeer) {
    Rig rig;
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    ASSERT_TRUE(c.connected());
    EXPECT_TRUE(c.pushed("topology subnet"));
    EXPECT_TRUE(c.pushed("ifconfig 10.8.0.2 255.255.255.0"));
    EXPECT_TRUE(c.pushed("route-gateway 10.8.0.1"));
    EXPECT_TRUE(c.pushed("dhcp-option DNS 10.8.0.1"));
    EXPECT_TRUE(c.pushed("ping 10"));
    EXPECT_TRUE(c.pushed("ping-restart 60"));
    EXPECT_TRUE(c.pushed("peer-id " + std::to_string(peer)));
    EXPECT_TRUE(c.pushed("cipher AES-256-GCM"));
    EXPECT_TRUE(c.pushed("protocol-flags cc-exit tls-ekm"));

    const PeerSpec& spec = rig.dataplane.peers.at(peer);
    EXPECT_EQ(spec.endpoint, c.endpoint());
    EXPECT_EQ(spec.owner_worker, 1);
    EXPECT_TRUE(spec.data_v2);
    EXPECT_EQ(spec.tunnel_address, 0x0a080002u);
    EXPECT_EQ(spec.local_address, 0x0a080001u);
    EXPECT_EQ(spec.keepalive_ping_s, 10u);
    EXPECT_EQ(spec.mss_clamp, 1460u);
    EXPECT_EQ(spec.user, "alice");
    expect_keys_match(rig.dataplane, peer, c, 0);
    EXPECT_EQ(rig.dataplane.tx_key.at(peer), 0);
    // Peer first, then its key, then transmission with it.
    EXPECT_EQ(rig.dataplane.events,
              (std::vector<std::string>{"add_peer 0", "add_key 0/0", "tx 0/0"}));

    auto info = rig.session_of(c.endpoint());
    ASSERT_TRUE(info);
    EXPECT_EQ(info->user, "alice");
    EXPECT_EQ(info->encoding, "AES-256-GCM");
    EXPECT_EQ(info->state, "active");
    EXPECT_EQ(info->tunnel_address, 0x0a080002u);
    EXPECT_EQ(info->client_version, "2.6.14 linux");
    rig.now += 5000;
    EXPECT_EQ(rig.session_of(c.endpoint())->uptime_s, 5u);
}

TEST(Server, KeepsNoStateUntilTheClientEchoesTheCookie) {
    Rig rig;
    TestClient c(ClientConfig{});
    c.start(rig.now);
    auto reset = c.poll(rig.now);
    ASSERT_EQ(reset.size(), 1u);
    rig.server->on_datagram(c.endpoint(), 0, reset[0], rig.now);
    EXPECT_EQ(rig.server->session_count(), 0u);
    ASSERT_EQ(rig.dataplane.sent.size(), 1u);
    auto reply = parse_control_packet(rig.dataplane.sent[0].datagram);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->opcode, Opcode::ControlHardResetServerV2);
    EXPECT_EQ(reply->message_id, 0u);
    ASSERT_EQ(reply->ack_count, 1);
    EXPECT_EQ(reply->acks[0], 0u);
    EXPECT_EQ(reply->peer_session_id, c.session_id());

    // The same reset from another address gets another session id; still no state.
    rig.server->on_datagram({0x7f000001, 40001}, 0, reset[0], rig.now);
    auto other = parse_control_packet(rig.dataplane.sent[1].datagram);
    EXPECT_NE(other->session_id, reply->session_id);
    EXPECT_EQ(rig.server->session_count(), 0u);

    // A third packet that does not carry the cookie back creates nothing.
    ControlPacket forged;
    forged.opcode = Opcode::AckV1;
    forged.session_id = c.session_id();
    forged.acks[0] = 0;
    forged.ack_count = 1;
    forged.peer_session_id = {1, 2, 3, 4, 5, 6, 7, 8};
    rig.server->on_datagram(c.endpoint(), 0, serialize_control_packet(forged), rig.now);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_EQ(rig.server->counters().bad_cookie, 1u);
    // The genuine cookie, from the wrong address, does not work either.
    forged.peer_session_id = reply->session_id;
    rig.server->on_datagram({0x7f000002, 40000}, 0, serialize_control_packet(forged), rig.now);
    EXPECT_EQ(rig.server->session_count(), 0u);
    // From the right address it does.
    rig.server->on_datagram(c.endpoint(), 0, serialize_control_packet(forged), rig.now);
    EXPECT_EQ(rig.server->session_count(), 1u);
}

TEST(Server, CookieExpiresWithTheHandshakeWindow) {
    Rig rig;
    TestClient c(ClientConfig{});
    c.start(rig.now);
    for (auto& d : c.poll(rig.now))
        rig.server->on_datagram(c.endpoint(), 0, d, rig.now);
    auto reply = rig.take_sent_to(c.endpoint());
    rig.now += 100'000; // far beyond 1.5 hand-windows
    for (auto& d : reply)
        c.receive(d, rig.now);
    for (auto& d : c.poll(rig.now))
        rig.server->on_datagram(c.endpoint(), 0, d, rig.now);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_GE(rig.server->counters().bad_cookie, 1u);
}

TEST(Server, RateLimitsRepliesToNewClients) {
    auto config = test_config();
    config.initial_packet_limit = 3;
    Rig rig(config);
    TestClient c(ClientConfig{});
    c.start(rig.now);
    Bytes reset = c.poll(rig.now).at(0);
    // Beyond the ceiling, the source's /24 still has its small reserve (InitialBudget).
    uint16_t port = 1;
    for (; port <= 3 + InitialBudget::prefix_reserve + 2; ++port)
        rig.server->on_datagram({0x0a000001, port}, 0, reset, rig.now);
    EXPECT_EQ(rig.dataplane.sent.size(), 3u + InitialBudget::prefix_reserve);
    EXPECT_EQ(rig.server->counters().resets_reserve, InitialBudget::prefix_reserve);
    EXPECT_EQ(rig.server->counters().rate_limited, 2u);
    rig.now += 10'000;
    rig.server->on_datagram({0x0a000001, port}, 0, reset, rig.now);
    EXPECT_EQ(rig.dataplane.sent.size(), 4u + InitialBudget::prefix_reserve);
}

TEST(Server, ASpoofedResetFloodDoesNotLockOutNewOrReturningClients) {
    auto config = test_config();
    config.initial_packet_limit = 5;
    config.initial_packet_prefix_limit = 3;
    Rig rig(config);
    TestClient first(ClientConfig{});
    first.start(rig.now);
    Bytes reset = first.poll(rig.now).at(0);
    // Spoofed copies: more from one /24 than that /24 may be answered, then from 2,000 other
    // /24s (none of them a client's) once the ceiling is spent.
    for (uint16_t port = 1; port <= 10; ++port)
        rig.server->on_datagram({0x7f000009, port}, 0, reset, rig.now);
    for (uint32_t i = 0; i < 2000; ++i)
        rig.server->on_datagram({0xac100000u + (i << 8) + 7, 1194}, 0, reset, rig.now);
    for (uint32_t round = 0; round < 2; ++round)
        for (uint32_t i = 0; i < 2000; ++i)
            rig.server->on_datagram({0xac100000u + (i << 8) + 8, 1194}, 0, reset, rig.now);
    const auto& n = rig.server->counters();
    EXPECT_EQ(n.rate_limited_prefix, 7u); // the /24 had its 3
                                          // The ceiling (3 + 2), then each /24's reserve of 2 (the
                                          // first two /24s had the ceiling's
    // last replies, so they have one reserve reply left over for the last round).
    EXPECT_EQ(n.resets_answered, 3u + 2u + 4000u);
    EXPECT_EQ(n.resets_reserve, 4000u);
    EXPECT_EQ(n.rate_limited, 1998u);
    rig.dataplane.sent.clear();

    // A client from a /24 the flood does not use connects (its reply is the /24's reserve).
    TestClient fresh(ClientConfig{});
    fresh.config().endpoint = {0x0a010002, 40000};
    rig.connect(fresh);
    EXPECT_TRUE(fresh.connected());
    // The flooded /24 is closed for new clients this period; one that completed a handshake
    // before is remembered and still answered.
    TestClient neighbour(ClientConfig{});
    neighbour.config().endpoint = {0x7f000003, 40000};
    neighbour.start(rig.now);
    for (auto& d : neighbour.poll(rig.now))
        rig.server->on_datagram(neighbour.endpoint(), 0, d, rig.now);
    EXPECT_TRUE(rig.take_sent_to(neighbour.endpoint()).empty());
    uint64_t known = n.resets_known_source;
    TestClient again(ClientConfig{});
    again.config().endpoint = {0x0a010002, 40001}; // same address, new port: a reconnect
    rig.connect(again);
    EXPECT_TRUE(again.connected());
    EXPECT_EQ(n.resets_known_source, known + 1);
}

TEST(Server, UnauthenticatedResetsSpendNoBudget) {
    // With tls-auth, a reset without the key is dropped before the budget: a flood of them at a
    // server that may answer a single reset leaves that reply to the real client.
    StaticKey key = generate_static_key();
    auto config = test_config();
    std::string path = testing::TempDir() + "/ovpn-budget-ta.key";
    { std::ofstream(path) << format_static_key(key); }
    config.tls_auth = TlsAuthConfig{path, KeyDirection::Normal, std::nullopt};
    config.initial_packet_limit = 1;
    config.initial_packet_prefix_limit = 1;
    Rig rig(config);
    TestClient stranger(ClientConfig{});
    stranger.start(rig.now);
    Bytes forged = stranger.poll(rig.now).at(0);
    for (uint16_t port = 1; port <= 1000; ++port)
        rig.server->on_datagram({0x7f000001, port}, 0, forged, rig.now);
    EXPECT_TRUE(rig.dataplane.sent.empty());
    EXPECT_EQ(rig.server->counters().wrap_rejected, 1000u);
    ClientConfig cc;
    cc.wrap = ClientConfig::Wrap::Auth;
    cc.wrap_key = key;
    TestClient c(cc);
    rig.connect(c);
    EXPECT_TRUE(c.connected());
    EXPECT_EQ(rig.server->counters().rate_limited + rig.server->counters().rate_limited_prefix, 0u);
}

TEST(Server, GarbageAndDataForUnknownPeersAreCountedNotAnswered) {
    Rig rig;
    rig.server->on_datagram({1, 1}, 0, Bytes{}, rig.now);
    rig.server->on_datagram({1, 1}, 0, Bytes{0x00, 1, 2}, rig.now);
    rig.server->on_datagram({1, 1}, 0, Bytes{header_byte(Opcode::DataV2, 0), 0, 0, 7, 1}, rig.now);
    rig.server->on_datagram({1, 1}, 0, Bytes{header_byte(Opcode::ControlV1, 0), 1, 2}, rig.now);
    rig.server->on_datagram({1, 1}, 0, Bytes{header_byte(Opcode::ControlSoftResetV1, 1)}, rig.now);
    EXPECT_TRUE(rig.dataplane.sent.empty());
    EXPECT_EQ(rig.server->session_count(), 0u);
    const auto& c = rig.server->counters();
    EXPECT_EQ(c.unknown_opcode, 2u);
    EXPECT_EQ(c.data_unknown_peer, 1u);
    EXPECT_EQ(c.malformed, 1u);
    EXPECT_EQ(c.no_session, 1u);
}

TEST(Server, MikroTikClientGetsLegacyPrfKeysAndNoPushedCipher) {
    auto config = test_config();
    config.ciphers = {crypto::Cipher::Aes128Cbc, crypto::Cipher::Aes256Cbc};
    config.auth = crypto::Digest::Sha1;
    Rig rig(config);
    ClientConfig cc;
    cc.peer_info = "IV_PROTO=2\n"; // RouterOS 7.x: no NCP, no EKM, DATA_V2 with pushed peer-id
    cc.options = "V4,dev-type tun,link-mtu 1560,tun-mtu 1500,proto UDPv4,cipher AES-256-CBC,"
                 "auth SHA1,keysize 256,key-method 2,tls-client";
    TestClient c(cc);
    uint32_t peer = rig.connect(c);
    ASSERT_TRUE(c.connected());
    EXPECT_TRUE(c.pushed("peer-id " + std::to_string(peer)));
    for (auto& o : c.push_options()) {
        EXPECT_NE(o.rfind("cipher", 0), 0u) << o;
        EXPECT_EQ(o.find("tls-ekm"), std::string::npos) << o;
        EXPECT_NE(o.rfind("protocol-flags", 0), 0u) << o;
    }
    expect_keys_match(rig.dataplane, peer, c, 0);
    const DataKeys& k = rig.dataplane.keys.at(peer).at(0);
    EXPECT_EQ(k.cipher, crypto::Cipher::Aes256Cbc);
    EXPECT_EQ(k.digest, crypto::Digest::Sha1);
    EXPECT_EQ(rig.session_of(c.endpoint())->encoding, "AES-256-CBC SHA1");
}

TEST(Server, ClientsThatAnnounceNothingGetTheFallbackCipher) {
    auto config = test_config();
    config.data_ciphers_fallback = crypto::Cipher::Aes128Cbc;
    Rig rig(config);
    ClientConfig cc;
    cc.peer_info = "";
    cc.options = "V4,dev-type tun,auth SHA1,key-method 2,tls-client";
    TestClient c(cc);
    uint32_t peer = rig.connect(c);
    ASSERT_TRUE(c.connected());
    EXPECT_FALSE(c.pushed("peer-id " + std::to_string(peer))); // no DATA_V2 either
    EXPECT_FALSE(rig.dataplane.peers.at(peer).data_v2);
    expect_keys_match(rig.dataplane, peer, c, 0);
    EXPECT_EQ(rig.dataplane.keys.at(peer).at(0).cipher, crypto::Cipher::Aes128Cbc);
}

TEST(Server, Openvpn24ClientWithoutIvCiphers) {
    Rig rig;
    ClientConfig cc;
    cc.peer_info = "IV_VER=2.4.12\nIV_NCP=2\nIV_PROTO=2\n";
    TestClient c(cc);
    uint32_t peer = rig.connect(c);
    ASSERT_TRUE(c.connected());
    EXPECT_TRUE(c.pushed("cipher AES-256-GCM"));
    EXPECT_FALSE(c.pushed("key-derivation tls-ekm"));
    expect_keys_match(rig.dataplane, peer, c, 0);
}

TEST(Server, EkmWithoutProtocolFlagsIsPushedAsKeyDerivation) {
    Rig rig;
    ClientConfig cc;
    cc.peer_info = "IV_VER=2.5.9\nIV_NCP=2\nIV_CIPHERS=AES-128-GCM\nIV_PROTO=14\n"; // bits 1-3
    TestClient c(cc);
    uint32_t peer = rig.connect(c);
    ASSERT_TRUE(c.connected());
    EXPECT_TRUE(c.pushed("key-derivation tls-ekm"));
    EXPECT_TRUE(c.pushed("cipher AES-128-GCM"));
    expect_keys_match(rig.dataplane, peer, c, 0);
}

TEST(Server, AuthenticationFailuresSendAuthFailedAndInstallNothing) {
    struct Case {
        std::string user, password;
    };
    for (auto& k : std::vector<Case>{
             {"alice", "wrong"}, {"mallory", "x"}, {"carol", "x"}, {"dave", "x"}, {"", ""}}) {
        Rig rig;
        ClientConfig cc;
        cc.user = k.user;
        cc.password = k.password;
        TestClient c(cc);
        rig.connect(c);
        EXPECT_FALSE(c.connected()) << k.user;
        EXPECT_TRUE(c.received("AUTH_FAILED")) << k.user;
        EXPECT_TRUE(rig.dataplane.peers.empty()) << k.user;
        EXPECT_EQ(rig.aaa.active_grants(), 0u);
        EXPECT_EQ(rig.server->counters().auth_failures, 1u);
        rig.run(c, {}, 6); // the client acknowledges; the session goes
        EXPECT_EQ(rig.server->session_count(), 0u) << k.user;
    }
}

TEST(Server, NoSharedCipherNamesTheReason) {
    auto config = test_config();
    config.ciphers = {crypto::Cipher::Aes128Cbc};
    Rig rig(config);
    TestClient c(ClientConfig{});
    rig.connect(c);
    EXPECT_TRUE(
        c.received("AUTH_FAILED,Data channel cipher negotiation failed (no shared cipher)"));
    EXPECT_EQ(rig.aaa.active_grants(), 0u); // the grant was given back
    EXPECT_TRUE(rig.dataplane.peers.empty());
}

TEST(Server, RequiredClientCertificates) {
    {
        Rig rig(test_config(), false, true);
        ClientConfig cc;
        cc.cert = TestPki::ClientCert::Good;
        TestClient c(cc);
        rig.connect(c);
        EXPECT_TRUE(c.connected());
        EXPECT_EQ(rig.aaa.last_request().certificate_common_name, "alice");
    }
    for (auto cert : {TestPki::ClientCert::None, TestPki::ClientCert::Foreign}) {
        Rig rig(test_config(), false, true);
        ClientConfig cc;
        cc.cert = cert;
        TestClient c(cc);
        rig.connect(c);
        EXPECT_FALSE(c.connected());
        EXPECT_EQ(rig.server->counters().tls_failures, 1u);
        EXPECT_EQ(rig.server->session_count(), 0u);
        EXPECT_EQ(rig.aaa.active_grants(), 0u);
    }
}

TEST(Server, TlsAuthAndTlsCrypt) {
    StaticKey key = generate_static_key();
    for (auto wrap : {ClientConfig::Wrap::Auth, ClientConfig::Wrap::Crypt}) {
        auto config = test_config();
        std::string path = testing::TempDir() + "/ovpn-wrap.key";
        { std::ofstream(path) << format_static_key(key); }
        if (wrap == ClientConfig::Wrap::Auth)
            config.tls_auth = TlsAuthConfig{path, KeyDirection::Normal, std::nullopt};
        else
            config.tls_crypt_key_file = path;
        Rig rig(config);
        ClientConfig cc;
        cc.wrap = wrap;
        cc.wrap_key = key;
        TestClient c(cc);
        uint32_t peer = rig.connect(c);
        ASSERT_TRUE(c.connected());
        expect_keys_match(rig.dataplane, peer, c, 0);

        // Without the key (or with another one) the server stays silent.
        TestClient stranger(ClientConfig{});
        stranger.config().endpoint.port = 50000;
        stranger.start(rig.now);
        for (auto& d : stranger.poll(rig.now))
            rig.server->on_datagram(stranger.endpoint(), 0, d, rig.now);
        EXPECT_TRUE(rig.take_sent_to(stranger.endpoint()).empty());
        EXPECT_EQ(rig.server->counters().wrap_rejected, 1u);
    }
}

TEST(Server, TlsCryptV2WithAndWithoutEarlyNegotiation) {
    auto server_key = generate_tls_crypt_v2_server_key();
    std::string path = testing::TempDir() + "/ovpn-v2-server.key";
    { std::ofstream(path) << format_tls_crypt_v2_server_key(server_key); }
    for (bool early : {true, false}) {
        auto config = test_config();
        config.tls_crypt_v2_key_file = path;
        Rig rig(config);
        ClientConfig cc;
        cc.wrap = ClientConfig::Wrap::CryptV2;
        cc.v2_key = *generate_tls_crypt_v2_client_key(server_key, 1700000000);
        cc.early_negotiation = early;
        TestClient c(cc);
        c.start(rig.now);
        for (auto& d : c.poll(rig.now))
            rig.server->on_datagram(c.endpoint(), 0, d, rig.now);
        // 2.6 clients: stateless, asked to resend WKc; older ones: state from the first packet.
        EXPECT_EQ(rig.server->session_count(), early ? 0u : 1u);
        rig.run(c);
        ASSERT_TRUE(c.connected()) << early;
        EXPECT_EQ(c.server_asked_for_wkc(), early);
        uint32_t peer = rig.session_of(c.endpoint())->peer_id;
        expect_keys_match(rig.dataplane, peer, c, 0);
    }
    // force-cookie refuses the old clients.
    auto config = test_config();
    config.tls_crypt_v2_key_file = path;
    config.tls_crypt_v2_force_cookie = true;
    Rig rig(config);
    ClientConfig cc;
    cc.wrap = ClientConfig::Wrap::CryptV2;
    cc.v2_key = *generate_tls_crypt_v2_client_key(server_key, 1700000000);
    cc.early_negotiation = false;
    TestClient c(cc);
    rig.connect(c);
    EXPECT_FALSE(c.connected());
    EXPECT_EQ(rig.server->session_count(), 0u);
}

TEST(Server, RecoversFromHeavyLoss) {
    Rig rig;
    TestClient c(ClientConfig{});
    c.start(rig.now);
    // Every other datagram towards the server and every third towards the client is lost.
    rig.run(
        c, [](bool to_server, int n) { return to_server ? n % 2 == 1 : n % 3 == 2; }, 120,
        [&] { return c.connected(); });
    ASSERT_TRUE(c.connected()) << "sessions " << rig.server->session_count() << " tls failures "
                               << rig.server->counters().tls_failures << " replayed "
                               << rig.server->counters().replayed << " bad cookie "
                               << rig.server->counters().bad_cookie;
    uint32_t peer = rig.session_of(c.endpoint())->peer_id;
    expect_keys_match(rig.dataplane, peer, c, 0);
}

TEST(Server, ClientRenegotiationInstallsNewKeysAndRetiresLameDucks) {
    Rig rig;
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    for (uint8_t key_id = 1; key_id <= 9; ++key_id) {
        c.renegotiate();
        rig.run(c);
        uint8_t expected = (key_id - 1) % 7 + 1; // 1..7, then 1 again
        expect_keys_match(rig.dataplane, peer, c, expected);
        EXPECT_EQ(rig.dataplane.tx_key.at(peer), expected);
    }
    EXPECT_EQ(rig.dataplane.max_keys_seen, 2u); // never more than two keys per peer
    EXPECT_EQ(rig.dataplane.keys.at(peer).size(), 2u);
    EXPECT_EQ(rig.server->counters().renegotiations, 9u);
    // The lame duck goes after the transition window.
    rig.now += 3601 * 1000;
    rig.dataplane.activities[peer].last_rx_ms = rig.now; // the client kept talking
    rig.advance(1);
    EXPECT_EQ(rig.dataplane.keys.at(peer).size(), 1u);
    EXPECT_EQ(rig.aaa.active_grants(), 1u); // renegotiation reuses the grant
}

TEST(Server, ServerStartsRenegotiationByTimeAndByVolume) {
    auto config = test_config();
    config.reneg_sec = 100;
    config.reneg_bytes = 1'000'000;
    config.keepalive_timeout_s = 0;
    Rig rig(config);
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    rig.dataplane.activities[peer].last_rx_ms = rig.now;
    rig.advance(89'000); // reneg-sec minus at most 10%: not yet
    rig.run(c);
    EXPECT_EQ(rig.dataplane.tx_key.at(peer), 0);
    rig.dataplane.activities[peer].last_rx_ms = rig.now;
    rig.advance(12'000);
    rig.run(c);
    EXPECT_EQ(rig.dataplane.tx_key.at(peer), 1);
    expect_keys_match(rig.dataplane, peer, c, 1);

    auto& a = rig.dataplane.activities[peer];
    a.last_rx_ms = rig.now;
    a.keys = {{1, 500, 500, 600'000, 400'000}};
    rig.advance(1000);
    rig.run(c);
    EXPECT_EQ(rig.dataplane.tx_key.at(peer), 2);
    expect_keys_match(rig.dataplane, peer, c, 2);
}

TEST(Server, RenegotiationWithCredentialsThatNoLongerMatchEndsTheSession) {
    Rig rig;
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    rig.aaa.secrets()[0].password = "changed";
    c.renegotiate();
    rig.run(c);
    EXPECT_TRUE(c.received("AUTH_FAILED"));
    EXPECT_FALSE(rig.dataplane.peers.count(peer));
    EXPECT_EQ(rig.aaa.active_grants(), 0u);
}

TEST(Server, KeepaliveExpiry) {
    Rig rig;
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    rig.advance(30'000);
    rig.dataplane.activities[peer].last_rx_ms = rig.now; // a ping arrived
    rig.advance(59'000);
    EXPECT_EQ(rig.server->session_count(), 1u);
    rig.advance(2'000);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_TRUE(rig.dataplane.saw("remove_peer " + std::to_string(peer)));
    EXPECT_EQ(rig.aaa.active_grants(), 0u);
    EXPECT_EQ(rig.aaa.addresses_in_use(), 0u);
    EXPECT_EQ(rig.server->counters().keepalive_expiries, 1u);
}

// The dataplane saw `packets` data packets and `bytes` bytes from the client (and a ping now).
static void traffic(Rig& rig, uint32_t peer, TestClient& c, uint64_t packets, uint64_t bytes) {
    auto& a = rig.dataplane.activities[peer];
    a.last_rx_ms = rig.now;
    a.endpoint = c.config().endpoint;
    a.rx_packets = packets;
    a.rx_bytes = bytes;
}

// The grant's limits (control/aaa/session_limits.hpp) end the session with RouterOS's reason,
// kept in the server's history of ended sessions.
TEST(Server, SessionTimeoutIdleTimeoutAndByteLimitsEndTheSessionWithTheirReason) {
    auto profiles = test_profiles();
    profiles[0].session_timeout_s = 100;
    profiles[0].idle_timeout_s = 20;
    auto secrets = test_secrets();
    secrets[0].limit_bytes_in = 5000;
    Rig rig(test_config(), profiles, secrets);

    TestClient a(ClientConfig{}); // alice: limit-bytes-in 5000
    uint32_t peer = rig.connect(a);
    traffic(rig, peer, a, 10, 4000);
    rig.advance(1'000);
    auto listed = rig.server->sessions(rig.now);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].bytes_in_left, 1000u);
    EXPECT_FALSE(listed[0].bytes_out_left);
    traffic(rig, peer, a, 12, 5000);
    rig.advance(1'000);
    rig.run(a);
    EXPECT_TRUE(a.received("RESTART"));
    rig.advance(6'000);
    EXPECT_EQ(rig.server->session_count(), 0u);
    ASSERT_EQ(rig.server->ended().size(), 1u);
    EXPECT_EQ(rig.server->ended()[0].end_reason, "limit-bytes-in 5000 bytes");
    EXPECT_EQ(rig.server->ended()[0].user, "alice");
    EXPECT_EQ(rig.aaa.addresses_in_use(), 0u);

    // No data from the client for 20 s (pings refresh last_rx_ms, not the data counters).
    TestClient b(ClientConfig{});
    b.config().endpoint.port = 40001;
    peer = rig.connect(b);
    traffic(rig, peer, b, 3, 300);
    for (int i = 0; i < 19; ++i) {
        rig.dataplane.activities[peer].last_rx_ms = rig.now;
        rig.advance(1'000);
    }
    EXPECT_EQ(rig.server->session_count(), 1u);
    rig.dataplane.activities[peer].last_rx_ms = rig.now;
    rig.advance(2'000);
    rig.advance(6'000);
    EXPECT_EQ(rig.server->session_count(), 0u);
    ASSERT_EQ(rig.server->ended().size(), 2u);
    EXPECT_EQ(rig.server->ended()[1].end_reason, "idle-timeout 20 s");

    // Data every few seconds keeps it up until the session timeout.
    TestClient c(ClientConfig{});
    c.config().endpoint.port = 40002;
    peer = rig.connect(c);
    for (uint64_t i = 1; i <= 99; ++i) {
        traffic(rig, peer, c, i, i * 10);
        rig.advance(1'000);
    }
    EXPECT_EQ(rig.server->session_count(), 1u);
    rig.advance(2'000);
    rig.advance(6'000);
    EXPECT_EQ(rig.server->session_count(), 0u);
    ASSERT_EQ(rig.server->ended().size(), 3u);
    EXPECT_EQ(rig.server->ended()[2].end_reason, "session-timeout 100 s");
}

TEST(Server, ExplicitExitOnEitherChannelEndsTheSessionAtOnce) {
    Rig rig;
    TestClient c(ClientConfig{});
    rig.connect(c);
    c.send_message("EXIT");
    rig.run(c);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_EQ(rig.aaa.active_grants(), 0u);

    TestClient d(ClientConfig{});
    d.config().endpoint.port = 40001;
    uint32_t peer = rig.connect(d);
    rig.server->on_explicit_exit(peer, rig.now); // OCC EXIT seen by the dataplane
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_EQ(rig.server->counters().explicit_exits, 2u);
    EXPECT_EQ(rig.aaa.addresses_in_use(), 0u);
}

TEST(Server, DisconnectSendsRestartAndRemovesThePeer) {
    Rig rig;
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    EXPECT_TRUE(rig.server->disconnect(peer, rig.now));
    EXPECT_FALSE(rig.dataplane.peers.count(peer));
    rig.run(c);
    EXPECT_TRUE(c.received("RESTART"));
    rig.advance(100);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_FALSE(rig.server->disconnect(peer, rig.now));
}

TEST(Server, PeerIdsHeldByAnotherServiceAreSkippedAndReleasedWhenTheSessionEnds) {
    Rig rig;
    rig.dataplane.held_elsewhere = {0, 1}; // say, two SSTP calls
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    EXPECT_EQ(peer, 2u);
    EXPECT_EQ(rig.dataplane.reserved, (std::set<uint32_t>{2}));
    EXPECT_TRUE(rig.server->disconnect(peer, rig.now));
    rig.run(c);
    rig.advance(100);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_TRUE(rig.dataplane.reserved.empty()) << "the peer-id was not given back";
    EXPECT_TRUE(rig.dataplane.saw("release_peer_id 2"));
}

TEST(Server, OnlyOneReplacesTheSameAddressAndRefusesOthers) {
    Rig rig(test_config(), true);
    TestClient first(ClientConfig{});
    uint32_t old_peer = rig.connect(first);
    // The same user again from the same address (a restarted client, new port): replaces it.
    TestClient again(ClientConfig{});
    again.config().endpoint.port = 40001;
    rig.connect(again);
    EXPECT_TRUE(again.connected());
    EXPECT_FALSE(rig.dataplane.peers.count(old_peer));
    EXPECT_EQ(rig.aaa.active_grants(), 1u);
    // The same address with a wrong password cannot push the session out.
    ClientConfig wrong;
    wrong.password = "guess";
    wrong.endpoint.port = 40002;
    TestClient intruder(wrong);
    rig.connect(intruder);
    EXPECT_TRUE(intruder.received("AUTH_FAILED"));
    EXPECT_TRUE(rig.session_of(again.endpoint()));
    EXPECT_EQ(rig.aaa.active_grants(), 1u);
    // From another address: only-one refuses.
    TestClient elsewhere(ClientConfig{});
    elsewhere.config().endpoint = {0x0a000009, 40000};
    rig.connect(elsewhere);
    EXPECT_TRUE(elsewhere.received("AUTH_FAILED"));
    EXPECT_EQ(rig.aaa.active_grants(), 1u);
}

TEST(Server, StaticAddressAndSiteToSiteRoutesFromTheSecret) {
    Rig rig;
    ClientConfig cc;
    cc.user = "bob";
    cc.password = "builder";
    TestClient c(cc);
    uint32_t peer = rig.connect(c);
    ASSERT_TRUE(c.connected());
    const PeerSpec& spec = rig.dataplane.peers.at(peer);
    EXPECT_EQ(spec.tunnel_address, 0x0a080063u);
    ASSERT_EQ(spec.routes.size(), 1u);
    EXPECT_EQ(net::to_string(spec.routes[0].destination), "192.168.50.0/24");
}

TEST(Server, PoolAddressesComeBackAfterManySessions) {
    Rig rig;
    for (int i = 0; i < 30; ++i) {
        TestClient c(ClientConfig{});
        c.config().endpoint.port = static_cast<uint16_t>(41000 + i);
        uint32_t peer = rig.connect(c);
        ASSERT_TRUE(c.connected()) << i;
        if (i % 3 == 0) {
            c.send_message("EXIT");
            rig.run(c);
        } else if (i % 3 == 1) {
            rig.server->disconnect(peer, rig.now);
        } else {
            rig.server->on_explicit_exit(peer, rig.now);
        }
        rig.advance(10);
    }
    rig.advance(6000);
    EXPECT_EQ(rig.server->session_count(), 0u);
    EXPECT_EQ(rig.aaa.active_grants(), 0u);
    EXPECT_EQ(rig.aaa.addresses_in_use(), 0u);
    EXPECT_TRUE(rig.dataplane.peers.empty());
}

TEST(Server, HandshakeThatStallsIsDropped) {
    Rig rig;
    TestClient c(ClientConfig{});
    c.start(rig.now);
    // Deliver the reset and the first TLS packet, then lose everything.
    rig.run(c, [](bool to_server, int n) { return to_server ? n >= 2 : n >= 1; });
    EXPECT_EQ(rig.server->session_count(), 1u);
    rig.advance(59'000);
    EXPECT_EQ(rig.server->session_count(), 1u);
    rig.advance(2'000);
    EXPECT_EQ(rig.server->session_count(), 0u);
}

TEST(Server, ClientFloatsToANewAddress) {
    Rig rig;
    TestClient c(ClientConfig{});
    uint32_t peer = rig.connect(c);
    Endpoint moved{0x0a000077, 5555};
    rig.dataplane.activities[peer] = PeerActivity{rig.now, moved, {}};
    rig.advance(100);
    EXPECT_EQ(rig.session_of(moved)->peer_id, peer);
    c.config().endpoint = moved; // control packets now come from there
    c.send_message("EXIT");
    rig.run(c);
    EXPECT_EQ(rig.server->session_count(), 0u);
}

TEST(Server, RestartedClientAtTheSameEndpointReplacesItsSession) {
    Rig rig;
    TestClient first(ClientConfig{});
    uint32_t old_peer = rig.connect(first);
    TestClient second(ClientConfig{}); // same endpoint, new session id
    uint32_t new_peer = rig.connect(second);
    EXPECT_TRUE(second.connected());
    EXPECT_NE(old_peer, new_peer);
    EXPECT_EQ(rig.server->session_count(), 1u);
    EXPECT_FALSE(rig.dataplane.peers.count(old_peer));
    EXPECT_EQ(rig.aaa.active_grants(), 1u);
}

TEST(Server, DisablingByReloadDisconnectsEveryone) {
    Rig rig;
    TestClient c(ClientConfig{});
    rig.connect(c);
    auto config = test_config();
    config.enabled = false;
    rig.server->reload(*make_server_setup(config, TestPki::get().server()), rig.now);
    rig.run(c);
    EXPECT_TRUE(c.received("RESTART"));
    rig.advance(100);
    EXPECT_EQ(rig.server->session_count(), 0u);
    TestClient d(ClientConfig{});
    d.start(rig.now);
    for (auto& x : d.poll(rig.now))
        rig.server->on_datagram(d.endpoint(), 0, x, rig.now);
    EXPECT_TRUE(rig.dataplane.sent.empty());
}

// OpenVPN over TCP: when the client's stream ends, its session goes at once (not after the
// keepalive timeout), its peer is retired and its address grant given back; another client's
// session is untouched, and an endpoint without a session is a no-op.
TEST(Server, TransportClosedEndsTheSessionAtOnce) {
    Rig rig;
    TestClient a(ClientConfig{});
    ClientConfig bob_config;
    bob_config.endpoint = Endpoint{0x0a000003, 40001};
    bob_config.user = "bob";
    bob_config.password = "builder";
    TestClient b(bob_config);
    uint32_t peer_a = rig.connect(a);
    uint32_t peer_b = rig.connect(b);
    ASSERT_TRUE(a.connected());
    ASSERT_TRUE(b.connected());
    EXPECT_EQ(rig.aaa.active_grants(), 2u);
    EXPECT_TRUE(rig.server->transport_closed(a.endpoint(), rig.now));
    EXPECT_EQ(rig.server->session_count(), 1u);
    EXPECT_FALSE(rig.dataplane.peers.count(peer_a));
    EXPECT_TRUE(rig.dataplane.peers.count(peer_b));
    EXPECT_EQ(rig.aaa.active_grants(), 1u);
    EXPECT_FALSE(rig.server->transport_closed(a.endpoint(), rig.now));
    EXPECT_TRUE(rig.session_of(b.endpoint()));
}
