// vpnperf's per-lcore transmit and receive loops (see traffic_engine.hpp).
#include "perf/vpnperf/traffic_engine.hpp"

#include "perf/vpnperf/arp.hpp"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>

#include <algorithm>
#include <cstring>

namespace vp::perf {

namespace {

constexpr uint32_t kScratchBytes = 2048;

// Builds up to `n` latency probes into out[]; returns how many were built.
uint32_t build_probes(TxJob& job, const EngineShared& shared, crypto::CryptoEngine& engine,
                      uint32_t n, rte_mbuf** out, uint16_t* inner) {
    rte_mbuf* ms[kBurst];
    if (rte_pktmbuf_alloc_bulk(job.probe_pool, ms, n) != 0) {
        job.counters.build_failed.add(n);
        return 0;
    }
    const TrafficModel& model = *shared.model;
    const L2Addresses l2{job.port->mac, job.port->peer_mac};
    ProbeStamp stamps[kBurst];
    FrameSpec specs[kBurst];
    uint8_t* frames[kBurst];
    uint32_t lengths[kBurst];
    const uint64_t tsc = rte_rdtsc();
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t seq = job.probe_seq++;
        const auto session = static_cast<uint32_t>(seq % model.sessions());
        stamps[i] = {tsc, seq, session};
        // Probe packet-ids stay clear of the templates' (1..K).
        specs[i] = {session, 0x80000000u | (seq & 0x7fffffffu), job.probe_bytes, &stamps[i]};
        frames[i] = rte_pktmbuf_mtod(ms[i], uint8_t*);
    }
    if (job.direction == TrafficDirection::Decap) {
        build_decap_frames(model, l2, std::span(specs, n), std::span(frames, n),
                           std::span(lengths, n), engine);
    } else {
        for (uint32_t i = 0; i < n; ++i)
            lengths[i] = build_encap_frame(model, l2, specs[i], frames[i]);
    }
    uint32_t built = 0;
    for (uint32_t i = 0; i < n; ++i) {
        if (lengths[i] == 0) {
            rte_pktmbuf_free(ms[i]);
            job.counters.build_failed.inc();
            continue;
        }
        ms[i]->data_len = static_cast<uint16_t>(lengths[i]);
        ms[i]->pkt_len = lengths[i];
        out[built] = ms[i];
        inner[built] = static_cast<uint16_t>(job.probe_bytes);
        ++built;
    }
    return built;
}

void record_probe(RxJob& job, const EngineShared& shared, const UdpFrame& inner, uint64_t now) {
    ProbeStamp stamp;
    if (inner.ip_bytes != job.probe_bytes || !read_probe(inner.payload, inner.payload_bytes, stamp))
        return;
    if (now < stamp.tsc) return; // another process's TSC (never on one machine)
    job.latency.record(
        static_cast<uint64_t>(static_cast<double>(now - stamp.tsc) * shared.ns_per_tsc));
    job.counters.probes.inc();
}

} // namespace

bool PortContext::owns(net::Ipv4 address) const {
    return std::binary_search(own_addresses.begin(), own_addresses.end(), address);
}

bool answer_arp(PortContext& port, rte_mbuf* m) {
    uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
    ArpPacket arp;
    if (!parse_arp(frame, rte_pktmbuf_data_len(m), arp)) return false;
    if (arp.op != kArpRequest || !port.owns(arp.target_ip)) return false;
    if (m->nb_segs != 1 || rte_pktmbuf_data_room_size(m->pool) < m->data_off + kArpFrameBytes)
        return false;
    const uint32_t len = write_arp_reply(frame, arp, port.mac);
    m->data_len = static_cast<uint16_t>(len);
    m->pkt_len = len;
    if (rte_ring_sp_enqueue(port.replies, m) != 0) return false;
    port.arp_replies.inc();
    return true;
}

void tx_poll(TxJob& job, const EngineShared& shared, crypto::CryptoEngine& engine, uint64_t now) {
    uint32_t n = kBurst;
    if (job.packet_limit != 0) {
        if (job.attempted >= job.packet_limit) return;
        n = static_cast<uint32_t>(std::min<uint64_t>(n, job.packet_limit - job.attempted));
    }
    if (job.rate_pps != 0) {
        const auto due = static_cast<uint64_t>(static_cast<unsigned __int128>(now - job.start_tsc) *
                                               job.rate_pps / shared.tsc_hz);
        if (due <= job.attempted) return;
        n = static_cast<uint32_t>(std::min<uint64_t>(n, due - job.attempted));
    }
    rte_mbuf* burst[kBurst];
    uint16_t inner[kBurst];
    uint32_t count = 0, probes = 0;
    for (uint32_t i = 0; i < n; ++i) {
        if (job.probe_every != 0 && ++job.sequence % job.probe_every == 0) {
            ++probes;
            continue;
        }
        rte_mbuf* m = job.templates[job.cursor];
        inner[count] = job.template_inner[job.cursor];
        if (++job.cursor == job.templates.size()) job.cursor = 0;
        rte_mbuf_refcnt_update(m, 1);
        burst[count++] = m;
    }
    const uint32_t clones = count;
    if (probes != 0)
        count += build_probes(job, shared, engine, probes, burst + count, inner + count);
    job.attempted += n;
    if (job.packet_limit != 0 && job.attempted >= job.packet_limit)
        job.finished.store(true, std::memory_order_release);
    if (count == 0) return;
    const uint16_t sent =
        rte_eth_tx_burst(job.port->port_id, 0, burst, static_cast<uint16_t>(count));
    uint64_t frame_bytes = 0, inner_bytes = 0;
    for (uint16_t i = 0; i < sent; ++i) {
        frame_bytes += rte_pktmbuf_pkt_len(burst[i]);
        inner_bytes += inner[i];
    }
    if (sent < count) {
        // A template clone only drops its reference; a probe goes back to its pool.
        rte_pktmbuf_free_bulk(burst + sent, count - sent);
        job.counters.rejected.add(count - sent);
    }
    job.counters.packets.add(sent);
    job.counters.frame_bytes.add(frame_bytes);
    job.counters.inner_bytes.add(inner_bytes);
    if (sent > clones) job.counters.probes.add(sent - clones);
}

void rx_poll(RxJob& job, const EngineShared& shared, crypto::CryptoEngine& engine) {
    rte_mbuf* pkts[kBurst];
    const uint16_t n = rte_eth_rx_burst(job.port->port_id, 0, pkts, kBurst);
    if (n == 0) return;
    const uint64_t now = rte_rdtsc();
    const TrafficModel& model = *shared.model;
    const UdpEndpoint server = model.file().server;
    const bool sealed = job.kind == RxKind::DecapSealed || job.kind == RxKind::EncapSealed;

    rte_mbuf* done[kBurst];
    uint32_t ndone = 0;
    crypto::DataOp ops[kBurst];
    uint32_t op_session[kBurst];
    uint32_t nops = 0;
    uint64_t packets = 0, frame_bytes = 0, inner_bytes = 0, unmatched = 0, other = 0;

    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
        const uint32_t len = rte_pktmbuf_data_len(m);
        if (m->nb_segs == 1 && ether_type(frame, len) == kEtherTypeArp && answer_arp(*job.port, m))
            continue;
        done[ndone++] = m;
        UdpFrame u;
        if (!job.counting || m->nb_segs != 1 || !parse_udp_frame(frame, len, u)) {
            ++other;
            continue;
        }
        int s = -1;
        uint32_t inner = u.ip_bytes;
        switch (job.kind) {
        case RxKind::DecapPlain:
            if (u.flow.dst == model.lan_host()) s = model.by_tunnel(u.flow.src);
            break;
        case RxKind::EncapPlain:
            if (u.flow.src == model.lan_host()) s = model.by_tunnel(u.flow.dst);
            break;
        case RxKind::EncapSealed:
            if (u.flow.src == server.address && u.flow.src_port == server.port)
                s = model.by_client(u.flow.dst, u.flow.dst_port);
            break;
        case RxKind::DecapSealed:
            if (u.flow.dst == server.address && u.flow.dst_port == server.port)
                s = model.by_client(u.flow.src, u.flow.src_port);
            break;
        }
        if (s >= 0 && sealed) {
            uint8_t key_id = 0;
            uint32_t peer_id = 0;
            const PerfSession& ps = model.session(static_cast<size_t>(s));
            inner = job.sizes.inner_bytes(u.payload_bytes);
            // Lengths vpnperf never sends (keepalive pings among them) are not traffic.
            if (!read_data_v2_header(u.payload, u.payload_bytes, key_id, peer_id) ||
                peer_id != ps.peer_id || key_id != ps.key_id || inner == 0)
                s = -1;
        }
        if (s < 0) {
            ++unmatched;
            continue;
        }
        ++packets;
        frame_bytes += len;
        inner_bytes += inner;
        if (!sealed) {
            record_probe(job, shared, u, now);
            continue;
        }
        const bool probe = u.payload_bytes == job.probe_packet_bytes;
        if ((probe || ++job.seen % job.verify_every == 0) && u.payload_bytes <= kScratchBytes) {
            uint8_t* copy = job.scratch.data() + nops * kScratchBytes;
            std::memcpy(copy, u.payload, u.payload_bytes);
            const auto si = static_cast<size_t>(s);
            const crypto::DataKey& key =
                job.kind == RxKind::EncapSealed ? model.s2c(si) : model.c2s(si);
            if (prepare_open(copy, u.payload_bytes, key, ops[nops])) op_session[nops++] = s;
        }
    }
    if (nops != 0) {
        engine.process(std::span(ops, nops));
        for (uint32_t i = 0; i < nops; ++i) {
            uint8_t* ip = nullptr;
            uint32_t ip_bytes = 0;
            UdpFrame in;
            const Ipv4Flow want = job.kind == RxKind::EncapSealed
                                      ? model.encap_inner(op_session[i])
                                      : model.decap_inner(op_session[i]);
            if (opened_inner(ops[i], ip, ip_bytes) && parse_udp_packet(ip, ip_bytes, in) &&
                in.flow.src == want.src && in.flow.dst == want.dst) {
                job.counters.verified.inc();
                record_probe(job, shared, in, now);
            } else {
                job.counters.verify_failed.inc();
            }
        }
    }
    rte_pktmbuf_free_bulk(done, ndone);
    job.counters.packets.add(packets);
    job.counters.frame_bytes.add(frame_bytes);
    job.counters.inner_bytes.add(inner_bytes);
    job.counters.unmatched.add(unmatched);
    if (other != 0) job.port->other.add(other);
}

void drain_replies(PortContext& port) {
    rte_mbuf* ms[kBurst];
    const unsigned n =
        rte_ring_sc_dequeue_burst(port.replies, reinterpret_cast<void**>(ms), kBurst, nullptr);
    if (n == 0) return;
    const uint16_t sent = rte_eth_tx_burst(port.port_id, 0, ms, static_cast<uint16_t>(n));
    if (sent < n) rte_pktmbuf_free_bulk(ms + sent, n - sent);
}

void lcore_iteration(LcoreWork& work, const EngineShared& shared, int phase) {
    if (phase == kRunning) {
        const uint64_t now = rte_rdtsc();
        for (TxJob* tx : work.tx)
            tx_poll(*tx, shared, *work.engine, now);
    }
    for (RxJob* rx : work.rx)
        rx_poll(*rx, shared, *work.engine);
    for (PortContext* p : work.drains)
        drain_replies(*p);
}

int lcore_main(void* arg) {
    auto* a = static_cast<LcoreArgs*>(arg);
    while (a->control->phase.load(std::memory_order_acquire) == kWaiting)
        rte_pause();
    for (TxJob* tx : a->work->tx)
        tx->start_tsc = a->control->start_tsc;
    while (true) {
        const int phase = a->control->phase.load(std::memory_order_acquire);
        if (phase == kStopped) break;
        lcore_iteration(*a->work, *a->shared, phase);
    }
    return 0;
}

} // namespace vp::perf
