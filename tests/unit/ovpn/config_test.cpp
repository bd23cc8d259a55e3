// control/ovpn/config: the ovpn_server section, its RouterOS defaults and its errors.
#include "control/ovpn/config.hpp"
#include "control/ovpn/setup.hpp"
#include "tests/unit/ovpn/test_data.hpp"
#include "tests/unit/ovpn/test_pki.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

namespace {

struct Parsed {
    ServerConfig config;
    config::Diagnostics diag;
};

Parsed parse(const std::string& body) {
    Parsed p;
    auto file = config::read_string("ovpn_server = {\n" + body + "\n};\n", p.diag);
    if (!file) return p;
    config::Section root(file->config->getRoot(), p.diag);
    auto s = root.group("ovpn_server");
    p.config = parse_server_config(*s);
    return p;
}

} // namespace

TEST(OvpnConfig, DefaultsFollowRouterOs) {
    auto p = parse(R"(certificate = "server";)");
    ASSERT_TRUE(p.diag.ok()) << p.diag.text();
    const auto& c = p.config;
    EXPECT_FALSE(c.enabled);
    EXPECT_EQ(c.port, 1194);
    EXPECT_EQ(c.protocol, Transport::Udp);
    EXPECT_EQ(c.mode, "ip");
    EXPECT_EQ(c.auth, crypto::Digest::Sha1);
    EXPECT_EQ(c.ciphers, default_ciphers());
    EXPECT_EQ(c.default_profile, "default");
    EXPECT_EQ(c.keepalive_timeout_s, 60u);
    EXPECT_EQ(c.max_mtu, 1500u);
    EXPECT_FALSE(c.redirect_gateway);
    EXPECT_EQ(c.reneg_sec, 3600u);
    EXPECT_FALSE(c.require_client_certificate);
    EXPECT_TRUE(c.tls_ekm);
    EXPECT_FALSE(c.tls_auth);
    EXPECT_EQ(c.initial_packet_limit, 100u);
    EXPECT_EQ(c.initial_packet_prefix_limit, 10u);
}

TEST(OvpnConfig, ReadsEverySetting) {
    auto p = parse(R"(
        enabled = true; port = 1195; protocol = "udp"; mode = "ip";
        certificate = "srv"; require_client_certificate = "yes"; ca_file = "/ca.pem";
        auth = "sha256"; cipher = "aes128-cbc,aes256-gcm,chacha20-poly1305";
        data_ciphers_fallback = "aes128-cbc"; tls_ekm = false;
        default_profile = "vpn"; keepalive_timeout = "30s"; max_mtu = 1420;
        redirect_gateway = "def1"; push_routes = ["192.168.88.0/24"];
        reneg_sec = "1h"; reneg_bytes = 1000000; reneg_packets = 5000;
        handshake_window = "30s"; transition_window = "60s"; tls_timeout = "1s";
        tls_auth = { key = "/ta.key"; direction = "0"; digest = "sha512"; };
        replay_window = 32; initial_packet_limit = 10; initial_packet_period = "5s";
        initial_packet_prefix_limit = 4;
        max_sessions = 100; tls_version_min = "1.3";
    )");
    ASSERT_TRUE(p.diag.ok()) << p.diag.text();
    const auto& c = p.config;
    EXPECT_TRUE(c.enabled);
    EXPECT_EQ(c.port, 1195);
    EXPECT_TRUE(c.require_client_certificate);
    EXPECT_EQ(c.auth, crypto::Digest::Sha256);
    ASSERT_EQ(c.ciphers.size(), 3u);
    EXPECT_EQ(c.ciphers[0], crypto::Cipher::Aes128Cbc);
    EXPECT_EQ(c.ciphers[2], crypto::Cipher::ChaCha20Poly1305);
    EXPECT_EQ(c.data_ciphers_fallback, crypto::Cipher::Aes128Cbc);
    EXPECT_FALSE(c.tls_ekm);
    EXPECT_EQ(c.default_profile, "vpn");
    EXPECT_EQ(c.keepalive_timeout_s, 30u);
    EXPECT_EQ(c.max_mtu, 1420u);
    EXPECT_EQ(c.initial_packet_prefix_limit, 4u);
    EXPECT_TRUE(c.redirect_gateway);
    ASSERT_EQ(c.push_routes.size(), 1u);
    EXPECT_EQ(c.reneg_sec, 3600u);
    EXPECT_EQ(c.reneg_bytes, 1000000u);
    EXPECT_EQ(c.handshake_window_s, 30u);
    ASSERT_TRUE(c.tls_auth);
    EXPECT_EQ(c.tls_auth->direction, KeyDirection::Normal);
    EXPECT_EQ(c.tls_auth->digest, crypto::Digest::Sha512);
    EXPECT_EQ(c.replay_window, 32u);
    EXPECT_EQ(c.tls_version_min, tls::Version::Tls13);
}

TEST(OvpnConfig, ProtocolTcpAndBoth) {
    auto tcp = parse(R"(certificate = "s"; protocol = "tcp";)");
    ASSERT_TRUE(tcp.diag.ok()) << tcp.diag.text();
    EXPECT_EQ(tcp.config.protocol, Transport::Tcp);
    EXPECT_TRUE(serves_tcp(tcp.config.protocol));
    EXPECT_FALSE(serves_udp(tcp.config.protocol));
    auto both = parse(R"(certificate = "s"; protocol = "udp,tcp";)");
    ASSERT_TRUE(both.diag.ok()) << both.diag.text();
    EXPECT_EQ(both.config.protocol, Transport::UdpTcp);
    EXPECT_TRUE(serves_tcp(both.config.protocol));
    EXPECT_TRUE(serves_udp(both.config.protocol));
}

TEST(OvpnConfig, ReportsMistakesWithTheirPlace) {
    auto p = parse(R"(certificate = "s"; cipher = "blowfish128"; protocol = "sctp";
                      mode = "ethernet"; auth = "sha3"; colour = "blue";
                      redirect_gateway = "def2"; keepalive_timeout = "forever";)");
    std::string text = p.diag.text();
    EXPECT_NE(text.find("ovpn_server.cipher: 'blowfish128' is not one of"), std::string::npos)
        << text;
    EXPECT_NE(text.find("ovpn_server.protocol: 'sctp' is not one of: udp, tcp, udp,tcp"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("ovpn_server.mode"), std::string::npos);
    EXPECT_NE(text.find("ovpn_server.auth: 'sha3'"), std::string::npos);
    EXPECT_NE(text.find("ovpn_server.colour: unknown setting"), std::string::npos);
    EXPECT_NE(text.find("ovpn_server.redirect_gateway"), std::string::npos);
    EXPECT_NE(text.find("ovpn_server.keepalive_timeout"), std::string::npos);
    EXPECT_NE(text.find("<config>:"), std::string::npos); // file:line prefix
}

TEST(OvpnConfig, NeedsACertificateAndOneWrapping) {
    EXPECT_NE(parse("").diag.text().find("certificate"), std::string::npos);
    auto p = parse(R"(certificate = "s"; tls_auth = { key = "/a"; }; tls_crypt = "/b";)");
    EXPECT_NE(p.diag.text().find("either tls_auth or tls_crypt"), std::string::npos);
    p = parse(R"(certificate = "s"; require_client_certificate = true;)");
    EXPECT_EQ(p.diag.text().find("ca_file"), std::string::npos); // the store has CAs
    p = parse(R"(certificate_file = "/c.pem"; require_client_certificate = true;)");
    EXPECT_NE(p.diag.text().find("ca_file"), std::string::npos);
}

TEST(OvpnSetup, LoadsWrappingKeysAndNamesBadFiles) {
    ServerConfig c;
    c.tls_crypt_key_file = std::string(OVPN_TEST_DATA) + "/ta.key";
    c.tls_crypt_v2_key_file = std::string(OVPN_TEST_DATA) + "/v2-server.key";
    auto setup = make_server_setup(c, test::TestPki::get().server());
    ASSERT_TRUE(setup.ok()) << setup.message();
    EXPECT_TRUE((*setup)->tls_crypt);
    EXPECT_TRUE((*setup)->tls_crypt_v2);
    EXPECT_FALSE((*setup)->tls_auth);

    c.tls_crypt_key_file = std::string(OVPN_TEST_DATA) + "/v2-server.key"; // wrong kind
    auto bad = make_server_setup(c, test::TestPki::get().server());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("ovpn_server.tls_crypt"), std::string::npos) << bad.message();

    ServerConfig d;
    d.tls_auth = TlsAuthConfig{"/nonexistent.key", KeyDirection::Normal, std::nullopt};
    bad = make_server_setup(d, test::TestPki::get().server());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("/nonexistent.key"), std::string::npos);
}
