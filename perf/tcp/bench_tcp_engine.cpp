// bench_tcp_engine: bytes per second per core of the TCP engine for one bulk stream, engine to
// engine in memory (no NIC, no kernel): a sender engine with a punt-consumer connection whose
// send buffer the benchmark keeps full, and a receiver engine with the discard consumer.
// Segments go from one engine's output batch straight into the other's input (zero-copy, as a
// NIC's DMA would leave them). Cycles spent inside each engine's calls are counted separately,
// so each side's figure is what one worker core would sustain doing only that side.
//
// Variants: the default configuration (payload copied into each segment, checksums in
// software), zero-copy TX (indirect mbufs), and checksums left to the NIC (tx_checksum_offload,
// received mbufs marked as verified).
// Each variant runs 5 times; the table gives the median and the spread.
#include "dataplane/tcp/engine.hpp"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

using namespace vp::tcp;

namespace {

struct Variant {
    const char* name;
    bool csum_offload;
    bool zero_copy;
};

struct Result {
    double sender_gbps;
    double receiver_gbps;
    double segments_per_s; // at the receiver, per core
};

uint64_t cycles_to_us(uint64_t c) {
    static const uint64_t hz = rte_get_tsc_hz();
    return c / hz * 1000000 + (c % hz) * 1000000 / hz;
}

Result run_once(rte_mempool* pool, const Variant& v, uint64_t total_bytes, int run) {
    EngineConfig cfg;
    cfg.max_connections = 16;
    cfg.syn_backlog = 4;
    cfg.time_wait_max = 4;
    cfg.snd_buf_bytes = 4u << 20;
    cfg.rcv_buf_bytes = 4u << 20;
    cfg.tx_checksum_offload = v.csum_offload;
    cfg.tx_zero_copy = v.zero_copy;
    cfg.keepalive_idle_ms = 0;
    std::string na = "bs" + std::to_string(run), nb = "br" + std::to_string(run);
    uint64_t t0 = cycles_to_us(rte_rdtsc());
    auto ra = Engine::create(cfg, pool, SOCKET_ID_ANY, na.c_str(), t0);
    auto rb = Engine::create(cfg, pool, SOCKET_ID_ANY, nb.c_str(), t0);
    if (!ra || !rb) {
        fprintf(stderr, "engine: %s\n", ra ? rb.message().c_str() : ra.message().c_str());
        exit(1);
    }
    Engine& a = *ra.value();
    Engine& b = *rb.value();
    if (!b.listen({9, ConsumerKind::Discard}).ok()) exit(1);
    TxBatchArray<256> out_a, out_b;
    FlowKey flow{0x0a000002, 0x0a000001, 9, 40000};
    ConnHandle h = a.connect({flow, ConsumerKind::Punt});
    uint64_t cyc_a = 0, cyc_b = 0;
    uint64_t queued = 0;
    const uint32_t chunk = 2000;
    auto now = [] { return cycles_to_us(rte_rdtsc()); };
    auto deliver = [&](TxBatch& from, Engine& to, TxBatch& to_out, uint64_t& cyc) {
        for (uint16_t i = 0; i < from.count; ++i) {
            rte_mbuf* m = from.pkts[i];
            m->ol_flags = v.csum_offload ? RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
            uint64_t c0 = rte_rdtsc();
            to.input(m, now(), to_out);
            cyc += rte_rdtsc() - c0;
        }
        from.count = 0;
    };
    uint64_t guard = 0;
    while (b.counters().rx_payload_bytes < total_bytes && ++guard < 100000000) {
        // The application keeps the send buffer full (its mbufs are not the engine's cost).
        uint32_t space = a.send_space(h);
        while (space >= chunk && queued < total_bytes + (8u << 20)) {
            rte_mbuf* m = rte_pktmbuf_alloc(pool);
            if (!m) break;
            m->data_len = static_cast<uint16_t>(chunk);
            m->pkt_len = chunk;
            uint64_t c0 = rte_rdtsc();
            bool ok = a.send(h, m);
            cyc_a += rte_rdtsc() - c0;
            if (!ok) {
                rte_pktmbuf_free(m);
                break;
            }
            queued += chunk;
            space -= chunk;
        }
        uint64_t c0 = rte_rdtsc();
        a.poll(now(), out_a);
        cyc_a += rte_rdtsc() - c0;
        deliver(out_a, b, out_b, cyc_b);
        c0 = rte_rdtsc();
        b.poll(now(), out_b);
        cyc_b += rte_rdtsc() - c0;
        deliver(out_b, a, out_a, cyc_a);
    }
    uint64_t bytes = b.counters().rx_payload_bytes;
    uint64_t segs = b.counters().rx_segments;
    double hz = static_cast<double>(rte_get_tsc_hz());
    Result r{bytes * 8 / (cyc_a / hz) / 1e9, bytes * 8 / (cyc_b / hz) / 1e9, segs / (cyc_b / hz)};
    a.abort(h);
    a.flush(out_a);
    for (uint16_t i = 0; i < out_a.count; ++i)
        rte_pktmbuf_free(out_a.pkts[i]);
    out_a.count = 0;
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    uint64_t mb = argc > 1 ? strtoull(argv[1], nullptr, 10) : 512;
    std::string prefix = "--file-prefix=tcpb" + std::to_string(getpid());
    const char* eal[] = {"bench",       "--no-huge",     "-m",           "2048",
                         "--no-pci",    "--no-shconf",   prefix.c_str(), "--no-telemetry",
                         "--log-level", "lib.*:warning", "-l",           "0"};
    if (rte_eal_init(static_cast<int>(sizeof eal / sizeof eal[0]), const_cast<char**>(eal)) < 0)
        return 1;
    rte_mempool* pool =
        rte_pktmbuf_pool_create("bench", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    if (!pool) return 1;
    const Variant variants[] = {{"default: copy tx, sw checksums", false, false},
                                {"zero-copy tx, sw checksums", false, true},
                                {"copy tx, checksums offloaded", true, false}};
    printf("TCP engine, one bulk stream, %lu MiB per run, 5 runs: Gbit/s of payload per core\n",
           static_cast<unsigned long>(mb));
    printf("%-32s %22s %22s %14s\n", "variant", "sender (median, range)",
           "receiver (median, range)", "rx Mseg/s");
    int run = 0;
    for (const auto& v : variants) {
        std::vector<double> s, r, g;
        for (int i = 0; i < 5; ++i) {
            Result x = run_once(pool, v, mb << 20, run++);
            s.push_back(x.sender_gbps);
            r.push_back(x.receiver_gbps);
            g.push_back(x.segments_per_s / 1e6);
        }
        auto [smin, smax] = std::minmax_element(s.begin(), s.end());
        auto [rmin, rmax] = std::minmax_element(r.begin(), r.end());
        printf("%-32s %7.2f (%5.2f-%5.2f)    %7.2f (%5.2f-%5.2f)    %10.2f\n", v.name, median(s),
               *smin, *smax, median(r), *rmin, *rmax, median(g));
    }
    rte_eal_cleanup();
    return 0;
}
