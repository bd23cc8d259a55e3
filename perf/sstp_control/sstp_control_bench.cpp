// bench_sstp_control: the SSTP control plane's cost per call and per idle session, in one process
// (no daemon, no sockets: control/sstp's Connection over memory BIOs, as its unit test drives it).
//
//   build/perf/bench_sstp_control [HANDSHAKES] [IDLE_SESSIONS]      (defaults 300, 10000)
//
// 1. Handshakes per second per control core: HANDSHAKES full calls — TLS handshake (the
//    appliance's server context, P-256 certificate), HTTP SSTP_DUPLEX_POST and its 200, SSTP
//    Call Connect, PPP LCP + MS-CHAPv2 against LocalAaa + IPCP, the crypto-bound Call Connected
//    and the record-layer hand-over key export — beside HANDSHAKES bare TLS handshakes of an
//    OpenSSL server (SSL_CTX with OpenSSL's defaults, what `openssl s_server -cert -key` runs)
//    with the same certificate and key, against the same client, in the same run. Only the
//    server side is timed (thread CPU time around the server's calls); the client's work is not
//    counted in either. Prints both rates and vpnplane ÷ OpenSSL.
// 2. Memory per idle session: IDLE_SESSIONS calls brought up and handed over (the Connection,
//    its AAA grant, and the worker's SstpSession with its RecordLayer), clients freed; the heap
//    growth (glibc mallinfo2: in use + mmapped) divided by the sessions.
// Machine-dependent measurements; nothing asserts on time.
#include "base/log.hpp"
#include "control/aaa/local_aaa.hpp"
#include "control/ppp/frame.hpp"
#include "control/sstp/connection.hpp"
#include "control/sstp/server_config.hpp"
#include "control/tls/key_export.hpp"
#include "dataplane/sstp/sstp_session.hpp"
#include "perf/common/control_baseline.hpp"
#include "tests/common/self_signed.hpp"

#include <malloc.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace vp;
using namespace vp::sstp;
using perf::heap_in_use;
using perf::thread_cpu_seconds;

const char* const kAaa = R"(
ip_pools = ({ name = "vpn"; ranges = "10.20.0.2-10.20.255.254"; });
ppp_profiles = ({ name = "vpn-profile"; local_address = "10.20.0.1"; remote_address = "vpn"; });
ppp_secrets = ({ name = "alice"; password = "s3cret"; service = "sstp"; profile = "vpn-profile"; });
)";

[[noreturn]] void die(const std::string& what) {
    perf::bench_die("bench_sstp_control", what);
}

using Identity = test::SelfSigned;

std::shared_ptr<const ConnectionSetup> make_setup(const Identity& id) {
    ServerConfig c;
    c.authentication = {ppp::AuthMethod::MsChapV2};
    tls::Credentials creds;
    X509_up_ref(id.cert.get());
    creds.certificate.reset(id.cert.get());
    EVP_PKEY_up_ref(id.key.get());
    creds.private_key.reset(id.key.get());
    auto ctx = tls::Context::server(creds, tls_policy(c));
    if (!ctx.ok()) die(ctx.message());
    if (!tls::configure_for_offload((*ctx)->native()).ok()) die("configure_for_offload");
    auto s = std::make_shared<ConnectionSetup>();
    s->tls = *ctx;
    auto hashes = cert_hashes(id.der());
    if (!hashes.ok()) die(hashes.message());
    s->cert = *hashes;
    s->ppp.role = ppp::Role::Server;
    s->ppp.auth_methods = c.authentication;
    return s;
}

std::shared_ptr<const tls::Context> client_context() {
    tls::Policy policy;
    policy.verify_peer = false;
    auto c = tls::Context::client(tls::Credentials{}, policy);
    if (!c.ok()) die(c.message());
    return *c;
}

// sstpc + pppd in one object; `server_cpu` accumulates the server's thread CPU time.
struct Client {
    std::unique_ptr<Connection> conn;
    std::unique_ptr<tls::Session> tls;
    std::unique_ptr<ppp::PppSession> ppp;
    CertHashes cert;
    uint64_t now = 1000;
    Bytes plain;
    bool http_done = false, call_connected_sent = false;
    std::optional<std::array<uint8_t, kNonceBytes>> nonce;
    double server_cpu = 0;

    Client(std::shared_ptr<const ConnectionSetup> setup, aaa::Aaa& aaa,
           std::shared_ptr<const tls::Context> ctx) {
        cert = setup->cert;
        double t0 = thread_cpu_seconds();
        conn = std::make_unique<Connection>(setup, aaa, "192.0.2.7:50000", now);
        server_cpu += thread_cpu_seconds() - t0;
        tls = std::make_unique<tls::Session>(std::move(ctx));
        (void)tls->feed({});
        ppp::PppConfig pc;
        pc.role = ppp::Role::Client;
        pc.auth_methods = {ppp::AuthMethod::MsChapV2};
        pc.user = "alice";
        pc.password = "s3cret";
        ppp = std::make_unique<ppp::PppSession>(pc, nullptr, nullptr);
    }
    void send(ByteSpan p) { (void)tls->write(p); }
    void shuttle() {
        for (int i = 0; i < 200; ++i) {
            Bytes c = tls->take_output();
            double t0 = thread_cpu_seconds();
            if (!c.empty()) conn->on_data(c, now);
            Bytes s = conn->take_output();
            server_cpu += thread_cpu_seconds() - t0;
            if (c.empty() && s.empty()) return;
            if (!s.empty()) {
                (void)tls->feed(s);
                Bytes p = tls->read();
                plain.insert(plain.end(), p.begin(), p.end());
                process();
            }
        }
        die("no quiet after 200 rounds");
    }
    void run_ppp(ppp::Output out) {
        bool authenticated = false;
        for (auto& e : out.events)
            if (std::holds_alternative<ppp::event::Authenticated>(e)) authenticated = true;
        for (auto& f : out.frames)
            send(*build_data_packet(f));
        if (authenticated && !call_connected_sent) {
            Bytes cc = build_call_connected_unsigned(HashProtocol::Sha256, *nonce, cert.sha256);
            (void)sign_call_connected(cc, ppp->hlak());
            send(cc);
            call_connected_sent = true;
        }
    }
    void process() {
        if (!http_done) {
            std::string_view text(reinterpret_cast<const char*>(plain.data()), plain.size());
            auto end = text.find("\r\n\r\n");
            if (end == std::string_view::npos) return;
            http_done = true;
            plain.erase(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(end + 4));
        }
        StreamSplit s = split_stream(plain);
        size_t offset = 0;
        for (size_t i = 0; i < s.packets; ++i) {
            auto p = parse_packet(ByteSpan(plain).subspan(offset));
            offset += p->size;
            if (!p->control) {
                run_ppp(ppp->input(p->body, now));
                continue;
            }
            auto m = parse_control_body(p->body);
            if (m && m->type == static_cast<uint16_t>(MessageType::CallConnectAck)) {
                std::array<uint8_t, kNonceBytes> n{};
                std::copy_n(m->attributes[0].value.data() + 4, kNonceBytes, n.begin());
                nonce = n;
                run_ppp(ppp->start(now));
            }
        }
        plain.erase(plain.begin(), plain.begin() + static_cast<ptrdiff_t>(s.consumed));
    }
    // The whole call up to the hand-over's key export; false when it did not get there.
    bool call() {
        shuttle();
        if (!tls->handshake_done()) return false;
        std::string_view req =
            "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n"
            "Content-Length: 18446744073709551615\r\nHost: vpn.test\r\n\r\n";
        send({reinterpret_cast<const uint8_t*>(req.data()), req.size()});
        send(build_connect_request());
        shuttle();
        if (!conn->ready_for_data()) return false;
        double t0 = thread_cpu_seconds();
        auto keys = conn->handover_keys();
        server_cpu += thread_cpu_seconds() - t0;
        return keys.ok();
    }
};

} // namespace

int main(int argc, char** argv) {
    int handshakes = argc > 1 ? std::atoi(argv[1]) : 300;
    int idle = argc > 2 ? std::atoi(argv[2]) : 10000;
    vp::log::set_all_levels(vp::log::Level::Warning); // not a line per call
    Identity id;
    auto setup = make_setup(id);
    auto client_ctx = client_context();
    auto aaa_config = aaa::aaa_config_from_string(kAaa);
    if (!aaa_config.ok()) die(aaa_config.message());
    aaa::LocalAaa aaa(*aaa_config);

    perf::BaselineServer bare(id.cert.get(), id.key.get());
    if (!bare.ok()) die("the OpenSSL baseline context");

    // Interleaved, so that a change of the machine's load hits both alike.
    double vp_cpu = 0, ossl_cpu = 0;
    std::string version, suite;
    for (int i = 0; i < handshakes; ++i) {
        {
            Client c(setup, aaa, client_ctx);
            if (!c.call()) die("a call did not come up");
            vp_cpu += c.server_cpu;
            if (i == 0) {
                version = c.tls->version();
                suite = c.tls->cipher_suite();
            }
            double t0 = thread_cpu_seconds();
            c.conn.reset(); // the call's end gives the address back
            vp_cpu += thread_cpu_seconds() - t0;
        }
        double o = bare.handshake(client_ctx);
        if (o < 0) die("the OpenSSL baseline handshake failed");
        ossl_cpu += o;
    }
    double vp_rate = handshakes / vp_cpu, ossl_rate = handshakes / ossl_cpu;
    std::printf("handshakes: %d each, %s %s, server CPU only\n", handshakes, version.c_str(),
                suite.c_str());
    std::printf("  vpnplane full call (TLS+HTTP+SSTP+MS-CHAPv2+IPCP+hand-over): %8.1f /s\n",
                vp_rate);
    std::printf("  openssl server TLS handshake only (s_server defaults):       %8.1f /s\n",
                ossl_rate);
    std::printf("  ratio vpnplane / openssl: %.3f\n", vp_rate / ossl_rate);

    if (idle <= 0) return 0;
    malloc_trim(0);
    size_t before = heap_in_use();
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<std::unique_ptr<dp::SstpSession>> sessions;
    conns.reserve(static_cast<size_t>(idle));
    sessions.reserve(static_cast<size_t>(idle));
    for (int i = 0; i < idle; ++i) {
        Client c(setup, aaa, client_ctx);
        if (!c.call()) die("an idle call did not come up");
        auto keys = c.conn->handover_keys();
        auto open = tls::make_record_key(keys->suite, keys->client_write);
        auto seal = tls::make_record_key(keys->suite, keys->server_write);
        if (!open.ok() || !seal.ok()) die("record keys");
        auto s = std::make_unique<dp::SstpSession>(static_cast<dp::SessionId>(i), 0, 0);
        s->records = std::make_unique<dp::sstp::RecordLayer>(
            std::move(*open), keys->client_write.seq, std::move(*seal), keys->server_write.seq);
        c.conn->set_offloaded();
        c.conn->set_forwarding(true);
        (void)c.conn->take_output();
        conns.push_back(std::move(c.conn));
        sessions.push_back(std::move(s));
    }
    malloc_trim(0);
    size_t after = heap_in_use();
    size_t dp_bytes = sizeof(dp::SstpSession) + sizeof(dp::sstp::RecordLayer) +
                      dp::sstp::RecordLayer::kBufferBytes;
    std::printf("idle sessions: %d, heap growth %.1f KiB per session (control + dataplane; of "
                "which the dataplane's SstpSession + RecordLayer + buffer ~%.1f KiB)\n",
                idle, static_cast<double>(after - before) / idle / 1024.0,
                static_cast<double>(dp_bytes) / 1024.0);
    return 0;
}
