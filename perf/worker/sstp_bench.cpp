// The SSTP data path on a worker, per TLS version and size, beside raw ipsec-mb AES-256-GCM
// (perf/crypto/crypto_bench.cpp's raw/AES-256-GCM/...) in the same run:
//   sstp_tls12/AES-256-GCM/decap/<size>, sstp_tls13/AES-256-GCM/decap/<size>: TLS records from
//     the client, each holding one SSTP data packet with PPP IPv4 of <size> bytes, handed to the
//     real SSTP stage (dataplane/sstp/stage.cpp) as the TCP engine hands over a stream's units
//     (StreamUnit tagged with the session) -> reassembly -> one batched open per session and
//     flush -> SSTP/PPP parse -> session input (anti-spoofing, route, neighbour) -> TX to
//     net_null;
//   sstp_tls12/.../encap/<size>, sstp_tls13/...: plaintext IPv4 frames from the LAN (net_ring,
//     filled outside the timed region) -> the worker's poll loop -> route into the session ->
//     SSTP + PPP framing -> batched seal -> the stream send.
// What is not in the figure: the worker's TCP engine (segment input, reassembly, ACKs, the send
// queue and segmentation). Decap starts at the stream unit; on encap the session's stream handle
// is not a live connection, so tcp_stream_send refuses the sealed record at once (counted as
// sstp_stream_full, which this benchmark expects and excludes; every other drop fails it).
// <size> is the inner IPv4 packet size, the payload size of raw/.../<size>, so
// sstp_tls12/AES-256-GCM/decap/1400 ÷ raw/AES-256-GCM/open/1400 is the worker ÷ raw ratio
// (perf/bench_main.cpp prints it; perf/ratio_table.sh runs it). Thread CPU time, one core.
#include "base/bytes.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "crypto/engine.hpp"
#include "crypto/tls_record.hpp"
#include "dataplane/session/publish.hpp"
#include "dataplane/sstp/sstp_session.hpp"
#include "dataplane/sstp/stage.hpp"
#include "dataplane/worker/worker.hpp"
#include "perf/bench_matrix.hpp"

#include <benchmark/benchmark.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace {

using vp::crypto::TlsRecordKey;
using vp::crypto::TlsSuite;

constexpr size_t kBurst = 32, kBursts = 8, kRecords = kBurst * kBursts;
constexpr vp::dp::SessionId kSession = 5;
constexpr uint64_t kConn = 0x5157; // not a live TCP connection (see the header comment)
constexpr uint32_t tunnel_ip = 0x0a080002, host_ip = 0x0a020002;
const uint32_t kSizesSstp[] = {64, 1400, vp::perf::kImix};

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// An IPv4/UDP packet of `size` bytes (>= 28).
vp::Bytes ipv4_udp(uint32_t size, uint32_t src, uint32_t dst) {
    vp::Bytes p(size, 0);
    p[0] = 0x45;
    vp::store_be16(p.data() + 2, static_cast<uint16_t>(size));
    p[8] = 64;
    p[9] = 17;
    vp::store_be32(p.data() + 12, src);
    vp::store_be32(p.data() + 16, dst);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p.data());
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    vp::store_be16(p.data() + 20, 5000);
    vp::store_be16(p.data() + 22, 6000);
    vp::store_be16(p.data() + 24, static_cast<uint16_t>(size - 20));
    return p;
}

std::unique_ptr<TlsRecordKey> make_key(TlsSuite suite, uint8_t fill) {
    auto sizes = vp::crypto::tls_suite_sizes(suite);
    vp::Bytes k(sizes.enc_key, fill), iv(sizes.iv, static_cast<uint8_t>(fill + 1));
    auto r = TlsRecordKey::create(suite, k, iv, {});
    return r.ok() ? std::move(*r) : nullptr;
}

// The server's record layer (client_write = 0x11.., server_write = 0x22..), sequence numbers 1.
std::unique_ptr<vp::dp::sstp::RecordLayer> server_layer(TlsSuite suite) {
    auto open = make_key(suite, 0x11), seal = make_key(suite, 0x22);
    if (!open || !seal) return nullptr;
    return std::make_unique<vp::dp::sstp::RecordLayer>(std::move(open), 1, std::move(seal), 1);
}

// The client's records: kRecords of them, sequence numbers 1.., each one SSTP data packet with
// PPP IPv4 of the size sequence's i-th size, as a client sends them.
bool client_records(TlsSuite suite, uint32_t size_arg, std::vector<vp::Bytes>& out) {
    auto engine = vp::crypto::CryptoEngine::create();
    auto open = make_key(suite, 0x22), seal = make_key(suite, 0x11);
    if (!engine.ok() || !open || !seal) return false;
    vp::dp::sstp::RecordLayer client(std::move(open), 1, std::move(seal), 1);
    out.clear();
    for (size_t i = 0; i < kRecords; ++i) {
        vp::Bytes ip = ipv4_udp(vp::perf::packet_size(size_arg, i), tunnel_ip, host_ip);
        vp::Bytes rec(client.ip_offset() + ip.size() + client.seal_key().seal_tail());
        std::memcpy(rec.data() + client.ip_offset(), ip.data(), ip.size());
        vp::crypto::TlsRecordOp op;
        if (!client.prepare_seal_ip(rec.data(), static_cast<uint32_t>(ip.size()), op)) return false;
        (*engine)->process_records({&op, 1});
        if (op.status != vp::crypto::TlsRecordStatus::Ok) return false;
        rec.resize(op.out_len);
        out.push_back(std::move(rec));
    }
    return true;
}

uint64_t all_drops(const vp::dp::WorkerStats& st) {
    uint64_t n = 0;
    for (auto& d : st.drops)
        n += d.get();
    return n;
}

void bm_sstp(benchmark::State& state, TlsSuite suite, uint32_t size_arg, bool decap) {
    std::vector<vp::Bytes> records;
    std::vector<vp::Bytes> frames; // encap: Ethernet + IPv4 from the LAN host
    if (decap) {
        if (!client_records(suite, size_arg, records)) {
            state.SkipWithError("cannot build the records");
            return;
        }
    } else {
        for (size_t i = 0; i < kRecords; ++i) {
            vp::Bytes ip = ipv4_udp(vp::perf::packet_size(size_arg, i), host_ip, tunnel_ip);
            vp::Bytes f(14 + ip.size());
            const uint8_t dst[6] = {2, 0, 0, 0, 2, 1}, src[6] = {2, 0, 0, 0, 2, 2};
            std::memcpy(f.data(), dst, 6);
            std::memcpy(f.data() + 6, src, 6);
            f[12] = 0x08;
            std::memcpy(f.data() + 14, ip.data(), ip.size());
            frames.push_back(std::move(f));
        }
    }
    std::string config_text =
        "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
        "system = { logging = { level = \"warning\"; }; };\n"
        "interfaces = (\n"
        "  { name = \"wan0\"; device = \"net_null0,no-rx=1\"; role = \"wan\"; "
        "address = \"10.1.0.1/24\"; mac_address = \"02:00:00:00:01:01\"; },\n"
        "  { name = \"lan0\"; device = \"" +
        std::string(decap ? "net_null1,no-rx=1" : "net_ring0") +
        "\"; role = \"lan\"; "
        "address = \"10.2.0.1/24\"; mac_address = \"02:00:00:00:02:01\"; }\n);\n"
        "ip = { arp = ( { address = \"10.2.0.2\"; mac_address = \"02:00:00:00:02:02\"; interface = "
        "\"lan0\"; } ); };\n";
    auto config = vp::config::load_config_text(config_text);
    if (!config.ok()) {
        state.SkipWithError(config.message().c_str());
        return;
    }
    auto appliance = vp::ctl::Appliance::create(*config);
    if (!appliance.ok()) {
        state.SkipWithError(appliance.message().c_str());
        return;
    }
    auto& dp = (*appliance)->dataplane();
    vp::dp::Worker& worker = dp.worker(0);
    rte_mempool* pool = dp.pool();
    // The stage as the worker's protocol table builds it, bound to worker 0.
    vp::dp::ProtocolStage stage = vp::dp::sstp::protocol_stage();
    std::string error;
    void* st = stage.create(worker, error);
    if (!st) {
        state.SkipWithError(error.c_str());
        return;
    }
    {
        vp::dp::SessionPublisher publisher(dp);
        auto session = std::make_unique<vp::dp::SstpSession>(kSession, 0, kConn);
        session->records = server_layer(suite);
        vp::dp::SessionSpec spec;
        spec.tunnel_ip_be = rte_cpu_to_be_32(tunnel_ip);
        spec.clamp_mss = false;
        if (!session->records || !publisher.publish(std::move(session), spec).ok()) {
            state.SkipWithError("cannot publish the session");
            stage.destroy(st);
            return;
        }
        auto* s = static_cast<vp::dp::SstpSession*>(publisher.find(kSession));
        rte_ring* ring = decap ? nullptr : rte_ring_lookup("ETH_RXTX0_net_ring0");
        if (!decap && !ring) {
            state.SkipWithError("net_ring0's ring not found");
            stage.destroy(st);
            return;
        }
        std::vector<rte_mbuf*> pkts(kRecords);
        // One iteration's input, outside the timed region: mbufs holding the records (decap,
        // with a fresh record layer: the records' sequence numbers start again at 1) or the LAN
        // frames on the ring (encap).
        auto fill = [&]() -> bool {
            if (rte_pktmbuf_alloc_bulk(pool, pkts.data(), kRecords) != 0) return false;
            const auto& src = decap ? records : frames;
            for (size_t i = 0; i < kRecords; ++i) {
                auto* d = rte_pktmbuf_append(pkts[i], static_cast<uint16_t>(src[i].size()));
                std::memcpy(d, src[i].data(), src[i].size());
            }
            if (decap) {
                s->records = server_layer(suite);
                s->failure_reported = false;
                return s->records != nullptr;
            }
            unsigned sent = rte_ring_enqueue_burst(ring, reinterpret_cast<void**>(pkts.data()),
                                                   kRecords, nullptr);
            for (size_t i = sent; i < kRecords; ++i)
                rte_pktmbuf_free(pkts[i]);
            return sent == kRecords;
        };
        auto run = [&] {
            if (decap) {
                for (size_t b = 0; b < kBursts; ++b) {
                    for (size_t i = 0; i < kBurst; ++i) {
                        vp::dp::StreamUnit u{kConn, 0x0a010002,           0x0a010001,  40000,
                                             443,   pkts[b * kBurst + i], kSession + 1};
                        stage.stream_input(st, u);
                    }
                    stage.flush_input(st);
                    worker.poll_once(); // TX flush
                }
            } else {
                for (size_t b = 0; b < kBursts; ++b)
                    worker.poll_once();
            }
        };
        const vp::dp::WorkerStats& stats = worker.stats();
        auto done = [&] {
            return decap ? s->counters.rx_packets.get() : s->counters.tx_packets.get();
        };
        // One loop iteration first: the stream input below runs with the worker's per-iteration
        // view (policy, filter) that poll_once() loads, as it does inside the loop.
        worker.poll_once();
        for (int i = 0; i < 4; ++i) { // warm caches and the mbuf cache
            if (!fill()) {
                state.SkipWithError("cannot fill the input");
                stage.destroy(st);
                return;
            }
            run();
        }
        auto expected = [&] { return stats.drop(vp::dp::DropReason::sstp_stream_full).get(); };
        uint64_t packets0 = done(), drops0 = all_drops(stats) - expected();
        for (auto _ : state) {
            if (!fill()) {
                state.SkipWithError("cannot fill the input");
                break;
            }
            double t0 = thread_cpu_seconds();
            run();
            state.SetIterationTime(thread_cpu_seconds() - t0);
        }
        uint64_t packets = done() - packets0;
        if (all_drops(stats) - expected() != drops0 || s->records->failed())
            state.SkipWithError("the worker dropped packets");
        double avg = 0;
        for (size_t i = 0; i < 12; ++i)
            avg += vp::perf::packet_size(size_arg, i);
        avg /= 12;
        state.SetItemsProcessed(static_cast<int64_t>(packets));
        state.SetBytesProcessed(static_cast<int64_t>(static_cast<double>(packets) * avg));
    } // the publisher retires the session
    stage.destroy(st);
}

} // namespace

void register_sstp_benchmarks() {
    for (TlsSuite suite : {TlsSuite::Tls12Aes256Gcm, TlsSuite::Tls13Aes256Gcm})
        for (bool decap : {true, false})
            for (uint32_t size : kSizesSstp) {
                std::string name =
                    std::string(suite == TlsSuite::Tls12Aes256Gcm ? "sstp_tls12" : "sstp_tls13") +
                    "/AES-256-GCM" + (decap ? "/decap/" : "/encap/") + vp::perf::size_name(size);
                benchmark::RegisterBenchmark(name.c_str(), bm_sstp, suite, size, decap)
                    ->UseManualTime();
            }
}
