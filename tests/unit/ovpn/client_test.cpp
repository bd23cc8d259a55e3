// The OpenVPN client's control channel (control/ovpn/client.hpp) against the real server, in
// process, with real OpenSSL handshakes: it connects, derives the same data keys the server
// installs (TLS-EKM, legacy PRF with CBC), follows a server-initiated renegotiation, takes the
// pushed routes, fails with the server's reason on a wrong password and times out alone; with
// tls-auth, tls-crypt and a tls-crypt-v2 client key.
// Also the PUSH_REPLY interpretation (control/ovpn/client_push.hpp).
#include "control/ovpn/client.hpp"
#include "control/ovpn/client_config.hpp"
#include "control/ovpn/client_push.hpp"
#include "control/ovpn/static_key.hpp"
#include "tests/unit/ovpn/server_rig.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace vp::test {
namespace {

using namespace vp::ovpn;

const Endpoint link_endpoint{0xc0a80102, 61000};

ClientSettings settings(std::string password = "wonderland",
                        std::vector<crypto::Cipher> ciphers = default_ciphers(),
                        crypto::Digest auth = crypto::Digest::Sha1) {
    ClientSettings s;
    s.tls = TestPki::get().client_context();
    s.user = "alice";
    s.password = std::move(password);
    s.ciphers = std::move(ciphers);
    s.auth = auth;
    return s;
}

// Carries datagrams between the client and the server until nothing moves; then advances the
// clock a second at a time (up to `seconds`).
void exchange(Rig& rig, Client& c, int seconds = 3) {
    for (int idle = 0; idle <= seconds;) {
        bool moved = false;
        for (auto& d : c.poll(rig.now)) {
            moved = true;
            rig.server->on_datagram(link_endpoint, 0, d, rig.now);
        }
        for (auto& d : rig.take_sent_to(link_endpoint)) {
            moved = true;
            c.receive(d, rig.now);
        }
        if (!moved) {
            if (idle++ == seconds) break;
            rig.advance(1000);
        }
    }
}

void expect_same_keys(const DataKeys& client, const DataKeys& server) {
    EXPECT_EQ(client.key_id, server.key_id);
    EXPECT_EQ(client.cipher, server.cipher);
    EXPECT_EQ(client.digest, server.digest);
    EXPECT_EQ(client.client_to_server, server.client_to_server);
    EXPECT_EQ(client.server_to_client, server.server_to_client);
}

TEST(OvpnClient, ConnectsAndDerivesTheServersKeysWithEkm) {
    Rig rig;
    Client c(settings(), rig.now);
    exchange(rig, c);
    ASSERT_EQ(c.phase(), ClientPhase::Connected) << c.failure();
    auto s = rig.session_of(link_endpoint);
    ASSERT_TRUE(s);
    ASSERT_TRUE(c.pushed().peer_id);
    EXPECT_EQ(*c.pushed().peer_id, s->peer_id);
    EXPECT_EQ(c.pushed().local_address, s->tunnel_address);
    EXPECT_EQ(c.pushed().remote_address, 0x0a080001u);
    EXPECT_TRUE(c.pushed().tls_ekm);
    EXPECT_EQ(c.cipher(), crypto::Cipher::Aes256Gcm);
    auto keys = c.take_keys();
    ASSERT_EQ(keys.size(), 1u);
    ASSERT_TRUE(rig.dataplane.keys[s->peer_id].count(0));
    expect_same_keys(keys[0], rig.dataplane.keys[s->peer_id][0]);
    EXPECT_TRUE(c.take_keys().empty());
}

TEST(OvpnClient, LegacyPrfWithCbcMatchesTheServer) {
    auto config = test_config();
    config.ciphers = {crypto::Cipher::Aes256Cbc};
    config.auth = crypto::Digest::Sha256;
    config.tls_ekm = false;
    Rig rig(config);
    Client c(settings("wonderland", {crypto::Cipher::Aes256Cbc}, crypto::Digest::Sha256), rig.now);
    exchange(rig, c);
    ASSERT_EQ(c.phase(), ClientPhase::Connected) << c.failure();
    EXPECT_FALSE(c.pushed().tls_ekm);
    EXPECT_EQ(c.encoding(), "AES-256-CBC/SHA256");
    auto s = rig.session_of(link_endpoint);
    ASSERT_TRUE(s);
    auto keys = c.take_keys();
    ASSERT_EQ(keys.size(), 1u);
    expect_same_keys(keys[0], rig.dataplane.keys[s->peer_id][0]);
}

// tls-crypt and tls-auth on the client side, against the server configured with the same key
// file (tests/unit/ovpn/data/ta.key), through the link's own key loading.
TEST(OvpnClient, ConnectsWithTlsCryptAndTlsAuthAndNotWithTheWrongKeyOrDirection) {
    const std::string key_file = std::string(OVPN_TEST_DATA) + "/ta.key";
    auto client_with = [&](const ClientLinkConfig& link) {
        auto keys = load_client_wrap_keys(link);
        EXPECT_TRUE(keys.ok()) << keys.message();
        ClientSettings s = settings();
        if (keys.ok()) {
            s.tls_auth = keys->tls_auth;
            s.tls_crypt = keys->tls_crypt;
        }
        return s;
    };
    {
        auto config = test_config();
        config.tls_crypt_key_file = key_file;
        Rig rig(config);
        ClientLinkConfig link;
        link.tls_crypt_key_file = key_file;
        Client c(client_with(link), rig.now);
        exchange(rig, c);
        ASSERT_EQ(c.phase(), ClientPhase::Connected) << c.failure();
        EXPECT_EQ(c.bad_datagrams(), 0u);
        // Without the wrapping the server does not answer at all.
        Rig rig2(config);
        Client plain(settings(), rig2.now);
        exchange(rig2, plain);
        EXPECT_NE(plain.phase(), ClientPhase::Connected);
        EXPECT_FALSE(rig2.session_of(link_endpoint));
    }
    for (auto [direction, works] :
         {std::pair{KeyDirection::Inverse, true}, std::pair{KeyDirection::Normal, false}}) {
        auto config = test_config();
        config.tls_auth = TlsAuthConfig{key_file, KeyDirection::Normal, crypto::Digest::Sha256};
        Rig rig(config);
        ClientLinkConfig link;
        link.tls_auth = TlsAuthConfig{key_file, direction, crypto::Digest::Sha256};
        Client c(client_with(link), rig.now);
        exchange(rig, c);
        EXPECT_EQ(c.phase() == ClientPhase::Connected, works) << c.failure();
    }
    ClientLinkConfig missing;
    missing.tls_crypt_key_file = "/nonexistent/ta.key";
    auto keys = load_client_wrap_keys(missing);
    ASSERT_FALSE(keys.ok());
    EXPECT_EQ(keys.message().rfind("tls_crypt: ", 0), 0u) << keys.message();
}

// tls-crypt-v2: the link's client key file (Kc || WKc, as `openvpn --genkey tls-crypt-v2-client`
// writes it) against the server with the server key that wrapped it; a client key wrapped by
// another server key gets no answer and no session.
TEST(OvpnClient, ConnectsWithATlsCryptV2ClientKeyAndNotWithAForeignOne) {
    auto server_key = generate_tls_crypt_v2_server_key();
    const std::string dir = testing::TempDir();
    const std::string server_file = dir + "/link-v2-server.key";
    { std::ofstream(server_file) << format_tls_crypt_v2_server_key(server_key); }
    auto client_file = [&](const TlsCryptV2ServerKey& wrapping, const std::string& name) {
        auto key = generate_tls_crypt_v2_client_key(wrapping, 1700000000);
        EXPECT_TRUE(key.ok()) << key.message();
        std::string path = dir + "/" + name;
        std::ofstream(path) << format_tls_crypt_v2_client_key(*key);
        return path;
    };
    const std::string good = client_file(server_key, "link-v2-client.key");
    const std::string foreign =
        client_file(generate_tls_crypt_v2_server_key(), "link-v2-foreign.key");
    auto config = test_config();
    config.tls_crypt_v2_key_file = server_file;
    for (auto [file, works] : {std::pair{good, true}, std::pair{foreign, false}}) {
        Rig rig(config);
        ClientLinkConfig link;
        link.tls_crypt_v2_key_file = file;
        auto keys = load_client_wrap_keys(link);
        ASSERT_TRUE(keys.ok()) << keys.message();
        ASSERT_TRUE(keys->tls_crypt && keys->tls_crypt_v2_wkc);
        ClientSettings s = settings();
        s.tls_crypt = keys->tls_crypt;
        s.tls_crypt_v2_wkc = keys->tls_crypt_v2_wkc;
        Client c(std::move(s), rig.now);
        exchange(rig, c);
        EXPECT_EQ(c.phase() == ClientPhase::Connected, works) << file << ": " << c.failure();
        EXPECT_EQ(static_cast<bool>(rig.session_of(link_endpoint)), works) << file;
        if (works) {
            EXPECT_EQ(c.bad_datagrams(), 0u);
            auto s2 = rig.session_of(link_endpoint);
            auto data = c.take_keys();
            ASSERT_EQ(data.size(), 1u);
            expect_same_keys(data[0], rig.dataplane.keys[s2->peer_id][0]);
        } else {
            EXPECT_GE(rig.server->counters().wrap_rejected, 1u);
        }
    }
    // Not a tls-crypt-v2 client key (a tls-crypt static key): the attempt fails with the reason.
    ClientLinkConfig wrong;
    wrong.tls_crypt_v2_key_file = std::string(OVPN_TEST_DATA) + "/ta.key";
    auto keys = load_client_wrap_keys(wrong);
    ASSERT_FALSE(keys.ok());
    EXPECT_EQ(keys.message().rfind("tls_crypt_v2: ", 0), 0u) << keys.message();
}

TEST(OvpnClient, FollowsAServerRenegotiation) {
    Rig rig;
    Client c(settings(), rig.now);
    exchange(rig, c);
    ASSERT_EQ(c.phase(), ClientPhase::Connected) << c.failure();
    uint32_t peer = *c.pushed().peer_id;
    (void)c.take_keys();
    ASSERT_TRUE(rig.server->renegotiate(peer, rig.now));
    exchange(rig, c);
    auto keys = c.take_keys();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].key_id, 1);
    ASSERT_TRUE(rig.dataplane.keys[peer].count(1));
    expect_same_keys(keys[0], rig.dataplane.keys[peer][1]);
    EXPECT_EQ(c.phase(), ClientPhase::Connected);
}

TEST(OvpnClient, TakesPushedRoutes) {
    auto config = test_config();
    config.push_routes = {*net::parse_prefix("192.168.77.0/24")};
    Rig rig(config);
    Client c(settings(), rig.now);
    exchange(rig, c);
    ASSERT_EQ(c.phase(), ClientPhase::Connected) << c.failure();
    ASSERT_EQ(c.pushed().routes.size(), 1u);
    EXPECT_EQ(net::to_string(c.pushed().routes[0]), "192.168.77.0/24");
}

TEST(OvpnClient, WrongPasswordFailsWithTheServersReason) {
    Rig rig;
    Client c(settings("not-the-password"), rig.now);
    exchange(rig, c, 10);
    ASSERT_EQ(c.phase(), ClientPhase::Failed);
    EXPECT_NE(c.failure().find("AUTH_FAILED"), std::string::npos) << c.failure();
    EXPECT_TRUE(c.take_keys().empty());
    EXPECT_FALSE(rig.session_of(link_endpoint) && rig.session_of(link_endpoint)->state == "up");
}

TEST(OvpnClient, NoServerTimesOut) {
    uint64_t now = 1000;
    Client c(settings(), now);
    EXPECT_FALSE(c.poll(now).empty()); // the hard reset
    for (int i = 0; i < 70 && c.phase() != ClientPhase::Failed; ++i)
        (void)c.poll(now += 1000);
    EXPECT_EQ(c.phase(), ClientPhase::Failed);
    EXPECT_NE(c.failure().find("timed out"), std::string::npos) << c.failure();
}

TEST(OvpnClient, IgnoresGarbageAndForeignSessions) {
    Rig rig;
    Client c(settings(), rig.now);
    Bytes junk = {0x01, 0x02};
    c.receive(junk, rig.now);
    Bytes data_v2 = {0x48, 0, 0, 1, 0, 0, 0, 1};
    c.receive(data_v2, rig.now);
    EXPECT_EQ(c.bad_datagrams(), 2u);
    exchange(rig, c);
    EXPECT_EQ(c.phase(), ClientPhase::Connected) << c.failure();
}

TEST(OvpnClientPush, P2pTopology) {
    auto c = interpret_push_options({"topology p2p", "ifconfig 10.8.0.6 10.8.0.1", "peer-id 7",
                                     "cipher AES-128-GCM", "ping 10", "ping-restart 60",
                                     "route 192.168.1.0 255.255.255.0", "dhcp-option DNS 1.1.1.1",
                                     "key-derivation tls-ekm"});
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_EQ(net::to_string(c->local_address), "10.8.0.6");
    EXPECT_EQ(net::to_string(c->remote_address), "10.8.0.1");
    EXPECT_EQ(c->peer_id, 7u);
    EXPECT_EQ(c->cipher, crypto::Cipher::Aes128Gcm);
    EXPECT_EQ(c->ping_s, 10u);
    EXPECT_EQ(c->ping_restart_s, 60u);
    EXPECT_TRUE(c->tls_ekm);
    ASSERT_EQ(c->routes.size(), 1u);
    EXPECT_EQ(net::to_string(c->routes[0]), "192.168.1.0/24");
    ASSERT_EQ(c->ignored.size(), 1u);
    EXPECT_EQ(c->ignored[0], "dhcp-option");
}

TEST(OvpnClientPush, SubnetTopologyUsesRouteGateway) {
    auto c = interpret_push_options(
        {"topology subnet", "ifconfig 10.8.0.6 255.255.255.0", "route-gateway 10.8.0.1"});
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_EQ(c->prefix_length, 24);
    EXPECT_EQ(net::to_string(c->remote_address), "10.8.0.1");
}

TEST(OvpnClientPush, RefusesWhatItCannotUse) {
    EXPECT_FALSE(interpret_push_options({"route-gateway 10.8.0.1"}).ok()); // no ifconfig
    EXPECT_FALSE(interpret_push_options({"ifconfig 10.8.0.6 x"}).ok());
    EXPECT_FALSE(interpret_push_options({"ifconfig 10.8.0.6 10.8.0.1", "peer-id 99999999"}).ok());
    EXPECT_FALSE(interpret_push_options({"ifconfig 10.8.0.6 10.8.0.1", "cipher ROT13"}).ok());
    EXPECT_FALSE(
        interpret_push_options({"ifconfig 10.8.0.6 10.8.0.1", "route 10.0.0.0 255.0.255.0"}).ok());
    EXPECT_FALSE(interpret_push_options({"topology subnet", "ifconfig 10.8.0.6 255.255.255.0"})
                     .ok()); // no route-gateway
}

TEST(OvpnClientPush, ContinuationsAccumulate) {
    PushAccumulator acc;
    ASSERT_TRUE(acc.add({"ifconfig 10.8.0.6 10.8.0.1", "push-continuation 2"}));
    EXPECT_FALSE(acc.complete());
    ASSERT_TRUE(acc.add({"peer-id 3", "push-continuation 1"}));
    EXPECT_TRUE(acc.complete());
    EXPECT_EQ(acc.options().size(), 2u);
}

} // namespace
} // namespace vp::test
