// sstp::Connection end to end in one process: a real OpenSSL client (control/tls over memory
// BIOs), the HTTP request, SSTP Connect Request, the PPP client role of control/ppp and a Call
// Connected signed with crypto_binding's sign function, against the server's connection with
// LocalAaa (pools, profiles, secrets). Checks IP-up for every method, the pool address coming
// back, `vpnctl disconnect`'s Call Disconnect, a wrong password, a bad HTTP request, the
// TLS version policy, and the grant's limits: session-timeout, idle-timeout and limit-bytes end
// the call with Call Disconnect and the reason, the rate-limit goes into the published spec.
// The record layer hand-over: the exported keys and counted sequence numbers open what the
// client's OpenSSL sends and seal what it reads, control packets go both ways after it.
#include "control/aaa/local_aaa.hpp"
#include "control/ppp/frame.hpp"
#include "control/sstp/connection.hpp"
#include "control/sstp/server_config.hpp"
#include "control/sstp/session_spec.hpp"
#include "control/tls/key_export.hpp"
#include "dataplane/sstp/record_layer.hpp"
#include "tests/common/self_signed.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace vp::sstp {
namespace {

constexpr const char* kAaa = R"(
ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.9"; });
ppp_profiles = ({ name = "vpn-profile"; local_address = "10.10.10.1"; remote_address = "vpn";
                  dns_server = "192.0.2.53"; },
                {  name = "timed"; local_address = "10.10.10.1"; remote_address = "vpn";
                  session_timeout = 60; rate_limit = "2M/4M"; change_tcp_mss = "no"; },
                {  name = "idle"; local_address = "10.10.10.1"; remote_address = "vpn";
                  idle_timeout = 20; });
ppp_secrets = (
  { name = "alice"; password = "s3cret"; service = "sstp"; profile = "vpn-profile"; },
  { name = "timed"; password = "s3cret"; service = "sstp"; profile = "timed";
    routes = "192.168.50.0/24, 192.168.60.0/23 10.10.10.2 5"; },
  { name = "idler"; password = "s3cret"; service = "sstp"; profile = "idle"; },
  { name = "capped"; password = "s3cret"; service = "sstp"; profile = "vpn-profile";
    limit_bytes_in = 1000; limit_bytes_out = 5000; },
  { name = "ovpnonly"; password = "s3cret"; service = "ovpn"; profile = "vpn-profile"; }
);
)";

using Identity = test::SelfSigned;

std::shared_ptr<const ConnectionSetup> make_setup(const Identity& id, const ServerConfig& c) {
    tls::Credentials creds;
    X509_up_ref(id.cert.get());
    creds.certificate.reset(id.cert.get());
    EVP_PKEY_up_ref(id.key.get());
    creds.private_key.reset(id.key.get());
    auto ctx = tls::Context::server(creds, tls_policy(c));
    EXPECT_TRUE(ctx.ok()) << ctx.message();
    EXPECT_TRUE(tls::configure_for_offload((*ctx)->native()).ok());
    auto s = std::make_shared<ConnectionSetup>();
    s->tls = *ctx;
    auto hashes = cert_hashes(id.der());
    EXPECT_TRUE(hashes.ok());
    s->cert = *hashes;
    s->ppp.role = ppp::Role::Server;
    s->ppp.auth_methods = c.authentication;
    s->default_profile = "default";
    return s;
}

const Identity& identity() {
    static const Identity id;
    return id;
}

// The client: TLS, HTTP, SSTP and PPP as sstpc + pppd do them.
struct Client {
    aaa::LocalAaa aaa{*aaa::aaa_config_from_string(kAaa)};
    std::unique_ptr<Connection> conn;
    std::shared_ptr<const tls::Context> ctx;
    std::unique_ptr<tls::Session> tls;
    std::unique_ptr<ppp::PppSession> ppp;
    ppp::PppConfig ppp_config;
    CertHashes cert;
    uint64_t now = 1000;
    Bytes plain;
    std::string http_status; // "200", "400", ...
    std::optional<std::array<uint8_t, kNonceBytes>> nonce;
    bool call_connected_sent = false;
    std::optional<net::Ipv4> client_address;
    net::Ipv4 client_peer = 0;
    std::vector<net::Ipv4> client_dns;
    std::vector<uint16_t> control_received;
    std::vector<Bytes> ip_received; // IPv4 packets the server sent, PPP header removed

    Client(ServerConfig config, std::string user, std::string password, ppp::AuthMethod method) {
        config.authentication = {method};
        auto setup = make_setup(identity(), config);
        cert = setup->cert;
        conn = std::make_unique<Connection>(setup, aaa, "192.0.2.7:50000", now);
        tls::Policy policy;
        policy.verify_peer = false;
        auto c = tls::Context::client(tls::Credentials{}, policy);
        EXPECT_TRUE(c.ok());
        ctx = *c;
        tls = std::make_unique<tls::Session>(ctx);
        EXPECT_TRUE(tls->feed({}).ok()); // the ClientHello
        ppp_config.role = ppp::Role::Client;
        ppp_config.auth_methods = {method};
        ppp_config.user = std::move(user);
        ppp_config.password = std::move(password);
        ppp = std::make_unique<ppp::PppSession>(ppp_config, nullptr, nullptr);
    }

    void send(ByteSpan plaintext) { EXPECT_TRUE(tls->write(plaintext).ok()); }
    void send_text(std::string_view s) {
        send({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    }

    // Moves bytes both ways until neither side has anything to say.
    void shuttle() {
        for (int i = 0; i < 200; ++i) {
            Bytes c = tls->take_output();
            if (!c.empty()) conn->on_data(c, now);
            Bytes s = conn->take_output();
            if (c.empty() && s.empty()) return;
            if (!s.empty()) {
                EXPECT_TRUE(tls->feed(s).ok());
                Bytes p = tls->read();
                plain.insert(plain.end(), p.begin(), p.end());
                process();
            }
        }
        ADD_FAILURE() << "no quiet after 200 rounds";
    }

    void start() {
        shuttle(); // the TLS handshake
        ASSERT_TRUE(tls->handshake_done()) << tls->failure();
        send_text("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
                  "Content-Length: 18446744073709551615\r\nHost: vpn.test\r\n"
                  "SSTPCORRELATIONID: {4C5D0B2E-1111-2222-3333-444455556666}\r\n\r\n");
        send(build_connect_request());
        shuttle();
    }

    void run_ppp(ppp::Output out) {
        bool authenticated = false;
        for (auto& e : out.events) {
            if (std::holds_alternative<ppp::event::Authenticated>(e)) authenticated = true;
            if (auto* up = std::get_if<ppp::event::IpUp>(&e)) {
                client_address = up->local;
                client_peer = up->peer;
                client_dns = up->dns;
            }
        }
        for (auto& f : out.frames)
            send(*build_data_packet(f));
        if (authenticated && !call_connected_sent) {
            // What sstpc does once pppd reports the keys: the crypto-bound Call Connected.
            Bytes cc = build_call_connected_unsigned(HashProtocol::Sha256, *nonce, cert.sha256);
            EXPECT_TRUE(sign_call_connected(cc, ppp->hlak()).ok());
            send(cc);
            call_connected_sent = true;
        }
    }

    void process() {
        if (http_status.empty()) {
            std::string_view text(reinterpret_cast<const char*>(plain.data()), plain.size());
            auto end = text.find("\r\n\r\n");
            if (end == std::string_view::npos) return;
            http_status = std::string(text.substr(9, 3));
            plain.erase(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(end + 4));
        }
        StreamSplit s = split_stream(plain);
        size_t offset = 0;
        for (size_t i = 0; i < s.packets; ++i) {
            auto p = parse_packet(ByteSpan(plain).subspan(offset));
            offset += p->size;
            if (!p->control) {
                if (auto f = ppp::parse_frame(p->body); f && f->protocol == ppp::kProtoIpv4) {
                    ip_received.emplace_back(f->information.begin(), f->information.end());
                    continue;
                }
                run_ppp(ppp->input(p->body, now));
                continue;
            }
            auto m = parse_control_body(p->body);
            ASSERT_TRUE(static_cast<bool>(m));
            control_received.push_back(m->type);
            if (m->type == static_cast<uint16_t>(MessageType::CallConnectAck)) {
                std::array<uint8_t, kNonceBytes> n{};
                std::copy_n(m->attributes[0].value.data() + 4, kNonceBytes, n.begin());
                nonce = n;
                run_ppp(ppp->start(now));
            }
        }
        plain.erase(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(s.consumed));
    }

    bool received(MessageType t) const {
        return std::find(control_received.begin(), control_received.end(),
                         static_cast<uint16_t>(t)) != control_received.end();
    }
    // Time passes: both sides' timers run.
    void advance(uint64_t ms) {
        for (uint64_t t = 0; t < ms; t += 500) {
            now += 500;
            conn->on_timer(now);
            if (auto d = ppp->next_deadline(); d && *d <= now) run_ppp(ppp->on_timer(now));
            shuttle();
        }
    }
    uint64_t pool_used() const {
        for (auto& u : aaa.pool_usage())
            if (u.name == "vpn") return u.used;
        return 99;
    }
};

net::Ipv4 ip(const char* s) {
    return *net::parse_ipv4(s);
}

std::string method_name(const ::testing::TestParamInfo<ppp::AuthMethod>& info) {
    static const char* const names[] = {"none", "pap", "chap", "mschap1", "mschap2"};
    return names[static_cast<int>(info.param)];
}

class EveryMethod : public ::testing::TestWithParam<ppp::AuthMethod> {};

TEST_P(EveryMethod, ReachesIpUpWithAPoolAddressAndGivesItBack) {
    Client c(ServerConfig{}, "alice", "s3cret", GetParam());
    c.start();
    EXPECT_EQ(c.http_status, "200");
    ASSERT_TRUE(c.received(MessageType::CallConnectAck));
    ASSERT_TRUE(c.conn->ip_up()) << c.conn->state();
    ASSERT_TRUE(c.client_address);
    EXPECT_EQ(*c.client_address, c.conn->address());
    EXPECT_EQ(c.conn->address(), ip("10.10.10.2")); // the pool's first address
    EXPECT_EQ(c.client_peer, ip("10.10.10.1"));     // the profile's local_address
    EXPECT_EQ(c.client_dns, std::vector<net::Ipv4>{ip("192.0.2.53")}); // its dns_server
    EXPECT_EQ(c.conn->user(), "alice");
    EXPECT_EQ(c.conn->encoding(), "TLS1.3 TLS_AES_256_GCM_SHA384");
    ASSERT_TRUE(c.conn->control());
    EXPECT_EQ(c.conn->control()->state(), ControlState::Connected);
    EXPECT_EQ(c.pool_used(), 1u);

    // IP after Call Connected, before the service published the session: counted, dropped.
    const uint8_t ipv4[] = {0x00, 0x21, 0x45, 0x00, 0x00, 0x14, 0, 0,  0,  0,  64,
                            1,    0,    0,    10,   10,   10,   9, 10, 10, 10, 1};
    c.send(*build_data_packet(ipv4));
    c.shuttle();
    EXPECT_EQ(c.conn->counters().ip_frames_not_forwarded, 1u);
    EXPECT_TRUE(c.conn->take_ip_packets().empty());

    // Published: the client's IPv4 packet comes out without its PPP header, for the workers.
    ASSERT_TRUE(c.conn->ready_for_data());
    EXPECT_EQ(c.conn->local_address(), ip("10.10.10.1"));
    c.conn->set_forwarding(true);
    c.send(*build_data_packet(ipv4));
    c.shuttle();
    auto in = c.conn->take_ip_packets();
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0], Bytes(std::begin(ipv4) + 2, std::end(ipv4)));
    EXPECT_EQ(c.conn->counters().ip_frames_from_client, 1u);

    // A packet from the workers reaches the client as a PPP IPv4 frame in an SSTP data packet.
    const Bytes reply(std::begin(ipv4) + 2, std::end(ipv4));
    c.conn->send_ip(reply);
    c.shuttle();
    ASSERT_EQ(c.ip_received.size(), 1u);
    EXPECT_EQ(c.ip_received[0], reply);
    EXPECT_EQ(c.conn->counters().ip_frames_to_client, 1u);

    // `vpnctl disconnect`: Call Disconnect goes out; the client acks; the connection ends.
    c.conn->disconnect(c.now);
    c.shuttle();
    EXPECT_TRUE(c.received(MessageType::CallDisconnect));
    EXPECT_FALSE(c.conn->ip_up());
    c.send(build_with_optional_status(MessageType::CallDisconnectAck, std::nullopt));
    c.shuttle();
    c.advance(6000);
    EXPECT_TRUE(c.conn->done());
    c.conn.reset(); // the stream's Closed event
    EXPECT_EQ(c.pool_used(), 0u);
}

TEST(SstpConnection, CloseNotifyFromTheClientIsAnsweredCountedAndEndsTheCall) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ready_for_data());
    SSL_shutdown(c.tls->native());
    c.conn->on_data(c.tls->take_output(), c.now);
    EXPECT_TRUE(c.conn->done());
    EXPECT_FALSE(c.conn->ready_for_data());
    EXPECT_EQ(c.conn->counters().tls_close_notify, 1u);
    EXPECT_EQ(c.conn->counters().tls_errors, 0u);
    // The server's close_notify reaches the client (which reports it as the end of TLS).
    EXPECT_FALSE(c.tls->feed(c.conn->take_output()).ok());
    EXPECT_TRUE(c.tls->peer_closed());
}

TEST(SstpConnection, ARecordWithABadMacIsCountedAndEndsTheCall) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    c.send(build_with_optional_status(MessageType::EchoRequest, std::nullopt));
    Bytes record = c.tls->take_output();
    ASSERT_GT(record.size(), 5u);
    record.back() ^= 1; // the tag
    c.conn->on_data(record, c.now);
    EXPECT_TRUE(c.conn->done());
    EXPECT_EQ(c.conn->counters().tls_errors, 1u);
}

INSTANTIATE_TEST_SUITE_P(Sstp, EveryMethod,
                         ::testing::Values(ppp::AuthMethod::MsChapV2, ppp::AuthMethod::MsChapV1,
                                           ppp::AuthMethod::ChapMd5, ppp::AuthMethod::Pap),
                         method_name);

TEST(SstpConnection, WrongPasswordIsRefusedAndTheConnectionEnds) {
    Client c(ServerConfig{}, "alice", "wrong", ppp::AuthMethod::MsChapV2);
    c.start();
    EXPECT_EQ(c.http_status, "200");
    EXPECT_FALSE(c.conn->ip_up());
    EXPECT_FALSE(c.client_address);
    c.advance(10000);
    EXPECT_TRUE(c.conn->done());
    EXPECT_TRUE(c.received(MessageType::CallDisconnect) || c.received(MessageType::CallAbort));
    EXPECT_EQ(c.pool_used(), 0u);
}

TEST(SstpConnection, ASecretForAnotherServiceIsUnknownHere) {
    Client c(ServerConfig{}, "ovpnonly", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    EXPECT_FALSE(c.conn->ip_up());
    EXPECT_FALSE(c.client_address);
}

TEST(SstpConnection, BadHttpIsAnswered4xxAndClosed) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.shuttle();
    ASSERT_TRUE(c.tls->handshake_done());
    c.send_text("GET / HTTP/1.1\r\nHost: vpn.test\r\n\r\n");
    c.shuttle();
    ASSERT_EQ(c.http_status.size(), 3u);
    EXPECT_EQ(c.http_status[0], '4');
    EXPECT_TRUE(c.conn->done());
    EXPECT_TRUE(c.control_received.empty());
}

TEST(SstpConnection, Only12KeepsToTls12) {
    ServerConfig config;
    config.tls_version = TlsVersions::Only12;
    Client c(config, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    EXPECT_TRUE(c.conn->ip_up());
    EXPECT_EQ(c.conn->encoding(), "TLS1.2 ECDHE-ECDSA-AES256-GCM-SHA384");
}

TEST(SstpConnection, SilentClientTimesOutBeforeHttp) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.shuttle();
    EXPECT_FALSE(c.conn->done());
    c.now += 61'000;
    c.conn->on_timer(c.now);
    EXPECT_TRUE(c.conn->done());
}

// The suite a TLS 1.3 client offering `client_suites` gets from the server's context, or
// "refused".
std::string negotiated_suite(bool force_aes, const char* client_suites) {
    ServerConfig config;
    config.force_aes = force_aes;
    auto setup = make_setup(identity(), config);
    tls::Session server(setup->tls);
    tls::Policy policy;
    policy.verify_peer = false;
    policy.min_version = tls::Version::Tls13;
    policy.ciphersuites = client_suites;
    auto ctx = tls::Context::client(tls::Credentials{}, policy);
    EXPECT_TRUE(ctx.ok());
    tls::Session client(*ctx);
    auto ignored = client.feed({}); // the ClientHello
    for (int i = 0; i < 20 && !client.failed() && !server.failed(); ++i) {
        Bytes to_server = client.take_output();
        if (!to_server.empty()) ignored = server.feed(to_server);
        Bytes to_client = server.take_output();
        if (!to_client.empty()) ignored = client.feed(to_client);
        if (to_server.empty() && to_client.empty()) break;
    }
    (void)ignored;
    return client.handshake_done() && server.handshake_done() ? client.cipher_suite() : "refused";
}

// RouterOS force-aes: AES encryption only. The TLS 1.2 list is AES either way; TLS 1.3 offers
// ChaCha20-Poly1305 after AES-256-GCM unless AES is forced.
TEST(SstpConnection, ForceAesRefusesChaCha20) {
    EXPECT_EQ(negotiated_suite(false, "TLS_CHACHA20_POLY1305_SHA256"),
              "TLS_CHACHA20_POLY1305_SHA256");
    EXPECT_EQ(negotiated_suite(true, "TLS_CHACHA20_POLY1305_SHA256"), "refused");
    EXPECT_EQ(negotiated_suite(true, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"),
              "TLS_AES_256_GCM_SHA384");
    ServerConfig aes;
    aes.force_aes = true;
    EXPECT_EQ(tls_policy(aes).cipher_list, tls_policy(ServerConfig{}).cipher_list);
}

// The limit a grant's check ends the call with: Call Disconnect to the client, which acks;
// the connection ends and keeps `reason`.
void expect_ended_by_limit(Client& c, const std::string& reason) {
    EXPECT_TRUE(c.received(MessageType::CallDisconnect));
    EXPECT_FALSE(c.conn->ip_up());
    EXPECT_FALSE(c.conn->ready_for_data()); // the service retires the session
    EXPECT_EQ(c.conn->end_reason(), reason);
    c.send(build_with_optional_status(MessageType::CallDisconnectAck, std::nullopt));
    c.shuttle();
    c.advance(6000);
    EXPECT_TRUE(c.conn->done());
    EXPECT_EQ(c.conn->end_reason(), reason); // the close that follows does not replace it
    c.conn.reset();
    EXPECT_EQ(c.pool_used(), 0u);
}

TEST(SstpLimits, SessionTimeoutEndsTheCallWithCallDisconnect) {
    Client c(ServerConfig{}, "timed", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ip_up());
    uint64_t up = c.conn->up_since_ms();
    aaa::SessionUsage traffic{1, 100, 100};
    c.conn->check_limits(traffic, up + 59'000);
    c.shuttle();
    EXPECT_TRUE(c.conn->ip_up());
    EXPECT_FALSE(c.received(MessageType::CallDisconnect));
    traffic.rx_packets = 2; // active: the session timeout ends it anyway
    c.conn->check_limits(traffic, up + 60'000);
    c.shuttle();
    expect_ended_by_limit(c, "session-timeout 60 s");
}

TEST(SstpLimits, IdleTimeoutCountsOnlyWhatTheClientSends) {
    Client c(ServerConfig{}, "idler", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ip_up());
    uint64_t up = c.conn->up_since_ms();
    c.conn->check_limits({0, 0, 0}, up + 15'000);
    c.conn->check_limits({1, 60, 0}, up + 19'000);    // the client sent a packet
    c.conn->check_limits({1, 60, 9000}, up + 38'000); // traffic to it is not activity
    c.shuttle();
    EXPECT_TRUE(c.conn->ip_up());
    EXPECT_FALSE(c.received(MessageType::CallDisconnect));
    c.conn->check_limits({1, 60, 9000}, up + 39'000);
    c.shuttle();
    expect_ended_by_limit(c, "idle-timeout 20 s");
}

TEST(SstpLimits, LimitBytesInEndsTheCall) {
    Client c(ServerConfig{}, "capped", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ip_up());
    c.conn->check_limits({5, 999, 4999}, c.now);
    EXPECT_EQ(c.conn->limits().bytes_in_left(c.conn->usage()), 1u);
    EXPECT_EQ(c.conn->limits().bytes_out_left(c.conn->usage()), 1u);
    c.shuttle();
    EXPECT_TRUE(c.conn->ip_up());
    c.conn->check_limits({6, 1000, 4999}, c.now);
    c.shuttle();
    expect_ended_by_limit(c, "limit-bytes-in 1000 bytes");
}

TEST(SstpLimits, LimitBytesOutEndsTheCall) {
    Client c(ServerConfig{}, "capped", "s3cret", ppp::AuthMethod::Pap);
    c.start();
    ASSERT_TRUE(c.conn->ip_up());
    c.conn->check_limits({5, 10, 5000}, c.now);
    c.shuttle();
    expect_ended_by_limit(c, "limit-bytes-out 5000 bytes");
}

TEST(SstpLimits, NoLimitsNoEndAndTheOperatorsDisconnectIsTheReason) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ip_up());
    c.conn->check_limits({1'000'000, uint64_t{1} << 40, uint64_t{1} << 40}, c.now + 86'400'000);
    c.shuttle();
    EXPECT_TRUE(c.conn->ip_up());
    EXPECT_FALSE(c.conn->limits().bytes_in_left(c.conn->usage()));
    EXPECT_TRUE(c.conn->end_reason().empty());
    c.conn->disconnect(c.now);
    c.shuttle();
    expect_ended_by_limit(c, "disconnected by the operator");
}

TEST(SstpLimits, TheRateLimitMssClampAndRoutesAreInThePublishedSpec) {
    Client timed(ServerConfig{}, "timed", "s3cret", ppp::AuthMethod::MsChapV2);
    timed.start();
    ASSERT_TRUE(timed.conn->ready_for_data());
    EXPECT_EQ(timed.conn->rate_limit(), "2M/4M");
    dp::SessionSpec spec = session_spec(*timed.conn, 1);
    EXPECT_EQ(spec.wan_port, 1);
    EXPECT_EQ(spec.tunnel_ip_be, rte_cpu_to_be_32(timed.conn->address()));
    EXPECT_EQ(spec.tunnel_local_ip_be, rte_cpu_to_be_32(ip("10.10.10.1")));
    ASSERT_TRUE(spec.rate_limit);
    EXPECT_EQ(spec.rate_limit->rx.rate_bps, 2'000'000u); // client -> appliance
    EXPECT_EQ(spec.rate_limit->tx.rate_bps, 4'000'000u);
    EXPECT_FALSE(spec.clamp_mss); // the profile's change_tcp_mss = "no"
    ASSERT_EQ(spec.routes.size(), 2u);
    EXPECT_EQ(spec.routes[0].prefix, ip("192.168.50.0"));
    EXPECT_EQ(spec.routes[0].length, 24);
    EXPECT_EQ(spec.routes[1].prefix, ip("192.168.60.0"));
    EXPECT_EQ(spec.routes[1].length, 23);

    Client alice(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    alice.start();
    ASSERT_TRUE(alice.conn->ready_for_data());
    EXPECT_EQ(alice.conn->rate_limit(), "");
    dp::SessionSpec plain = session_spec(*alice.conn, 0);
    EXPECT_FALSE(plain.rate_limit);
    EXPECT_TRUE(plain.clamp_mss); // the default profile's change-tcp-mss
    EXPECT_TRUE(plain.routes.empty());
}

// ---- record layer hand-over (docs/sstp.md) -------------------------------------------------

namespace handover {

struct Collect final : dp::sstp::RecordSink {
    std::vector<Bytes> ip, control;
    void ip_packet(ByteSpan p) override { ip.emplace_back(p.begin(), p.end()); }
    void control_packet(ByteSpan p) override { control.emplace_back(p.begin(), p.end()); }
};

// The worker's side: the record layer built from the connection's exported keys, on the real
// crypto engine; what it seals goes to the client's OpenSSL.
struct Worker {
    std::unique_ptr<crypto::CryptoEngine> engine;
    std::unique_ptr<dp::sstp::RecordLayer> records;
    Collect sink;

    explicit Worker(const Connection& conn) {
        auto e = crypto::CryptoEngine::create();
        EXPECT_TRUE(e.ok());
        engine = std::move(*e);
        auto keys = conn.handover_keys();
        EXPECT_TRUE(keys.ok()) << keys.message();
        auto open = tls::make_record_key(keys->suite, keys->client_write);
        auto seal = tls::make_record_key(keys->suite, keys->server_write);
        EXPECT_TRUE(open.ok() && seal.ok());
        records = std::make_unique<dp::sstp::RecordLayer>(std::move(*open), keys->client_write.seq,
                                                          std::move(*seal), keys->server_write.seq);
        secrets.suite = keys->suite;
        secrets.digest = keys->digest;
        secrets.client_secret = keys->client_traffic_secret;
        secrets.server_secret = keys->server_traffic_secret;
    }
    tls::KeyUpdateSecrets secrets;
    // What SstpService::supply_next_keys does for a TLS 1.3 session.
    void supply_next_keys(uint16_t which) {
        for (int dir = 0; dir < 2; ++dir) {
            if (!(which & (1u << dir))) continue;
            dp::sstp::KeySlot& slot = dir == 0 ? records->next_open() : records->next_seal();
            slot.take_spent();
            auto key =
                tls::tls13_update_key(secrets.suite, secrets.digest,
                                      dir == 0 ? secrets.client_secret : secrets.server_secret);
            ASSERT_TRUE(key.ok()) << key.message();
            ASSERT_TRUE(slot.supply(*key));
        }
    }
    // What the worker's stage does after opening: our KeyUpdate if one is owed.
    Bytes answer_key_update() {
        const auto& k = records->seal_key();
        Bytes rec(k.seal_offset() + dp::sstp::kKeyUpdateBytes + k.seal_tail());
        crypto::TlsRecordOp op;
        records->prepare_seal_key_update(rec.data(), op);
        engine->process_records({&op, 1});
        EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
        rec.resize(op.out_len);
        records->switch_seal_key();
        return rec;
    }
    // The client's ciphertext reaches the worker.
    uint32_t from_client(Client& c) {
        Bytes ct = c.tls->take_output();
        EXPECT_EQ(records->append(ct), dp::sstp::RecordError::None);
        return records->open(*engine, sink);
    }
    void to_client(Client& c, Bytes record) {
        EXPECT_TRUE(c.tls->feed(record).ok());
        Bytes p = c.tls->read();
        c.plain.insert(c.plain.end(), p.begin(), p.end());
        c.process();
    }
    Bytes seal(ByteSpan packet, bool ip) {
        const auto& k = records->seal_key();
        uint32_t at = ip ? records->ip_offset() : k.seal_offset();
        Bytes rec(at + packet.size() + k.seal_tail());
        std::copy(packet.begin(), packet.end(), rec.begin() + at);
        crypto::TlsRecordOp op;
        bool ok =
            ip ? records->prepare_seal_ip(rec.data(), static_cast<uint32_t>(packet.size()), op)
               : records->prepare_seal_packet(rec.data(), static_cast<uint32_t>(packet.size()), op);
        EXPECT_TRUE(ok);
        engine->process_records({&op, 1});
        EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
        rec.resize(op.out_len);
        return rec;
    }
};

void hand_over_and_carry(ServerConfig config, const char* encoding) {
    Client c(config, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ready_for_data());
    EXPECT_EQ(c.conn->encoding(), encoding);
    // OpenSSL opened the HTTP request and the SSTP/PPP negotiation after the handshake, and
    // sealed the 200 and the server's side of it: the hand-over's sequence numbers count them.
    EXPECT_GT(c.conn->records_in_after_handshake(), 3u);
    EXPECT_GT(c.conn->records_out_after_handshake(), 3u);
    Worker w(*c.conn);
    c.conn->set_offloaded();
    c.conn->set_forwarding(true);

    // Client -> worker: IPv4 opened by the worker; an echo request goes to the control plane.
    const uint8_t ipv4[] = {0x00, 0x21, 0x45, 0x00, 0x00, 0x14, 0, 0,  0,  0,  64,
                            1,    0,    0,    10,   10,   10,   2, 10, 10, 10, 1};
    for (int i = 0; i < 3; ++i)
        c.send(*build_data_packet(ipv4));
    c.send(build_echo_request());
    EXPECT_EQ(w.from_client(c), 4u);
    ASSERT_EQ(w.sink.ip.size(), 3u);
    EXPECT_EQ(w.sink.ip[0], Bytes(std::begin(ipv4) + 2, std::end(ipv4)));
    ASSERT_EQ(w.sink.control.size(), 1u);
    c.conn->on_opened_packet(w.sink.control[0], c.now);
    EXPECT_TRUE(c.conn->take_output().empty()); // OpenSSL is out of the stream
    auto answers = c.conn->take_control_packets();
    ASSERT_EQ(answers.size(), 1u); // the echo response, for the worker to seal

    // Worker -> client: the sealed IPv4 packet and the control plane's echo response.
    const Bytes reply(std::begin(ipv4) + 2, std::end(ipv4));
    w.to_client(c, w.seal(reply, true));
    w.to_client(c, w.seal(answers[0], false));
    ASSERT_EQ(c.ip_received.size(), 1u);
    EXPECT_EQ(c.ip_received[0], reply);
    EXPECT_TRUE(c.received(MessageType::EchoResponse));

    // `vpnctl disconnect` after the hand-over: Call Disconnect sealed by the worker, the
    // client's ack opened by it and handed to the connection, which ends.
    c.conn->disconnect(c.now);
    for (Bytes& p : c.conn->take_control_packets())
        w.to_client(c, w.seal(p, false));
    EXPECT_TRUE(c.received(MessageType::CallDisconnect));
    c.send(build_with_optional_status(MessageType::CallDisconnectAck, std::nullopt));
    w.sink.control.clear();
    EXPECT_EQ(w.from_client(c), 1u);
    ASSERT_EQ(w.sink.control.size(), 1u);
    c.conn->on_opened_packet(w.sink.control[0], c.now);
    for (int i = 0; i < 12 && !c.conn->done(); ++i) {
        c.now += 500;
        c.conn->on_timer(c.now);
    }
    EXPECT_TRUE(c.conn->done());
}

TEST(SstpHandover, Tls13KeysAndSequenceNumbersCarryBothWays) {
    hand_over_and_carry(ServerConfig{}, "TLS1.3 TLS_AES_256_GCM_SHA384");
}

TEST(SstpHandover, Tls12GcmKeysAndSequenceNumbersCarryBothWays) {
    ServerConfig config;
    config.tls_version = TlsVersions::Only12;
    hand_over_and_carry(config, "TLS1.2 ECDHE-ECDSA-AES256-GCM-SHA384");
}

TEST(SstpHandover, ARecordWithABadTagStopsTheWorkerAndEndsTheCall) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ready_for_data());
    Worker w(*c.conn);
    c.conn->set_offloaded();
    c.send(build_echo_request());
    Bytes ct = c.tls->take_output();
    ct[ct.size() - 1] ^= 1;
    EXPECT_EQ(w.records->append(ct), dp::sstp::RecordError::None);
    EXPECT_EQ(w.records->open(*w.engine, w.sink), 0u);
    EXPECT_EQ(w.records->error(), dp::sstp::RecordError::BadTag);
    c.conn->record_failed(dp::sstp::to_string(w.records->error()));
    EXPECT_TRUE(c.conn->done());
    EXPECT_EQ(c.conn->counters().worker_record_failures, 1u);
}

// A real OpenSSL TLS 1.3 client calls SSL_key_update after the hand-over, with and without
// update_requested: the worker applies it with the keys the control plane derived ahead, answers
// the request under its old key, and data keeps flowing both ways, in order, under the new keys.
TEST(SstpHandover, Tls13KeyUpdateFromARealOpenSslClientIsApplied) {
    Client c(ServerConfig{}, "alice", "s3cret", ppp::AuthMethod::MsChapV2);
    c.start();
    ASSERT_TRUE(c.conn->ready_for_data());
    ASSERT_EQ(SSL_version(c.tls->native()), TLS1_3_VERSION);
    Worker w(*c.conn);
    w.supply_next_keys(3); // at the hand-over
    c.conn->set_offloaded();
    c.conn->set_forwarding(true);
    const uint8_t ipv4[] = {0x00, 0x21, 0x45, 0x00, 0x00, 0x14, 0, 0,  0,  0,  64,
                            1,    0,    0,    10,   10,   10,   2, 10, 10, 10, 1};
    const Bytes inner(std::begin(ipv4) + 2, std::end(ipv4));
    for (int round = 0; round < 3; ++round) {
        const bool requested = round != 1;
        SCOPED_TRACE(round);
        c.send(*build_data_packet(ipv4)); // under the old key
        ASSERT_EQ(SSL_key_update(c.tls->native(), requested ? SSL_KEY_UPDATE_REQUESTED
                                                            : SSL_KEY_UPDATE_NOT_REQUESTED),
                  1);
        c.send(*build_data_packet(ipv4)); // KeyUpdate, then this under the new key
        c.send(*build_data_packet(ipv4));
        w.sink.ip.clear();
        EXPECT_EQ(w.from_client(c), 4u); // data, KeyUpdate, data, data: one append, in order
        EXPECT_FALSE(w.records->failed()) << dp::sstp::to_string(w.records->error());
        EXPECT_EQ(w.sink.ip, std::vector<Bytes>(3, inner));
        EXPECT_EQ(w.records->key_updates(), static_cast<uint64_t>(round + 1));
        ASSERT_EQ(w.records->key_update_reply_owed(), requested);
        size_t before = c.ip_received.size();
        w.to_client(c, w.seal(inner, true)); // before our KeyUpdate: the old key
        if (requested) w.to_client(c, w.answer_key_update());
        uint16_t switched = w.records->take_switched();
        EXPECT_EQ(switched, requested ? 3u : 1u);
        w.supply_next_keys(switched);        // the control plane, on SstpEvent::KeyUpdated
        w.to_client(c, w.seal(inner, true)); // the new key if switched
        EXPECT_EQ(c.ip_received.size(), before + 2);
    }
    EXPECT_EQ(w.records->seal_seq(), 1u); // reset by the last switch, one record since
}

} // namespace handover

} // namespace
} // namespace vp::sstp
