// The SSTP client (control/sstp/client_connection, client_protocol) against the appliance's own
// SSTP server connection (sstp::Connection with LocalAaa) in one process: real OpenSSL on both
// sides, HTTP, Connect Request/Ack, client-role PPP for every method, the crypto-bound Call
// Connected the server verifies, IP both ways, disconnect from either side, a wrong password,
// an untrusted server certificate, the keepalive; and the server responses the protocol refuses
// (HTTP errors, Connect Nak, malformed packets).
#include "control/aaa/local_aaa.hpp"
#include "control/sstp/client_config.hpp"
#include "control/sstp/client_connection.hpp"
#include "control/sstp/connection.hpp"
#include "control/sstp/server_config.hpp"
#include "control/tls/key_export.hpp"
#include "tests/common/self_signed.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace vp::sstp {
namespace {

constexpr const char* kAaa = R"(
ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.9"; });
ppp_profiles = ({ name = "vpn-profile"; local_address = "10.10.10.1"; remote_address = "vpn"; });
ppp_secrets = ({ name = "branch"; password = "s3cret"; service = "sstp"; profile = "vpn-profile"; });
)";

using Identity = test::SelfSigned;

const Identity& server_identity() {
    static const Identity id("vpn.test");
    return id;
}

std::shared_ptr<const ConnectionSetup> server_setup(const ServerConfig& c) {
    const Identity& id = server_identity();
    tls::Credentials creds;
    X509_up_ref(id.cert.get());
    creds.certificate.reset(id.cert.get());
    EVP_PKEY_up_ref(id.key.get());
    creds.private_key.reset(id.key.get());
    auto ctx = tls::Context::server(creds, tls_policy(c));
    EXPECT_TRUE(ctx.ok()) << ctx.message();
    auto s = std::make_shared<ConnectionSetup>();
    s->tls = *ctx;
    s->cert = *cert_hashes(id.der());
    s->ppp.role = ppp::Role::Server;
    s->ppp.auth_methods = c.authentication;
    return s;
}

// `trusted`: verify the server against this certificate; nullptr: no verification.
std::shared_ptr<const tls::Context> client_tls(const Identity* trusted) {
    tls::Credentials creds;
    tls::Policy policy;
    policy.verify_peer = trusted != nullptr;
    if (trusted) {
        X509_up_ref(trusted->cert.get());
        creds.trusted.emplace_back(trusted->cert.get());
    }
    auto c = tls::Context::client(creds, policy);
    EXPECT_TRUE(c.ok()) << c.message();
    return *c;
}

struct Options {
    std::vector<ppp::AuthMethod> server_methods = {ppp::AuthMethod::MsChapV2};
    std::vector<ppp::AuthMethod> client_methods = {ppp::AuthMethod::MsChapV2,
                                                   ppp::AuthMethod::MsChapV1,
                                                   ppp::AuthMethod::ChapMd5, ppp::AuthMethod::Pap};
    std::string password = "s3cret";
    const Identity* trusted = nullptr;
    std::optional<tls::Policy> policy; // the link's policy (client_tls_policy) instead
};

struct Link {
    aaa::LocalAaa aaa{*aaa::aaa_config_from_string(kAaa)};
    std::unique_ptr<Connection> server;
    std::unique_ptr<ClientConnection> client;
    uint64_t now = 1000;
    bool deliver_to_client = true;

    explicit Link(const Options& o = {}) {
        ServerConfig sc;
        sc.authentication = o.server_methods;
        server = std::make_unique<Connection>(server_setup(sc), aaa, "192.0.2.7:50000", now);
        ClientProtocolConfig pc;
        pc.host = "vpn.test";
        pc.correlation_id = "{11111111-2222-3333-4444-555555555555}";
        pc.ppp.auth_methods = o.client_methods;
        pc.ppp.user = "branch";
        pc.ppp.password = o.password;
        pc.hello_ms = 10'000;
        std::shared_ptr<const tls::Context> ctx = client_tls(o.trusted);
        if (o.policy) ctx = *tls::Context::client(tls::Credentials{}, *o.policy);
        client = std::make_unique<ClientConnection>(ctx, pc, now);
    }
    void shuttle() {
        for (int i = 0; i < 200; ++i) {
            Bytes c = client->take_output();
            if (!c.empty() && !server->done()) server->on_data(c, now);
            Bytes s = server->take_output();
            if (!deliver_to_client) s.clear();
            if (c.empty() && s.empty()) return;
            if (!s.empty()) client->on_data(s, now);
        }
        ADD_FAILURE() << "no quiet after 200 rounds";
    }
    void advance(uint64_t ms) {
        for (uint64_t t = 0; t < ms; t += 500) {
            now += 500;
            server->on_timer(now);
            client->on_timer(now);
            shuttle();
        }
    }
};

net::Ipv4 ip(const char* s) {
    return *net::parse_ipv4(s);
}

std::string method_name(const ::testing::TestParamInfo<ppp::AuthMethod>& param) {
    static const char* const names[] = {"none", "pap", "chap", "mschap1", "mschap2"};
    return names[static_cast<int>(param.param)];
}

class ServerMethod : public ::testing::TestWithParam<ppp::AuthMethod> {};

TEST_P(ServerMethod, ConnectsCarriesIpBothWaysAndDisconnects) {
    Options o;
    o.server_methods = {GetParam()};
    Link l(o);
    l.shuttle();
    ASSERT_TRUE(l.client->connected()) << l.client->phase() << ": " << l.client->failure();
    // The server verified the crypto binding (SHA256, the HLAK of the method, zeros for PAP
    // and CHAP) and has IP up with the pool's address for us.
    ASSERT_TRUE(l.server->ready_for_data()) << l.server->state();
    EXPECT_EQ(l.server->control()->state(), ControlState::Connected);
    const ClientProtocol& p = *l.client->protocol();
    EXPECT_EQ(p.local_address(), ip("10.10.10.2"));
    EXPECT_EQ(p.remote_address(), ip("10.10.10.1"));
    EXPECT_EQ(p.binding_hash(), HashProtocol::Sha256);
    EXPECT_EQ(p.ppp().auth_method(), GetParam());
    EXPECT_EQ(l.client->encoding(), "TLS1.3 TLS_AES_256_GCM_SHA384");

    const Bytes packet = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 10, 10, 2, 10, 10, 10, 1};
    l.server->set_forwarding(true);
    ASSERT_TRUE(l.client->send_ip(packet));
    l.shuttle();
    auto at_server = l.server->take_ip_packets();
    ASSERT_EQ(at_server.size(), 1u);
    EXPECT_EQ(at_server[0], packet);
    l.server->send_ip(packet);
    l.shuttle();
    auto at_client = l.client->take_ip_packets();
    ASSERT_EQ(at_client.size(), 1u);
    EXPECT_EQ(at_client[0], packet);

    l.client->disconnect(l.now);
    l.shuttle();
    EXPECT_TRUE(l.client->done());
    EXPECT_EQ(l.client->failure(), "");
    l.advance(2000); // the server closes a second after its Disconnect Ack
    EXPECT_TRUE(l.server->done());
    EXPECT_NE(l.server->end_reason().find("Call Disconnect"), std::string::npos)
        << l.server->end_reason();
}

INSTANTIATE_TEST_SUITE_P(SstpClient, ServerMethod,
                         ::testing::Values(ppp::AuthMethod::MsChapV2, ppp::AuthMethod::MsChapV1,
                                           ppp::AuthMethod::ChapMd5, ppp::AuthMethod::Pap),
                         method_name);

// Windows and RouterOS close TCP as soon as the Disconnect Ack arrives (e2e_sstp_peers): the
// call still ended by the client's Call Disconnect, and the server's history says so.
TEST(SstpClient, ClosingRightAfterTheDisconnectAckIsACallDisconnect) {
    Link l;
    l.shuttle();
    ASSERT_TRUE(l.client->connected()) << l.client->failure();
    l.client->disconnect(l.now);
    l.shuttle();
    ASSERT_TRUE(l.client->done());
    ASSERT_FALSE(l.server->done()); // it waits a second before closing
    l.server->peer_closed();
    EXPECT_TRUE(l.server->done());
    EXPECT_EQ(l.server->end_reason(), "the client sent SSTP Call Disconnect");
}

TEST(SstpClient, AWrongPasswordIsReportedAsTheReason) {
    Options o;
    o.password = "wrong";
    Link l(o);
    l.shuttle();
    l.advance(3000);
    EXPECT_TRUE(l.client->done());
    EXPECT_FALSE(l.client->connected());
    EXPECT_NE(l.client->failure().find("authentication failed"), std::string::npos)
        << l.client->failure();
    EXPECT_FALSE(l.server->ip_up());
}

TEST(SstpClient, AMethodTheClientDoesNotAcceptEndsTheCall) {
    Options o;
    o.server_methods = {ppp::AuthMethod::Pap};
    o.client_methods = {ppp::AuthMethod::MsChapV2};
    Link l(o);
    l.shuttle();
    l.advance(30'000);
    EXPECT_TRUE(l.client->done());
    EXPECT_FALSE(l.client->failure().empty());
    EXPECT_FALSE(l.server->ip_up());
}

TEST(SstpClient, AnUntrustedServerCertificateIsRefused) {
    Identity other("other-ca");
    Options o;
    o.trusted = &other;
    Link l(o);
    l.shuttle();
    EXPECT_TRUE(l.client->done());
    EXPECT_FALSE(l.client->connected());
    EXPECT_EQ(l.client->failure().rfind("TLS: ", 0), 0u) << l.client->failure();
    EXPECT_NE(l.client->failure().find("certificate"), std::string::npos) << l.client->failure();
    EXPECT_FALSE(l.server->ip_up());
}

TEST(SstpClient, ATrustedServerCertificateIsAccepted) {
    Options o;
    o.trusted = &server_identity();
    Link l(o);
    l.shuttle();
    EXPECT_TRUE(l.client->connected()) << l.client->failure();
}

TEST(SstpClient, TheLinksTlsVersionAndPfsSelectTheSuite) {
    ClientLinkConfig link;
    link.tls_version = TlsVersions::Only12;
    link.pfs = Pfs::Required;
    Options o;
    o.policy = client_tls_policy(link);
    Link l(o);
    l.shuttle();
    ASSERT_TRUE(l.client->connected()) << l.client->failure();
    EXPECT_EQ(l.client->encoding(), "TLS1.2 ECDHE-ECDSA-AES256-GCM-SHA384");
}

TEST(SstpClient, TheServersDisconnectIsTheReason) {
    Link l;
    l.shuttle();
    ASSERT_TRUE(l.client->connected());
    l.server->disconnect(l.now);
    l.shuttle();
    EXPECT_TRUE(l.client->done());
    EXPECT_EQ(l.client->failure(), "the server sent SSTP Call Disconnect");
}

TEST(SstpClient, ASilentServerIsProbedThenGivenUp) {
    Link l;
    l.shuttle();
    ASSERT_TRUE(l.client->connected());
    l.advance(10'500); // one hello interval: an Echo Request, the server answers
    EXPECT_EQ(l.client->protocol()->counters().echo_requests_sent, 1u);
    EXPECT_FALSE(l.client->done());
    l.deliver_to_client = false; // the server's bytes no longer arrive
    l.advance(25'000);
    EXPECT_TRUE(l.client->done());
    EXPECT_NE(l.client->failure().find("echo"), std::string::npos) << l.client->failure();
}

// ---- ClientProtocol alone: what it refuses of a server ----

struct Proto {
    ClientProtocol p;
    Proto() : p(config(), 0) { EXPECT_FALSE(p.take_output().empty()); } // the HTTP request
    static ClientProtocolConfig config() {
        ClientProtocolConfig c;
        c.host = "vpn.test";
        c.ppp.user = "branch";
        c.ppp.password = "x";
        return c;
    }
    void feed(std::string_view s) {
        p.on_plaintext({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, 1);
    }
};

TEST(SstpClientProtocol, TheRequestIsTheDuplexPost) {
    std::string r = build_http_request("vpn.test", "{X}");
    EXPECT_EQ(
        r.rfind("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n", 0),
        0u);
    EXPECT_NE(r.find("Content-Length: 18446744073709551615\r\n"), std::string::npos);
    EXPECT_NE(r.find("Host: vpn.test\r\n"), std::string::npos);
}

TEST(SstpClientProtocol, AnHttpErrorIsTheReason) {
    Proto t;
    t.feed("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(t.p.closed());
    EXPECT_EQ(t.p.failure(), "the server answered the SSTP request with HTTP 403 Forbidden");
}

TEST(SstpClientProtocol, NotHttpAndAnEndlessHeadAreRefused) {
    Proto a;
    a.feed("SSH-2.0-OpenSSH\r\n\r\n");
    EXPECT_TRUE(a.p.closed());
    EXPECT_NE(a.p.failure().find("status line"), std::string::npos);
    Proto b;
    b.feed("HTTP/1.1 200 OK\r\n" + std::string(9000, 'a'));
    EXPECT_TRUE(b.p.closed());
    EXPECT_NE(b.p.failure().find("8192"), std::string::npos);
}

TEST(SstpClientProtocol, ConnectNakIsTheReason) {
    Proto t;
    t.feed("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n");
    ASSERT_EQ(t.p.phase(), ClientPhase::ConnectAck);
    EXPECT_EQ(t.p.take_output(), build_connect_request());
    Bytes nak =
        build_connect_nak(AttributeId::EncapsulatedProtocolId, StatusCode::ValueNotSupported);
    t.p.on_plaintext(nak, 2);
    EXPECT_TRUE(t.p.closed());
    EXPECT_NE(t.p.failure().find("Connect Nak, status 4"), std::string::npos) << t.p.failure();
}

TEST(SstpClientProtocol, AnAckOfferingOnlySha1BindsWithSha1) {
    Proto t;
    t.feed("HTTP/1.1 200 OK\r\n\r\n");
    std::array<uint8_t, kNonceBytes> nonce{};
    nonce[0] = 7;
    t.p.on_plaintext(build_connect_ack(kHashBitmaskSha1, nonce), 2);
    EXPECT_EQ(t.p.phase(), ClientPhase::Ppp);
    EXPECT_EQ(t.p.binding_hash(), HashProtocol::Sha1);
    EXPECT_FALSE(t.p.take_output().empty()); // LCP Configure-Request
}

// A client that implements SHA1 only (RouterOS, tests/e2e/sstp_peer) takes SHA1 from an Ack
// offering both, and ends the call on an Ack offering SHA256 alone.
TEST(SstpClientProtocol, ASha1OnlyClientBindsWithSha1) {
    ClientProtocolConfig c = Proto::config();
    c.hash_bitmask = kHashBitmaskSha1;
    std::array<uint8_t, kNonceBytes> nonce{};
    std::string_view ok = "HTTP/1.1 200 OK\r\n\r\n";
    ByteSpan head(reinterpret_cast<const uint8_t*>(ok.data()), ok.size());
    ClientProtocol both(c, 0);
    both.on_plaintext(head, 1);
    both.on_plaintext(build_connect_ack(kHashBitmaskSha1 | kHashBitmaskSha256, nonce), 2);
    EXPECT_EQ(both.phase(), ClientPhase::Ppp);
    EXPECT_EQ(both.binding_hash(), HashProtocol::Sha1);
    ClientProtocol sha256(c, 0);
    sha256.on_plaintext(head, 1);
    sha256.on_plaintext(build_connect_ack(kHashBitmaskSha256, nonce), 2);
    EXPECT_TRUE(sha256.closed());
    EXPECT_NE(sha256.failure().find("no crypto binding hash"), std::string::npos)
        << sha256.failure();
}

TEST(SstpClientProtocol, AMalformedPacketEndsTheCall) {
    Proto t;
    t.feed("HTTP/1.1 200 OK\r\n\r\n");
    const uint8_t bad[] = {0x20, 0x01, 0x00, 0x08, 0, 2, 0, 0}; // version 2.0
    t.p.on_plaintext(bad, 2);
    EXPECT_TRUE(t.p.closed());
    EXPECT_EQ(t.p.counters().malformed, 1u);
}

} // namespace
} // namespace vp::sstp
