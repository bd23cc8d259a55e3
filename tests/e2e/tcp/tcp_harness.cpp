// tcp_harness: a test-only stand-in for the worker, so that the TCP engine can be tried against
// Linux's TCP before the real worker exists. It drives one DPDK port (normally net_af_packet on
// a veth inside a namespace), answers ARP for its address, validates IPv4, hands TCP to the
// engine, and serves four test consumers:
//   7 echo (EchoConsumer), 9 discard (DiscardConsumer),
//   19 sink: hashes what it receives; on FIN replies with the SHA-256 in hex and closes,
//   20 source: reads "<bytes>\n", sends that many bytes of the shared test pattern, closes.
// Sink and source run on the punt consumer, as the control plane will. Counters and gauges go
// to a JSON stats file every 100 ms and on exit (SIGTERM/SIGINT).
#include "dataplane/tcp/engine.hpp"

#include <openssl/evp.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

using namespace vp::tcp;

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

// The test pattern: a 65521-byte block (a prime, so it never lines up with segment sizes)
// repeated; byte i of the stream is block[i % 65521]. tcp_e2e.py builds the same block.
constexpr size_t kPatternLen = 65521;
std::vector<uint8_t> make_pattern() {
    std::vector<uint8_t> p(kPatternLen);
    uint32_t x = 2463534242u;
    for (auto& b : p) { // xorshift32
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<uint8_t>(x >> 24);
    }
    return p;
}

struct Options {
    std::string iface;
    uint32_t ip = 0;
    std::string stats;
    int cpu = 0;
    EngineConfig cfg;
};

bool parse_args(int argc, char** argv, Options& o) {
    o.cfg.max_connections = 8192;
    o.cfg.syn_backlog = 1024;
    o.cfg.time_wait_max = 2048;
    o.cfg.keepalive_idle_ms = 30000;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> const char* { return i + 1 < argc ? argv[++i] : ""; };
        auto num = [&]() { return static_cast<uint32_t>(strtoul(val(), nullptr, 10)); };
        if (a == "--iface")
            o.iface = val();
        else if (a == "--ip") {
            in_addr in{};
            if (inet_pton(AF_INET, val(), &in) != 1) return false;
            o.ip = ntohl(in.s_addr);
        } else if (a == "--stats")
            o.stats = val();
        else if (a == "--cpu")
            o.cpu = static_cast<int>(num());
        else if (a == "--max-conns")
            o.cfg.max_connections = num();
        else if (a == "--syn-backlog")
            o.cfg.syn_backlog = num();
        else if (a == "--no-cookies")
            o.cfg.syn_cookies = false;
        else if (a == "--time-wait-ms")
            o.cfg.time_wait_ms = num();
        else if (a == "--keepalive-idle-ms")
            o.cfg.keepalive_idle_ms = num();
        else if (a == "--keepalive-interval-ms")
            o.cfg.keepalive_interval_ms = num();
        else if (a == "--keepalive-probes")
            o.cfg.keepalive_probes = static_cast<uint8_t>(num());
        else if (a == "--max-retransmits")
            o.cfg.max_retransmits = static_cast<uint8_t>(num());
        else if (a == "--rto-max-ms")
            o.cfg.rto_max_ms = num();
        else if (a == "--snd-buf")
            o.cfg.snd_buf_bytes = num();
        else if (a == "--rcv-buf")
            o.cfg.rcv_buf_bytes = num();
        else
            return false;
    }
    if (o.cfg.syn_backlog > o.cfg.max_connections) o.cfg.syn_backlog = o.cfg.max_connections;
    if (o.cfg.time_wait_max > o.cfg.max_connections) o.cfg.time_wait_max = o.cfg.max_connections;
    return !o.iface.empty() && o.ip != 0;
}

struct App {
    enum Kind { Sink, Source } kind;
    EVP_MD_CTX* sha = nullptr;
    std::string request;
    uint64_t to_send = 0;
    uint64_t sent = 0;
    bool sending = false;
    bool closed_sent = false;
};

class Harness {
public:
    Harness(Options o, rte_mempool* pool, uint16_t port)
        : o_(std::move(o)), pool_(pool), port_(port), pattern_(make_pattern()) {}

    bool start() {
        auto r =
            Engine::create(o_.cfg, pool_, static_cast<int>(rte_socket_id()), "harness", now_us());
        if (!r) {
            fprintf(stderr, "tcp_harness: %s\n", r.message().c_str());
            return false;
        }
        engine_ = std::move(r.value());
        uint8_t key[16];
        for (auto& b : key)
            b = static_cast<uint8_t>(rte_rand());
        if (!engine_->set_syn_cookie_secret(key).ok()) return false;
        bool ok = engine_->listen({7, ConsumerKind::Echo}).ok() &&
                  engine_->listen({9, ConsumerKind::Discard}).ok() &&
                  engine_->listen({19, ConsumerKind::Punt, {}, 19}).ok() &&
                  engine_->listen({20, ConsumerKind::Punt, {}, 20}).ok();
        rte_eth_macaddr_get(port_, &mac_);
        return ok;
    }

    void run() {
        uint64_t next_stats = 0;
        while (!g_stop) {
            uint64_t now = now_us();
            rte_mbuf* pkts[64];
            uint16_t n = rte_eth_rx_burst(port_, 0, pkts, 64);
            for (uint16_t i = 0; i < n; ++i)
                receive(pkts[i], now);
            engine_->poll(now, out_);
            serve_punt();
            engine_->flush(out_);
            transmit();
            if (now >= next_stats) {
                write_stats();
                next_stats = now + 100000;
            }
        }
        write_stats();
    }

    ~Harness() {
        for (auto& [k, a] : apps_)
            EVP_MD_CTX_free(a.sha);
    }

private:
    static uint64_t now_us() {
        static const uint64_t hz = rte_get_tsc_hz();
        uint64_t c = rte_get_tsc_cycles();
        return c / hz * 1000000 + (c % hz) * 1000000 / hz;
    }

    void receive(rte_mbuf* m, uint64_t now) {
        if (m->data_len < sizeof(rte_ether_hdr)) {
            rte_pktmbuf_free(m);
            return;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        uint16_t type = rte_be_to_cpu_16(eth->ether_type);
        if (type == RTE_ETHER_TYPE_ARP) {
            arp(m);
            return;
        }
        if (type != RTE_ETHER_TYPE_IPV4 || m->data_len < sizeof(rte_ether_hdr) + 20) {
            rte_pktmbuf_free(m);
            return;
        }
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
        size_t ihl = (ip->version_ihl & 0x0f) * 4u;
        size_t total = rte_be_to_cpu_16(ip->total_length);
        // What the worker's IPv4 stage guarantees the engine: a sane header, addressed to us.
        if ((ip->version_ihl >> 4) != 4 || ihl < 20 || total < ihl ||
            total > m->pkt_len - sizeof(rte_ether_hdr) ||
            m->data_len < sizeof(rte_ether_hdr) + ihl || rte_ipv4_cksum(ip) != 0 ||
            rte_be_to_cpu_32(ip->dst_addr) != o_.ip || ip->next_proto_id != IPPROTO_TCP) {
            rte_pktmbuf_free(m);
            return;
        }
        peer_mac_ = eth->src_addr;
        have_peer_ = true;
        rte_pktmbuf_adj(m, sizeof(rte_ether_hdr));
        engine_->input(m, now, out_);
        if (out_.full()) transmit();
    }

    void arp(rte_mbuf* m) {
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        auto* a = reinterpret_cast<rte_arp_hdr*>(eth + 1);
        if (m->data_len < sizeof(*eth) + sizeof(*a) ||
            a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
            rte_be_to_cpu_32(a->arp_data.arp_tip) != o_.ip) {
            rte_pktmbuf_free(m);
            return;
        }
        peer_mac_ = eth->src_addr;
        have_peer_ = true;
        a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
        a->arp_data.arp_tha = a->arp_data.arp_sha;
        a->arp_data.arp_tip = a->arp_data.arp_sip;
        a->arp_data.arp_sha = mac_;
        a->arp_data.arp_sip = rte_cpu_to_be_32(o_.ip);
        eth->dst_addr = eth->src_addr;
        eth->src_addr = mac_;
        if (rte_eth_tx_burst(port_, 0, &m, 1) != 1) rte_pktmbuf_free(m);
    }

    void transmit() {
        uint16_t n = 0;
        for (uint16_t i = 0; i < out_.count; ++i) {
            rte_mbuf* m = out_.pkts[i];
            auto* eth =
                reinterpret_cast<rte_ether_hdr*>(rte_pktmbuf_prepend(m, sizeof(rte_ether_hdr)));
            if (!eth || !have_peer_) {
                rte_pktmbuf_free(m);
                continue;
            }
            eth->dst_addr = peer_mac_;
            eth->src_addr = mac_;
            eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
            out_.pkts[n++] = m;
        }
        uint16_t sent = 0;
        for (int tries = 0; sent < n && tries < 1000; ++tries)
            sent += rte_eth_tx_burst(port_, 0, out_.pkts + sent, n - sent);
        for (uint16_t i = sent; i < n; ++i) {
            rte_pktmbuf_free(out_.pkts[i]);
            ++tx_dropped_;
        }
        out_.count = 0;
    }

    void serve_punt() {
        PuntEvent ev[32];
        size_t n;
        while ((n = engine_->punt_poll(ev, 32)) > 0) {
            for (size_t i = 0; i < n; ++i)
                punt_event(ev[i]);
        }
        for (auto& [k, a] : apps_) {
            if (a.kind != App::Source || !a.sending || a.closed_sent) continue;
            ConnHandle h = ConnHandle::unpack(k);
            while (a.sent < a.to_send) {
                uint64_t off = a.sent % kPatternLen;
                uint64_t len = std::min<uint64_t>(kPatternLen - off, a.to_send - a.sent);
                uint32_t q = engine_->send_copy(
                    h, std::span<const uint8_t>(pattern_.data() + off, static_cast<size_t>(len)));
                a.sent += q;
                if (q < len) break;
            }
            if (a.sent == a.to_send) {
                engine_->close(h);
                a.closed_sent = true;
            }
        }
    }

    void punt_event(const PuntEvent& e) {
        uint64_t key = e.conn.pack();
        switch (e.kind) {
        case PuntEvent::Kind::Opened: {
            App a{e.user_data == 19 ? App::Sink : App::Source};
            if (a.kind == App::Sink) {
                a.sha = EVP_MD_CTX_new();
                EVP_DigestInit_ex(a.sha, EVP_sha256(), nullptr);
            }
            apps_[key] = a;
            break;
        }
        case PuntEvent::Kind::Data: {
            auto it = apps_.find(key);
            if (it != apps_.end()) {
                App& a = it->second;
                for (rte_mbuf* s = e.data; s; s = s->next) {
                    const auto* p = rte_pktmbuf_mtod(s, const uint8_t*);
                    if (a.kind == App::Sink) {
                        EVP_DigestUpdate(a.sha, p, s->data_len);
                    } else if (!a.sending) {
                        a.request.append(reinterpret_cast<const char*>(p), s->data_len);
                        auto nl = a.request.find('\n');
                        if (nl != std::string::npos) {
                            a.to_send = strtoull(a.request.c_str(), nullptr, 10);
                            a.sending = true;
                        }
                    }
                }
            }
            rte_pktmbuf_free(e.data);
            break;
        }
        case PuntEvent::Kind::PeerClosed: {
            auto it = apps_.find(key);
            if (it == apps_.end()) break;
            App& a = it->second;
            if (a.kind == App::Sink && !a.closed_sent) {
                uint8_t md[32];
                unsigned len = 0;
                EVP_DigestFinal_ex(a.sha, md, &len);
                char hex[66];
                for (int i = 0; i < 32; ++i)
                    snprintf(hex + 2 * i, 3, "%02x", md[i]);
                hex[64] = '\n';
                engine_->send_copy(
                    e.conn, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(hex), 65));
                engine_->close(e.conn);
                a.closed_sent = true;
            } else if (a.kind == App::Source && !a.sending) {
                engine_->close(e.conn);
                a.closed_sent = true;
            }
            break;
        }
        case PuntEvent::Kind::Writable:
            break; // serve_punt() refills every loop
        case PuntEvent::Kind::Closed: {
            auto it = apps_.find(key);
            if (it != apps_.end()) {
                EVP_MD_CTX_free(it->second.sha);
                apps_.erase(it);
            }
            break;
        }
        }
    }

    void write_stats() {
        if (o_.stats.empty()) return;
        std::string tmp = o_.stats + ".tmp";
        FILE* f = fopen(tmp.c_str(), "w");
        if (!f) return;
        EngineGauges g = engine_->gauges();
        fprintf(f,
                "{\n  \"connections\": %u,\n  \"syn_received\": %u,\n  \"established\": %u,\n"
                "  \"time_wait\": %u,\n  \"punt_apps\": %zu,\n  \"tx_dropped\": %lu",
                g.connections.get(), g.syn_received.get(), g.established.get(), g.time_wait.get(),
                apps_.size(), static_cast<unsigned long>(tx_dropped_));
        size_t n;
        const CounterInfo* t = counter_table(n);
        for (size_t i = 0; i < n; ++i)
            fprintf(f, ",\n  \"%s\": %lu", t[i].name,
                    static_cast<unsigned long>(engine_->counters().*t[i].field));
        fprintf(f, "\n}\n");
        fclose(f);
        rename(tmp.c_str(), o_.stats.c_str());
    }

    Options o_;
    rte_mempool* pool_;
    uint16_t port_;
    std::vector<uint8_t> pattern_;
    std::unique_ptr<Engine> engine_;
    TxBatchArray<512> out_;
    rte_ether_addr mac_{};
    rte_ether_addr peer_mac_{};
    bool have_peer_ = false;
    uint64_t tx_dropped_ = 0;
    std::map<uint64_t, App> apps_;
};

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        fprintf(stderr, "usage: tcp_harness --iface IF --ip A.B.C.D [--stats FILE] [--cpu N]\n"
                        "  [--max-conns N] [--syn-backlog N] [--no-cookies] [--time-wait-ms N]\n"
                        "  [--keepalive-idle-ms N] [--keepalive-interval-ms N]\n"
                        "  [--keepalive-probes N] [--max-retransmits N] [--rto-max-ms N]\n"
                        "  [--snd-buf N] [--rcv-buf N]\n");
        return 2;
    }
    std::string vdev =
        "net_af_packet0,iface=" + o.iface + ",qpairs=1,blocksz=4096,framesz=2048,framecnt=8192";
    std::string prefix = "--file-prefix=tcph" + std::to_string(getpid());
    std::string lcores = "--lcores=0@" + std::to_string(o.cpu);
    std::vector<std::string> eal = {argv[0],       "--no-huge",     "-m",   "1024",
                                    "--no-pci",    "--no-shconf",   prefix, "--no-telemetry",
                                    "--log-level", "lib.*:warning", lcores, "--vdev",
                                    vdev};
    std::vector<char*> eal_argv;
    for (auto& s : eal)
        eal_argv.push_back(s.data());
    if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
        fprintf(stderr, "tcp_harness: rte_eal_init failed\n");
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    rte_mempool* pool = rte_pktmbuf_pool_create("harness", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                rte_socket_id());
    uint16_t port = 0;
    if (!pool || rte_eth_dev_count_avail() < 1) {
        fprintf(stderr, "tcp_harness: no mbuf pool or no port\n");
        return 1;
    }
    rte_eth_dev_info info{};
    rte_eth_dev_info_get(port, &info);
    rte_eth_conf conf{};
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
        conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    else
        o.cfg.tx_zero_copy = false; // every segment must then be one mbuf
    if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
        rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr, pool) < 0 ||
        rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), nullptr) < 0 ||
        rte_eth_dev_start(port) < 0) {
        fprintf(stderr, "tcp_harness: cannot start port on %s\n", o.iface.c_str());
        return 1;
    }
    {
        Harness h(o, pool, port);
        if (!h.start()) return 1;
        fprintf(stderr, "tcp_harness: serving on %s (zero-copy tx %s)\n", o.iface.c_str(),
                o.cfg.tx_zero_copy ? "on" : "off");
        h.run();
    }
    rte_eth_dev_stop(port);
    rte_eth_dev_close(port);
    rte_eal_cleanup();
    return 0;
}
