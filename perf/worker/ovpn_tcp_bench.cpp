// The OpenVPN-over-TCP data path on a worker, per size, beside raw ipsec-mb AES-256-GCM
// (perf/crypto/crypto_bench.cpp's raw/AES-256-GCM/...) in the same run:
//   ovpn_tcp/AES-256-GCM/decap/<size>: the client's stream of Length16 units (2-byte length +
//     DATA_V2 packet, AES-256-GCM), each unit arriving in a TCP segment of its own, taken off the
//     receive queue as the TCP engine's punt path cuts units (tcp::MbufList::take_front) and handed
//     to the real OpenVPN stage (dataplane/ovpn/stream.cpp) -> synthetic outer header in place
//     -> one batched open per flush -> anti-spoofing, route, neighbour -> TX to net_null;
//   ovpn_tcp_mss/AES-256-GCM/decap/<size>: the same stream cut into full 1448-byte segments (a
//     sender that coalesces writes, e.g. with Nagle under load), so units straddle segments
//     and share buffers: the stage copies each such unit into a fresh mbuf before decrypting;
//   ovpn_tcp/AES-256-GCM/encap/<size>: plaintext IPv4 frames from the LAN (net_ring, filled
//     outside the timed region) -> the worker's poll loop -> route into the session -> DATA_V2
//     framing -> batched seal -> 2-byte length in place of the outer IPv4/UDP header -> the
//     stream send.
// What is not in the figure: the worker's TCP engine itself (segment input, ACKs, the send queue
// and segmentation). Decap starts at the receive queue's segments (the cutting into units is
// outside the timed region too: it is the engine's punt poll); on encap the session's stream
// handle is not a live connection, so tcp_stream_send refuses the framed packet at once (counted
// as ovpn_stream_full, which this benchmark expects and excludes; every other drop fails it).
// The session runs without replay protection (every iteration replays the same packet-ids), as
// the worker/... rows do. <size> is the inner IPv4 packet size, so
// ovpn_tcp/AES-256-GCM/decap/1400 ÷ raw/AES-256-GCM/open/1400 is the worker ÷ raw ratio
// (perf/bench_main.cpp prints it; perf/ratio_table.sh runs it). Thread CPU time, one core.
#include "base/bytes.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "dataplane/ovpn/publish.hpp"
#include "dataplane/ovpn/stage.hpp"
#include "dataplane/ovpn/wire.hpp"
#include "dataplane/tcp/mbuf_list.hpp"
#include "dataplane/worker/worker.hpp"
#include "perf/bench_matrix.hpp"

#include <benchmark/benchmark.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr size_t kBurst = 32, kBursts = 8, kUnits = kBurst * kBursts;
constexpr vp::dp::SessionId kPeer = 1;
constexpr uint64_t kConn = 0x0b17; // not a live TCP connection (see the header comment)
constexpr uint32_t wan_ip = 0x0a010001, client_ip = 0x0a010002, tunnel_ip = 0x0a080002,
                   host_ip = 0x0a020002;
constexpr uint16_t client_port = 40000, server_port = 1194;
constexpr uint32_t kMss = 1448;
const uint32_t kSizesTcp[] = {64, 1400, vp::perf::kImix};

enum class Shape { UnitPerSegment, MssSegments };

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

vp::dp::OvpnDirectionKey direction_key(uint8_t fill) {
    vp::dp::OvpnDirectionKey k;
    k.cipher_key.assign(32, fill);
    k.implicit_iv.assign(8, static_cast<uint8_t>(fill + 1));
    return k;
}

// The client's units (2-byte length + DATA_V2 packet), packet-ids 1.., as one byte string per
// unit; false on failure.
bool client_units(uint32_t size_arg, std::vector<vp::Bytes>& out) {
    auto engine = vp::crypto::CryptoEngine::create();
    vp::dp::OvpnDirectionKey c2s = direction_key(0x42);
    auto key = vp::crypto::DataKey::create(vp::crypto::Cipher::Aes256Gcm, vp::crypto::Digest::None,
                                           c2s.cipher_key, c2s.hmac_key, c2s.implicit_iv);
    if (!engine.ok() || !key.ok()) return false;
    out.clear();
    for (size_t i = 0; i < kUnits; ++i) {
        vp::Bytes inner = ipv4_udp(vp::perf::packet_size(size_arg, i), tunnel_ip, host_ip);
        vp::Bytes u(2 + 8 + (*key)->header_bytes() + inner.size() + (*key)->tail_bytes() + 64);
        uint8_t* p = u.data() + 2;
        p[0] = vp::dp::ovpn::op_data_v2 << 3;
        vp::store_be16(p + 1, 0);
        p[3] = static_cast<uint8_t>(kPeer);
        vp::store_be32(p + 4, static_cast<uint32_t>(i + 1));
        uint8_t* region = p + 8;
        std::memcpy(region + (*key)->header_bytes(), inner.data(), inner.size());
        vp::crypto::DataOp op;
        op.key = key->get();
        op.direction = vp::crypto::Direction::Seal;
        op.packet_id = p + 4;
        op.aad = p;
        op.aad_len = 8;
        op.data = region;
        op.len = static_cast<uint32_t>(inner.size());
        (*engine)->process({&op, 1});
        if (op.status != vp::crypto::OpStatus::Ok) return false;
        uint32_t packet_len = 8 + op.out_len;
        vp::store_be16(u.data(), static_cast<uint16_t>(packet_len));
        u.resize(2 + packet_len);
        out.push_back(std::move(u));
    }
    return true;
}

uint64_t all_drops(const vp::dp::WorkerStats& st) {
    uint64_t n = 0;
    for (auto& d : st.drops)
        n += d.get();
    return n;
}

// Cuts the units as the TCP engine would hand them over: the stream's bytes arrive in segments
// (one per unit, or full MSS-sized ones) on a receive queue, and the punt path takes one unit
// at a time off its front. False when the pool ran dry.
bool cut_units(const std::vector<vp::Bytes>& units, Shape shape, rte_mempool* pool,
               std::vector<rte_mbuf*>& out) {
    vp::tcp::MbufList q;
    vp::Bytes stream;
    for (const auto& u : units)
        stream.insert(stream.end(), u.begin(), u.end());
    size_t off = 0, unit = 0;
    while (off < stream.size()) {
        size_t len = shape == Shape::UnitPerSegment ? units[unit++].size()
                                                    : std::min<size_t>(kMss, stream.size() - off);
        rte_mbuf* m = rte_pktmbuf_alloc(pool);
        char* d = m ? rte_pktmbuf_append(m, static_cast<uint16_t>(len)) : nullptr;
        if (!d) {
            if (m) rte_pktmbuf_free(m);
            return false;
        }
        std::memcpy(d, stream.data() + off, len);
        q.append(m);
        off += len;
    }
    out.clear();
    for (const auto& u : units) {
        rte_mbuf* m = q.take_front(static_cast<uint32_t>(u.size()), pool);
        if (!m) {
            for (rte_mbuf* x : out)
                rte_pktmbuf_free(x);
            out.clear();
            return false;
        }
        out.push_back(m);
    }
    return true;
}

void bm_ovpn_tcp(benchmark::State& state, uint32_t size_arg, bool decap, Shape shape) {
    std::vector<vp::Bytes> units;
    std::vector<vp::Bytes> frames; // encap: Ethernet + IPv4 from the LAN host
    if (decap) {
        if (!client_units(size_arg, units)) {
            state.SkipWithError("cannot build the units");
            return;
        }
    } else {
        for (size_t i = 0; i < kUnits; ++i) {
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
    vp::dp::ProtocolStage stage = vp::dp::ovpn::protocol_stage();
    std::string error;
    void* st = stage.create(worker, error);
    if (!st) {
        state.SkipWithError(error.c_str());
        return;
    }
    {
        vp::dp::OvpnPublisher publisher(dp);
        vp::dp::OvpnPeer peer;
        peer.id = kPeer;
        peer.local_ip_be = rte_cpu_to_be_32(wan_ip);
        peer.local_port_be = rte_cpu_to_be_16(server_port);
        peer.client_ip_be = rte_cpu_to_be_32(client_ip);
        peer.client_port_be = rte_cpu_to_be_16(client_port);
        peer.stream = true;
        peer.stream_conn = kConn;
        peer.tunnel_ip_be = rte_cpu_to_be_32(tunnel_ip);
        peer.replay_protection = false; // replayed packet-ids (see the header comment)
        peer.clamp_mss = false;
        if (!publisher.add_peer(peer).ok() ||
            !publisher
                 .add_key(kPeer, 0, vp::crypto::Cipher::Aes256Gcm, vp::crypto::Digest::None,
                          direction_key(0x42), direction_key(0x43))
                 .ok()) {
            state.SkipWithError("cannot install the session");
            stage.destroy(st);
            return;
        }
        publisher.set_tx_key(kPeer, 0);
        rte_ring* ring = decap ? nullptr : rte_ring_lookup("ETH_RXTX0_net_ring0");
        if (!decap && !ring) {
            state.SkipWithError("net_ring0's ring not found");
            stage.destroy(st);
            return;
        }
        std::vector<rte_mbuf*> pkts(kUnits);
        // One iteration's input, outside the timed region: the units as the engine cuts them
        // (decap) or the LAN frames on the ring (encap).
        auto fill = [&]() -> bool {
            if (decap) return cut_units(units, shape, pool, pkts);
            if (rte_pktmbuf_alloc_bulk(pool, pkts.data(), kUnits) != 0) return false;
            for (size_t i = 0; i < kUnits; ++i) {
                auto* d = rte_pktmbuf_append(pkts[i], static_cast<uint16_t>(frames[i].size()));
                std::memcpy(d, frames[i].data(), frames[i].size());
            }
            unsigned sent = rte_ring_enqueue_burst(ring, reinterpret_cast<void**>(pkts.data()),
                                                   kUnits, nullptr);
            for (size_t i = sent; i < kUnits; ++i)
                rte_pktmbuf_free(pkts[i]);
            return sent == kUnits;
        };
        bool consumed_all = true;
        auto run = [&] {
            if (decap) {
                for (size_t b = 0; b < kBursts; ++b) {
                    for (size_t i = 0; i < kBurst; ++i) {
                        vp::dp::StreamUnit u{kConn,
                                             client_ip,
                                             wan_ip,
                                             client_port,
                                             server_port,
                                             pkts[b * kBurst + i],
                                             0};
                        consumed_all = stage.stream_input(st, u) && consumed_all;
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
            return stats[decap ? vp::dp::WorkerCounter::ovpn_decrypted
                               : vp::dp::WorkerCounter::ovpn_encrypted]
                .get();
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
        auto expected = [&] { return stats.drop(vp::dp::DropReason::ovpn_stream_full).get(); };
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
        if (all_drops(stats) - expected() != drops0 || !consumed_all)
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

void register_ovpn_tcp_benchmarks() {
    for (Shape shape : {Shape::UnitPerSegment, Shape::MssSegments})
        for (bool decap : {true, false})
            for (uint32_t size : kSizesTcp) {
                if (!decap && shape == Shape::MssSegments) continue; // encap has no input shape
                std::string name =
                    std::string(shape == Shape::UnitPerSegment ? "ovpn_tcp" : "ovpn_tcp_mss") +
                    "/AES-256-GCM" + (decap ? "/decap/" : "/encap/") + vp::perf::size_name(size);
                benchmark::RegisterBenchmark(name.c_str(), bm_ovpn_tcp, size, decap, shape)
                    ->UseManualTime();
            }
}
