// The whole worker path on in-memory bursts, per cipher and size, for the OpenVPN data channel:
//   worker/<suite>/decap/<size>: DATA_V2 packets from a client (pre-encrypted; the perf session
//     accepts repeated packet-ids, as the appliance's perf mode does) -> classify -> IPv4 checks
//     -> peer-id steering -> key slot -> batched decryption -> anti-spoofing -> route ->
//     neighbour -> TX to net_null;
//   worker/<suite>/encap/<size>: plaintext IPv4 packets from the LAN to the client's tunnel
//     address -> route into the session -> batched encryption -> outer IPv4/UDP -> TX.
// <size> is the inner IPv4 packet size (what the tunnel carries), the same payload size the raw
// crypto benchmarks use, so worker/.../decap/1400 compares with raw/.../open/1400.
// Two sources feed the receiving port: worker/... uses a net_ring port whose RX ring the
// benchmark fills, outside the timed region, with mbufs already holding the frames (what a NIC's
// DMA hands over: zero copy on the worker's time); worker_pcap/... replays the same frames with
// net_pcap (infinite_rx), which copies every packet into a fresh mbuf on the worker's time — kept
// to compare with earlier figures.
// The worker runs on the benchmark thread (its real poll loop, one burst per poll); timing is
// thread CPU time. The per-stage counters become benchmark counters: cycles per packet in each
// stage (sampled: see dataplane/worker/counters.hpp).
#include "base/bytes.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "dataplane/ovpn/publish.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/worker/worker.hpp"
#include "perf/bench_matrix.hpp"

#include <benchmark/benchmark.h>
#include <pcap/pcap.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using vp::perf::kSizes;
using vp::perf::kSuites;
using vp::perf::Suite;

constexpr size_t kFrames = 256; // distinct frames (packet-ids) per benchmark

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr uint32_t wan_ip = 0x0a010001, client_ip = 0x0a010002, host_ip = 0x0a020002,
                   tunnel_ip = 0x0a080002;
constexpr uint16_t client_port = 40000, server_port = 1194;

// IPv4/UDP headers for a packet of `size` bytes at `p` (size >= 28); with `clear`, a zero
// payload too.
void ipv4_udp(uint8_t* p, uint32_t size, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
              bool clear = true) {
    std::memset(p, 0, clear ? size : 28);
    p[0] = 0x45;
    vp::store_be16(p + 2, static_cast<uint16_t>(size));
    p[8] = 64;
    p[9] = 17;
    vp::store_be32(p + 12, src);
    vp::store_be32(p + 16, dst);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    vp::store_be16(p + 20, sport);
    vp::store_be16(p + 22, dport);
    vp::store_be16(p + 24, static_cast<uint16_t>(size - 20));
}

void ethernet(uint8_t* f, const uint8_t* dst, const uint8_t* src) {
    std::memcpy(f, dst, 6);
    std::memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
}

struct Keys {
    vp::dp::OvpnDirectionKey c2s, s2c;
};

Keys bench_keys(const Suite& s) {
    Keys k;
    for (auto* d : {&k.c2s, &k.s2c}) {
        d->cipher_key.assign(vp::crypto::key_bytes(s.cipher), 0x42);
        if (vp::crypto::is_aead(s.cipher))
            d->implicit_iv.assign(8, 0x24);
        else
            d->hmac_key.assign(vp::crypto::digest_bytes(s.digest), 0x17);
    }
    return k;
}

const uint8_t wan_mac[6] = {2, 0, 0, 0, 1, 1}, client_mac[6] = {2, 0, 0, 0, 1, 2},
              lan_mac[6] = {2, 0, 0, 0, 2, 1}, host_mac[6] = {2, 0, 0, 0, 2, 2};

// The frames the worker will receive (kFrames of them, in order); false on failure.
bool build_frames(const Suite& s, uint32_t size_arg, bool decap, const Keys& keys,
                  std::vector<std::vector<uint8_t>>& frames) {
    auto engine = vp::crypto::CryptoEngine::create();
    auto key = vp::crypto::DataKey::create(s.cipher, s.digest, keys.c2s.cipher_key,
                                           keys.c2s.hmac_key, keys.c2s.implicit_iv);
    if (!engine.ok() || !key.ok()) return false;
    std::vector<uint8_t> f(4096);
    bool aead = vp::crypto::is_aead(s.cipher);
    frames.clear();
    for (size_t i = 0; i < kFrames; ++i) {
        uint32_t inner = vp::perf::packet_size(size_arg, i);
        size_t frame_len;
        if (decap) {
            ethernet(f.data(), wan_mac, client_mac);
            uint8_t* udp_payload = f.data() + 42;
            udp_payload[0] = vp::dp::ovpn::op_data_v2 << 3;
            vp::store_be16(udp_payload + 1, 0);
            udp_payload[3] = 1; // peer-id 1
            uint32_t pid = static_cast<uint32_t>(i + 1);
            vp::crypto::DataOp op;
            op.key = key->get();
            op.direction = vp::crypto::Direction::Seal;
            uint8_t* region = udp_payload + (aead ? 8 : 4);
            uint8_t* body = region + (*key)->header_bytes();
            if (aead) {
                vp::store_be32(udp_payload + 4, pid);
                op.packet_id = udp_payload + 4;
                op.aad = udp_payload;
                op.aad_len = 8;
                ipv4_udp(body, inner, tunnel_ip, host_ip, 5000, 6000);
                op.len = inner;
            } else {
                vp::store_be32(body, pid);
                ipv4_udp(body + 4, inner, tunnel_ip, host_ip, 5000, 6000);
                op.len = 4 + inner;
            }
            op.data = region;
            (*engine)->process({&op, 1});
            if (op.status != vp::crypto::OpStatus::Ok) return false;
            uint32_t udp_len = 8 + (aead ? 8 : 4) + op.out_len;
            ipv4_udp(f.data() + 14, 20 + udp_len, client_ip, wan_ip, client_port, server_port,
                     false);
            frame_len = 14 + 20 + udp_len;
        } else {
            ethernet(f.data(), lan_mac, host_mac);
            ipv4_udp(f.data() + 14, inner, host_ip, tunnel_ip, 6000, 5000);
            frame_len = 14 + inner;
        }
        frames.emplace_back(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(frame_len));
    }
    return true;
}

// Writes the frames as the pcap net_pcap will replay; false on failure.
bool write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames) {
    pcap_t* pd = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(pd, path.c_str());
    if (!d) {
        pcap_close(pd);
        return false;
    }
    for (const auto& f : frames) {
        pcap_pkthdr h{};
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
    }
    pcap_dump_close(d);
    pcap_close(pd);
    return true;
}

// The zero-copy source: the port is a net_ring device whose RX ring the benchmark fills with
// mbufs that already hold the frames, as a NIC's DMA hands them over; filling happens outside
// the timed region, so the worker's time is the worker's alone.
class RingFeeder {
public:
    RingFeeder(rte_ring* ring, rte_mempool* pool, const std::vector<std::vector<uint8_t>>& frames)
        : ring_(ring), pool_(pool), frames_(frames) {}
    // Puts `n` frames (the next ones in order) on the ring; false when mbufs or room ran out.
    bool fill(unsigned n) {
        rte_mbuf* pkts[256];
        while (n) {
            unsigned k = std::min(n, 256u);
            if (rte_pktmbuf_alloc_bulk(pool_, pkts, k) != 0) return false;
            for (unsigned i = 0; i < k; ++i) {
                const auto& f = frames_[next_++ % frames_.size()];
                auto* d = rte_pktmbuf_append(pkts[i], static_cast<uint16_t>(f.size()));
                std::memcpy(d, f.data(), f.size());
            }
            unsigned sent =
                rte_ring_enqueue_burst(ring_, reinterpret_cast<void**>(pkts), k, nullptr);
            for (unsigned i = sent; i < k; ++i)
                rte_pktmbuf_free(pkts[i]);
            if (sent != k) return false;
            n -= k;
        }
        return true;
    }

private:
    rte_ring* ring_;
    rte_mempool* pool_;
    const std::vector<std::vector<uint8_t>>& frames_;
    size_t next_ = 0;
};

uint64_t total(const vp::dp::WorkerStats& st, vp::dp::WorkerCounter c) {
    return st[c].get();
}

enum class Source { Ring, Pcap };

void bm_worker(benchmark::State& state, Suite s, uint32_t size_arg, bool decap, Source source) {
    std::string pcap = "/tmp/vpnplane-bench-" + std::to_string(getpid()) + ".pcap";
    Keys keys = bench_keys(s);
    std::vector<std::vector<uint8_t>> frames;
    if (!build_frames(s, size_arg, decap, keys, frames) ||
        (source == Source::Pcap && !write_pcap(pcap, frames))) {
        state.SkipWithError("cannot build the traffic");
        return;
    }
    // net_ring with no arguments creates one ring that is both its RX and TX queue.
    std::string replay = source == Source::Pcap ? "net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1"
                                                : std::string("net_ring0");
    std::string sink = "net_null0,no-rx=1";
    std::string config_text =
        "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
        "system = { logging = { level = \"warning\"; }; };\n"
        "interfaces = (\n"
        "  { name = \"wan0\"; device = \"" +
        (decap ? replay : sink) +
        "\"; role = \"wan\"; "
        "address = \"10.1.0.1/24\"; mac_address = \"02:00:00:00:01:01\"; },\n"
        "  { name = \"lan0\"; device = \"" +
        (decap ? sink : replay) +
        "\"; role = \"lan\"; "
        "address = \"10.2.0.1/24\"; mac_address = \"02:00:00:00:02:01\"; }\n);\n"
        "ip = { arp = ( { address = \"10.1.0.2\"; mac_address = \"02:00:00:00:01:02\"; interface = "
        "\"wan0\"; },\n"
        "               { address = \"10.2.0.2\"; mac_address = \"02:00:00:00:02:02\"; interface = "
        "\"lan0\"; } ); };\n";
    auto config = vp::config::load_config_text(config_text);
    if (!config.ok()) {
        state.SkipWithError(config.message().c_str());
        return;
    }
    {
        auto appliance = vp::ctl::Appliance::create(*config);
        if (!appliance.ok()) {
            state.SkipWithError(appliance.message().c_str());
            std::remove(pcap.c_str());
            return;
        }
        auto& dp = (*appliance)->dataplane();
        vp::dp::WorkerPolicy policy = *dp.policy();
        policy.ovpn_udp_port = server_port;
        dp.set_policy(policy);
        vp::dp::OvpnPublisher publisher(dp);
        vp::dp::OvpnPeer peer;
        peer.id = 1;
        peer.local_ip_be = rte_cpu_to_be_32(wan_ip);
        peer.local_port_be = rte_cpu_to_be_16(server_port);
        peer.client_ip_be = rte_cpu_to_be_32(client_ip);
        peer.client_port_be = rte_cpu_to_be_16(client_port);
        peer.tunnel_ip_be = rte_cpu_to_be_32(tunnel_ip);
        peer.replay_protection = false; // replayed traffic, as in the perf mode
        peer.clamp_mss = false;
        if (!publisher.add_peer(peer).ok() ||
            !publisher.add_key(1, 0, s.cipher, s.digest, keys.c2s, keys.s2c).ok()) {
            state.SkipWithError("cannot install the session");
            return;
        }
        publisher.set_tx_key(1, 0);
        vp::dp::Worker& worker = dp.worker(0);
        std::unique_ptr<RingFeeder> feeder;
        const unsigned per_iteration = 8u * dp.settings().burst;
        if (source == Source::Ring) {
            rte_ring* ring = rte_ring_lookup("ETH_RXTX0_net_ring0");
            if (!ring) {
                state.SkipWithError("net_ring0's ring not found");
                return;
            }
            feeder = std::make_unique<RingFeeder>(ring, dp.pool(), frames);
        }
        auto feed = [&] { return !feeder || feeder->fill(per_iteration); };
        for (int i = 0; i < 8; ++i) { // warm caches and the mbuf cache
            if (!feed()) {
                state.SkipWithError("cannot fill the RX ring");
                return;
            }
            for (int k = 0; k < 8; ++k)
                worker.poll_once();
        }
        const vp::dp::WorkerStats& st = worker.stats();
        auto done = [&] {
            return total(st, decap ? vp::dp::WorkerCounter::ovpn_decrypted
                                   : vp::dp::WorkerCounter::ovpn_encrypted);
        };
        uint64_t packets0 = done();
        std::array<uint64_t, static_cast<size_t>(vp::dp::Stage::Count)> cycles0{};
        for (size_t i = 0; i < cycles0.size(); ++i)
            cycles0[i] = st.stage_cycles[i].get();
        uint64_t drops0 = 0;
        for (auto& d : st.drops)
            drops0 += d.get();
        for (auto _ : state) {
            if (!feed()) {
                state.SkipWithError("cannot fill the RX ring");
                break;
            }
            double t0 = thread_cpu_seconds();
            for (int i = 0; i < 8; ++i)
                worker.poll_once();
            state.SetIterationTime(thread_cpu_seconds() - t0);
        }
        uint64_t packets = done() - packets0;
        uint64_t drops = 0;
        for (auto& d : st.drops)
            drops += d.get();
        if (drops != drops0) state.SkipWithError("the worker dropped packets");
        double avg = 0;
        for (size_t i = 0; i < 12; ++i)
            avg += vp::perf::packet_size(size_arg, i);
        avg /= 12;
        state.SetItemsProcessed(static_cast<int64_t>(packets));
        state.SetBytesProcessed(static_cast<int64_t>(packets * avg));
        for (size_t i = 0; i < cycles0.size(); ++i) {
            uint64_t c = st.stage_cycles[i].get() - cycles0[i];
            if (c && packets)
                state.counters["cyc_" + std::string(vp::dp::stage_info[i].name)] =
                    static_cast<double>(c) / static_cast<double>(packets);
        }
    }
    std::remove(pcap.c_str());
}

} // namespace

void register_worker_benchmarks() {
    for (const Suite& s : kSuites)
        for (bool decap : {true, false})
            for (uint32_t size : kSizes) {
                for (Source source : {Source::Ring, Source::Pcap}) {
                    std::string name =
                        std::string(source == Source::Ring ? "worker/" : "worker_pcap/") +
                        vp::perf::suite_name(s) + (decap ? "/decap/" : "/encap/") +
                        vp::perf::size_name(size);
                    benchmark::RegisterBenchmark(name.c_str(), bm_worker, s, size, decap, source)
                        ->UseManualTime();
                }
            }
}
