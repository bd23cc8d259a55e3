// The SSTP client (control/sstp/client_connection, client_protocol) against the appliance's own
// SSTP server connection (sstp::Connection with LocalAaa) in one process: real OpenSSL on both
// sides, HTTP, Connect Request/Ack, client-role PPP for every method, the crypto-bound Call
// Connected the server verifies, IP both ways, disconnect from either side, a wrong password,
// an untrusted server certificate, the keepalive; and the server responses the protocol refuses
// (HTTP errors, Connect Nak, malformed packets). And the record layer's hand-over in the client
// role: both ends' exported keys as the workers' RecordLayers, roles flipped (TLS 1.2 and 1.3,
// TLS 1.3's next keys and a KeyUpdate from the server).
#include "control/aaa/local_aaa.hpp"
#include "control/sstp/client_config.hpp"
#include "control/sstp/client_connection.hpp"
#include "control/sstp/connection.hpp"
#include "control/sstp/record_handover.hpp"
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
    // Both contexts set up for the record hand-over, and the records fed one at a time (as the
    // TCP engine's stepwise punting does), so that both ends count them.
    bool offload = false;
    TlsVersions server_versions = TlsVersions::Any;
};

// Splits a stream of whole TLS records into records.
std::vector<Bytes> tls_records(const Bytes& stream) {
    std::vector<Bytes> out;
    for (size_t at = 0; at + 5 <= stream.size();) {
        size_t len = 5 + (size_t{stream[at + 3]} << 8 | stream[at + 4]);
        out.emplace_back(stream.begin() + static_cast<ptrdiff_t>(at),
                         stream.begin() +
                             static_cast<ptrdiff_t>(std::min(at + len, stream.size())));
        at += len;
    }
    return out;
}

struct Link {
    aaa::LocalAaa aaa{*aaa::aaa_config_from_string(kAaa)};
    std::unique_ptr<Connection> server;
    std::unique_ptr<ClientConnection> client;
    uint64_t now = 1000;
    bool deliver_to_client = true;
    bool stepwise = false;

    explicit Link(const Options& o = {}) : stepwise(o.offload) {
        ServerConfig sc;
        sc.authentication = o.server_methods;
        sc.tls_version = o.server_versions;
        auto setup = server_setup(sc);
        if (o.offload) {
            EXPECT_TRUE(tls::configure_for_offload(setup->tls->native()).ok());
        }
        server = std::make_unique<Connection>(setup, aaa, "192.0.2.7:50000", now);
        ClientProtocolConfig pc;
        pc.host = "vpn.test";
        pc.correlation_id = "{11111111-2222-3333-4444-555555555555}";
        pc.ppp.auth_methods = o.client_methods;
        pc.ppp.user = "branch";
        pc.ppp.password = o.password;
        pc.hello_ms = 10'000;
        std::shared_ptr<const tls::Context> ctx = client_tls(o.trusted);
        if (o.policy) ctx = *tls::Context::client(tls::Credentials{}, *o.policy);
        if (o.offload) {
            EXPECT_TRUE(tls::configure_for_offload(ctx->native()).ok());
        }
        client = std::make_unique<ClientConnection>(ctx, pc, now);
    }
    void shuttle() {
        for (int i = 0; i < 200; ++i) {
            Bytes c = client->take_output();
            if (!c.empty() && !server->done()) {
                if (stepwise)
                    for (Bytes& r : tls_records(c))
                        server->on_data(r, now);
                else
                    server->on_data(c, now);
            }
            Bytes s = server->take_output();
            if (!deliver_to_client) s.clear();
            if (c.empty() && s.empty()) return;
            if (!s.empty()) {
                if (stepwise)
                    for (Bytes& r : tls_records(s))
                        client->on_data(r, now);
                else
                    client->on_data(s, now);
            }
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

// ---- the record layer's hand-over in the client role (docs/sstp.md) ----

struct Collect final : dp::sstp::RecordSink {
    std::vector<Bytes> ip, control;
    void ip_packet(ByteSpan p) override { ip.emplace_back(p.begin(), p.end()); }
    void control_packet(ByteSpan p) override { control.emplace_back(p.begin(), p.end()); }
};

// One end's worker: the record layer made from its connection's exported keys.
struct WorkerEnd {
    crypto::CryptoEngine& engine;
    WorkerRecords w;
    Collect sink;

    Bytes seal(ByteSpan packet, bool ip) {
        dp::sstp::RecordLayer& rl = *w.layer;
        const auto& k = rl.seal_key();
        uint32_t at = ip ? rl.ip_offset() : k.seal_offset();
        Bytes rec(at + packet.size() + k.seal_tail());
        std::copy(packet.begin(), packet.end(), rec.begin() + at);
        crypto::TlsRecordOp op;
        auto len = static_cast<uint32_t>(packet.size());
        EXPECT_TRUE(ip ? rl.prepare_seal_ip(rec.data(), len, op)
                       : rl.prepare_seal_packet(rec.data(), len, op));
        engine.process_records({&op, 1});
        EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
        rec.resize(op.out_len);
        return rec;
    }
    uint32_t open(const Bytes& records) {
        EXPECT_EQ(w.layer->append(records), dp::sstp::RecordError::None);
        return w.layer->open(engine, sink);
    }
};

// A record of `type` sealed under `key` at `seq` (what a peer's OpenSSL would send).
Bytes seal_with(crypto::CryptoEngine& engine, const crypto::TlsRecordKey& key, uint64_t seq,
                uint8_t type, ByteSpan plaintext) {
    Bytes rec(key.seal_offset() + plaintext.size() + key.seal_tail());
    std::copy(plaintext.begin(), plaintext.end(), rec.begin() + key.seal_offset());
    crypto::TlsRecordOp op;
    op.key = &key;
    op.record = rec.data();
    op.seq = seq;
    op.len = static_cast<uint32_t>(plaintext.size());
    op.type = type;
    engine.process_records({&op, 1});
    EXPECT_EQ(op.status, crypto::TlsRecordStatus::Ok);
    rec.resize(op.out_len);
    return rec;
}

void client_role_hand_over(TlsVersions versions, const char* encoding) {
    Options o;
    o.offload = true;
    o.server_versions = versions;
    Link l(o);
    l.shuttle();
    ASSERT_TRUE(l.client->connected()) << l.client->phase() << ": " << l.client->failure();
    ASSERT_TRUE(l.server->ready_for_data()) << l.server->state();
    EXPECT_EQ(l.client->encoding(), encoding);
    // The client's OpenSSL opened the 200, the Connect Ack and the server's PPP, and sealed
    // the request, the Connect Request, its PPP and Call Connected after the handshake.
    EXPECT_GT(l.client->records_in_after_handshake(), 3u);
    EXPECT_GT(l.client->records_out_after_handshake(), 3u);
    EXPECT_EQ(l.client->records_in_after_handshake(), l.server->records_out_after_handshake());
    EXPECT_EQ(l.client->records_out_after_handshake(), l.server->records_in_after_handshake());
    auto ck = l.client->handover_keys();
    auto sk = l.server->handover_keys();
    ASSERT_TRUE(ck.ok()) << ck.message();
    ASSERT_TRUE(sk.ok()) << sk.message();
    auto engine = crypto::CryptoEngine::create();
    ASSERT_TRUE(engine.ok());
    auto cw = make_worker_records(*ck, TlsRole::Client);
    auto sw = make_worker_records(*sk, TlsRole::Server);
    ASSERT_TRUE(cw.ok() && sw.ok());
    // Roles flipped: the link's worker seals with the client's write key at the client's next
    // sequence number and opens with the server's.
    EXPECT_EQ(cw->seal_seq, ck->client_write.seq);
    EXPECT_EQ(cw->open_seq, ck->server_write.seq);
    EXPECT_EQ(cw->open_seq, sw->seal_seq);
    EXPECT_EQ(cw->seal_seq, sw->open_seq);
    WorkerEnd client{**engine, std::move(*cw), {}};
    WorkerEnd server{**engine, std::move(*sw), {}};
    l.client->set_offloaded();
    l.server->set_offloaded();
    l.server->set_forwarding(true);
    EXPECT_EQ(l.client->encoding(), encoding); // kept when OpenSSL goes

    // Data both ways between the two workers; OpenSSL takes no part.
    const Bytes packet = {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 10, 10, 2, 10, 10, 10, 1};
    EXPECT_EQ(server.open(client.seal(packet, true)), 1u);
    ASSERT_EQ(server.sink.ip.size(), 1u);
    EXPECT_EQ(server.sink.ip[0], packet);
    EXPECT_EQ(client.open(server.seal(packet, true)), 1u);
    ASSERT_EQ(client.sink.ip.size(), 1u);
    EXPECT_EQ(client.sink.ip[0], packet);

    // Control after the hand-over: the server's echo request, opened by the link's worker, is
    // answered by the link's protocol as a plaintext packet for its worker to seal.
    EXPECT_EQ(client.open(server.seal(build_echo_request(), false)), 1u);
    ASSERT_EQ(client.sink.control.size(), 1u);
    l.client->on_opened_packet(client.sink.control[0], l.now);
    EXPECT_TRUE(l.client->take_output().empty()); // OpenSSL is out of the stream
    auto answers = l.client->take_control_packets();
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(server.open(client.seal(answers[0], false)), 1u);
    ASSERT_EQ(server.sink.control.size(), 1u);
    auto echo = parse_packet(server.sink.control[0]);
    ASSERT_TRUE(echo.ok());
    auto msg = parse_control_body(echo->body);
    ASSERT_TRUE(msg.ok());
    EXPECT_EQ(msg->type, static_cast<uint16_t>(MessageType::EchoResponse));

    if (versions != TlsVersions::Only13) return;
    // TLS 1.3: the next keys go to the right slots in each role. The server's next seal key is
    // the link's next open key and the other way round.
    ASSERT_TRUE(client.w.key_update && server.w.key_update);
    // A KeyUpdate from the server (update_requested): the link's worker switches its open key
    // and owes one back, sealed under its current key; then it seals under its next key.
    Bytes ku = {24, 0, 0, 1, 1};
    auto server_seal_next = std::unique_ptr<crypto::TlsRecordKey>(
        server.w.layer->next_seal().take_next()); // the server's N+1 key, as its OpenSSL has it
    ASSERT_TRUE(server_seal_next);
    EXPECT_EQ(client.open(seal_with(**engine, server.w.layer->seal_key(),
                                    server.w.layer->seal_seq(), 22, ku)),
              1u);
    EXPECT_FALSE(client.w.layer->failed()) << dp::sstp::to_string(client.w.layer->error());
    ASSERT_TRUE(client.w.layer->key_update_reply_owed());
    {
        const auto& k = client.w.layer->seal_key();
        Bytes rec(k.seal_offset() + dp::sstp::kKeyUpdateBytes + k.seal_tail());
        crypto::TlsRecordOp op;
        client.w.layer->prepare_seal_key_update(rec.data(), op);
        (*engine)->process_records({&op, 1});
        rec.resize(op.out_len);
        client.w.layer->switch_seal_key();
        // The server's worker opens the link's KeyUpdate and switches to the link's next key.
        EXPECT_EQ(server.open(rec), 1u);
        EXPECT_FALSE(server.w.layer->failed()) << dp::sstp::to_string(server.w.layer->error());
    }
    // The control plane supplies the keys after those (roles flipped) into both layers.
    EXPECT_EQ(client.w.layer->take_switched(), 3);
    ASSERT_TRUE(supply_next_keys(*client.w.layer, *client.w.key_update, TlsRole::Client, 3).ok());
    server.sink.ip.clear();
    EXPECT_EQ(server.open(client.seal(packet, true)), 1u); // the link's N+1 key, sequence 0
    ASSERT_EQ(server.sink.ip.size(), 1u);
    // The server's side of its KeyUpdate: it seals under its N+1 key from sequence 0.
    Bytes framed = *build_data_packet(ppp::build_frame(ppp::kProtoIpv4, packet));
    client.sink.ip.clear();
    EXPECT_EQ(client.open(seal_with(**engine, *server_seal_next, 0, 23, framed)), 1u);
    ASSERT_EQ(client.sink.ip.size(), 1u) << dp::sstp::to_string(client.w.layer->error());
    EXPECT_EQ(client.sink.ip[0], packet);
    EXPECT_EQ(client.w.layer->key_updates(), 1u);
}

TEST(SstpClientHandover, Tls13KeysRolesFlippedCarryBothWaysAndKeyUpdate) {
    client_role_hand_over(TlsVersions::Only13, "TLS1.3 TLS_AES_256_GCM_SHA384");
}

TEST(SstpClientHandover, Tls12GcmKeysRolesFlippedCarryBothWays) {
    client_role_hand_over(TlsVersions::Only12, "TLS1.2 ECDHE-ECDSA-AES256-GCM-SHA384");
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
