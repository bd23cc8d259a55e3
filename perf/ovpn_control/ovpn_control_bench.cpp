// bench_ovpn_control: the OpenVPN control plane's cost per new session and per idle session, in
// one process (issue 15, P7 and the control plane's part of P8; no daemon, no sockets: the
// server's control path, `ovpn::Server`, fed datagrams by the appliance's own OpenVPN client,
// `ovpn::Client`, as the ovpn_clients links run it).
//
//   build/perf/ovpn_control/bench_ovpn_control [HANDSHAKES] [IDLE_SESSIONS]   (defaults 200, 10000)
//
// 1. Handshakes per second per control core, for an ECDSA P-256 and an RSA-2048 server
//    certificate: HANDSHAKES full sessions — hard reset and the stateless cookie, TLS 1.3, key
//    method 2 with username/password against LocalAaa, PUSH_REQUEST/PUSH_REPLY (NCP,
//    AES-256-GCM), data keys derived and published to the dataplane — beside HANDSHAKES bare TLS
//    handshakes of an OpenSSL server (SSL_CTX with OpenSSL's defaults, what `openssl s_server
//    -cert -key` runs) with the same certificate and key against the same client context,
//    interleaved in the same run. Only the server side is timed (thread CPU time around the
//    server's calls); the client's work is counted in neither. Prints both rates and the ratio.
// 2. Memory per idle session: IDLE_SESSIONS sessions brought up (P-256), the clients freed; the
//    heap growth (glibc mallinfo2: in use + mmapped) divided by the sessions. This is the control
//    plane's share (the Session with its key states, AAA grant); the dataplane's tables are
//    sized at start and measured apart (perf/README.md).
// Machine-dependent measurements; nothing asserts on time.
#include "base/log.hpp"
#include "control/aaa/local_aaa.hpp"
#include "control/ovpn/client.hpp"
#include "control/ovpn/server.hpp"
#include "control/ovpn/setup.hpp"
#include "perf/common/control_baseline.hpp"
#include "tests/common/self_signed.hpp"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace vp;
using perf::heap_in_use;
using perf::thread_cpu_seconds;

const char* const kAaa = R"(
ip_pools = ({ name = "vpn"; ranges = "10.20.0.2-10.20.255.254"; });
ppp_profiles = ({ name = "vpn-profile"; local_address = "10.20.0.1"; remote_address = "vpn"; });
ppp_secrets = ({ name = "alice"; password = "s3cret"; service = "ovpn"; profile = "vpn-profile"; });
)";

[[noreturn]] void die(const std::string& what) {
    perf::bench_die("bench_ovpn_control", what);
}

// The dataplane as the server sees it: datagrams kept for the client, peers and keys counted.
class Sink final : public ovpn::Dataplane {
public:
    std::vector<Bytes> to_client;
    size_t peers = 0, keys = 0;
    void send(ovpn::WorkerId, const ovpn::Endpoint&, ByteSpan d) override {
        to_client.emplace_back(d.begin(), d.end());
    }
    Status add_peer(const ovpn::PeerSpec&) override {
        ++peers;
        return {};
    }
    Status add_key(uint32_t, const ovpn::DataKeys&) override {
        ++keys;
        return {};
    }
    void set_tx_key(uint32_t, uint8_t) override {}
    void remove_key(uint32_t, uint8_t) override { --keys; }
    void remove_peer(uint32_t) override { --peers; }
    std::optional<ovpn::PeerActivity> activity(uint32_t) const override {
        return ovpn::PeerActivity{};
    }
};

tls::Credentials credentials(const test::SelfSigned& id) {
    tls::Credentials c;
    X509_up_ref(id.cert.get());
    c.certificate.reset(id.cert.get());
    EVP_PKEY_up_ref(id.key.get());
    c.private_key.reset(id.key.get());
    return c;
}

std::shared_ptr<const ovpn::ServerSetup> server_setup(const test::SelfSigned& id) {
    ovpn::ServerConfig c;
    c.enabled = true;
    c.certificate = "bench";
    c.ciphers = ovpn::default_ciphers();
    // What is measured is the handshake, not the reflection budget for new clients nor the
    // keepalive (the sessions are idle and the clock is simulated).
    c.initial_packet_limit = 1'000'000'000;
    c.initial_packet_prefix_limit = 1'000'000'000;
    c.keepalive_timeout_s = 0;
    auto s = ovpn::make_server_setup(c, credentials(id));
    if (!s.ok()) die(s.message());
    return *s;
}

ovpn::ClientSettings client_settings() {
    tls::Policy policy;
    policy.verify_peer = false;
    auto ctx = tls::Context::client(tls::Credentials{}, policy);
    if (!ctx.ok()) die(ctx.message());
    ovpn::ClientSettings s;
    s.tls = *ctx;
    s.user = "alice";
    s.password = "s3cret";
    s.ciphers = {crypto::Cipher::Aes256Gcm};
    return s;
}

// One client brought up against the server; returns the server's thread CPU seconds.
double connect(ovpn::Server& server, Sink& sink, const ovpn::ClientSettings& settings,
               const ovpn::Endpoint& from, uint64_t& now) {
    ovpn::Client client(settings, now);
    double cpu = 0;
    for (int round = 0; round < 400 && client.phase() != ovpn::ClientPhase::Connected; ++round) {
        auto out = client.poll(now);
        double t0 = thread_cpu_seconds();
        for (auto& d : out)
            server.on_datagram(from, 0, d, now);
        cpu += thread_cpu_seconds() - t0;
        auto back = std::move(sink.to_client);
        sink.to_client.clear();
        for (auto& d : back)
            client.receive(d, now);
        if (out.empty() && back.empty()) {
            now += 100; // nothing moved: let the timers run (acks, push-request interval)
            t0 = thread_cpu_seconds();
            server.on_timer(now);
            cpu += thread_cpu_seconds() - t0;
        }
        if (client.phase() == ovpn::ClientPhase::Failed) die("client: " + client.failure());
    }
    if (client.phase() != ovpn::ClientPhase::Connected) die("a session did not come up");
    // The client's last acks, so that the server holds nothing for retransmission.
    auto out = client.poll(now);
    double t0 = thread_cpu_seconds();
    for (auto& d : out)
        server.on_datagram(from, 0, d, now);
    cpu += thread_cpu_seconds() - t0;
    sink.to_client.clear();
    return cpu;
}

// Client i's address and port, each in a /24 of its own (10.0.0.0/8 holds 65,536 of them).
ovpn::Endpoint endpoint(int i) {
    return {0x0a000001u + (static_cast<uint32_t>(i % 65536) << 8),
            static_cast<uint16_t>(1024 + i % 60000)};
}

void handshakes(const char* label, test::SelfSigned::Key type, int n, aaa::LocalAaa& aaa) {
    test::SelfSigned id("vpn.test", type);
    Sink sink;
    ovpn::Server server(server_setup(id), sink, aaa);
    auto settings = client_settings();
    perf::BaselineServer bare(id.cert.get(), id.key.get());
    if (!bare.ok()) die("the OpenSSL baseline context");
    uint64_t now = 10'000'000;
    double vp_cpu = 0, ossl_cpu = 0;
    for (int i = 0; i < n; ++i) { // interleaved: a change of the machine's load hits both alike
        vp_cpu += connect(server, sink, settings, endpoint(i), now);
        auto peers = server.sessions(now);
        double t0 = thread_cpu_seconds();
        for (auto& s : peers) // the session's end gives its address and peer-id back
            server.disconnect(s.peer_id, now);
        now += 6000; // the lame-duck time passes
        server.on_timer(now);
        vp_cpu += thread_cpu_seconds() - t0;
        sink.to_client.clear();
        double o = bare.handshake(settings.tls);
        if (o < 0) die("the OpenSSL baseline handshake failed");
        ossl_cpu += o;
    }
    if (server.session_count() != 0 || sink.peers != 0) die("sessions left after the run");
    double vp_rate = n / vp_cpu, ossl_rate = n / ossl_cpu;
    std::printf("%s: %d handshakes each, TLS 1.3, server CPU only\n", label, n);
    std::printf("  vpnplane full session (reset+cookie, TLS, key method 2, auth, push, keys): "
                "%8.1f /s\n",
                vp_rate);
    std::printf("  openssl server TLS handshake only (s_server defaults):                   "
                "%8.1f /s\n",
                ossl_rate);
    std::printf("  ratio vpnplane / openssl: %.3f\n", vp_rate / ossl_rate);
}

} // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 200;
    int idle = argc > 2 ? std::atoi(argv[2]) : 10000;
    if (n <= 0 || idle < 0 || idle > 60000)
        die("usage: bench_ovpn_control [HANDSHAKES] [0..60000]");
    vp::log::set_all_levels(vp::log::Level::Warning); // not a line per session
    auto aaa_config = aaa::aaa_config_from_string(kAaa);
    if (!aaa_config.ok()) die(aaa_config.message());
    aaa::LocalAaa aaa(*aaa_config);

    handshakes("ECDSA P-256", test::SelfSigned::Key::P256, n, aaa);
    handshakes("RSA-2048", test::SelfSigned::Key::Rsa2048, n, aaa);
    if (idle == 0) return 0;

    test::SelfSigned id;
    Sink sink;
    ovpn::Server server(server_setup(id), sink, aaa);
    auto settings = client_settings();
    uint64_t now = 10'000'000;
    connect(server, sink, settings, endpoint(65535), now); // first-use allocations outside
    malloc_trim(0);
    size_t before = heap_in_use();
    for (int i = 0; i < idle; ++i)
        connect(server, sink, settings, endpoint(i), now);
    malloc_trim(0);
    size_t after = heap_in_use();
    if (server.session_count() != static_cast<size_t>(idle) + 1) die("idle sessions missing");
    std::printf("idle sessions: %d, control-plane heap growth %.1f KiB per session\n", idle,
                static_cast<double>(after - before) / idle / 1024.0);
    return 0;
}
