// Forwarding: TTL, MSS clamping, MTU (ICMP frag-needed or fragmentation), the next hop's
// neighbour, the Ethernet rewrite, TX. Packets into a VPN session go to the session's owner
// worker instead. A next hop whose neighbour is unknown sends the packet to the control plane,
// which holds it while ARP resolves.
#include "dataplane/ip/checksum.hpp"
#include "dataplane/ip/forward_plain.hpp"
#include "dataplane/ip/icmp.hpp"
#include "dataplane/ip/mss_clamp.hpp"
#include "dataplane/l2/ethernet.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>

#include <algorithm>

namespace vp::dp {

namespace {

constexpr uint16_t ipv4_tcp_headers = 40; // MSS = MTU - IPv4 header - TCP header

void clamp_tcp_mss(rte_ipv4_hdr* ip, uint16_t mtu, WorkerStats& stats) {
    size_t header_len = rte_ipv4_hdr_len(ip);
    size_t l4_len = rte_be_to_cpu_16(ip->total_length) - header_len;
    auto* tcp = reinterpret_cast<uint8_t*>(ip) + header_len;
    if (clamp_mss(tcp, l4_len, static_cast<uint16_t>(mtu - ipv4_tcp_headers)) ==
        MssClampResult::Clamped)
        stats[WorkerCounter::mss_clamped].inc();
}

} // namespace

void Worker::forward(rte_mbuf* m, const NextHop& nh, uint16_t in_mtu, uint32_t icmp_src_be,
                     bool originated) {
    uint64_t t0 = stage_clock();
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    auto stage_done = [&] { WorkerContext::stage_done(Stage::forward, 1, t0); };
    // The order of the checks is Linux's (ip_forward): TTL, then MTU, then the TTL decrement, so
    // that ICMP errors quote the datagram as it was received.
    if (!originated && ip->time_to_live <= 1) {
        send_icmp_error(m, icmp::time_exceeded, 0, 0, icmp_src_be);
        drop(m, DropReason::ipv4_ttl_expired);
        return stage_done();
    }
    Session* session = nullptr;
    uint16_t out_mtu;
    if (nh.kind == NextHopKind::Session) {
        session = dp_.sessions().get(nh.session);
        if (!session) {
            drop(m, DropReason::session_gone);
            return stage_done();
        }
        out_mtu = session->mtu;
    } else {
        out_mtu = port_views_[nh.port].mtu;
    }
    bool too_big = rte_be_to_cpu_16(ip->total_length) > out_mtu;
    if (too_big && (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
        if (!originated)
            send_icmp_error(m, icmp::dest_unreachable, icmp::fragmentation_needed, out_mtu,
                            icmp_src_be);
        drop(m, DropReason::mtu_exceeded);
        return stage_done();
    }
    if (!originated) {
        // TTL is the high byte of the TTL/protocol word.
        uint16_t old_word = static_cast<uint16_t>(ip->time_to_live | ip->next_proto_id << 8);
        --ip->time_to_live;
        uint16_t new_word = static_cast<uint16_t>(ip->time_to_live | ip->next_proto_id << 8);
        ip->hdr_checksum = checksum_update16(ip->hdr_checksum, old_word, new_word);
        count(WorkerCounter::forwarded);
        if (tracking_ && !ct_postrouting(m, nh, session)) return stage_done();
    }
    bool first_fragment = (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) == 0;
    bool clamp = policy_->mss_clamp && ip->next_proto_id == IPPROTO_TCP && first_fragment &&
                 (!session || session->clamp_mss);
    if (clamp) clamp_tcp_mss(ip, std::min(in_mtu, out_mtu), stats_);

    if (session) {
        stage_done();
        if (too_big)
            fragment_into_session(*session, m);
        else
            to_session(*session, m);
        return;
    }

    PortId out = nh.port;
    uint32_t next_hop_be = nh.kind == NextHopKind::Gateway ? nh.gateway_be : ip->dst_addr;
    const NeighborEntry* neighbor = neighbor_lookup(out, next_hop_be);
    if (!neighbor) {
        punt(m, PuntReason::NeighborMiss, out, {.neighbor_miss = {next_hop_be}});
        return stage_done();
    }
    if (!neighbor->reachable) {
        if (!originated)
            send_icmp_error(m, icmp::dest_unreachable, icmp::host_unreachable, 0, icmp_src_be);
        drop(m, DropReason::neighbor_failed);
        return stage_done();
    }
    uint64_t used = neighbor->last_used_tsc.load(std::memory_order_relaxed);
    if (now_tsc_ - used > tsc_hz_) // refresh at most once a second: keep the line shared
        const_cast<NeighborEntry*>(neighbor)->last_used_tsc.store(now_tsc_,
                                                                  std::memory_order_relaxed);
    if (too_big) {
        fragment_and_send(m, out, neighbor->mac, out_mtu);
        return stage_done();
    }
    write_ipv4_ethernet_header(rte_pktmbuf_mtod(m, uint8_t*), neighbor->mac, port_views_[out].mac);
    tx(out, m);
    stage_done();
}

void Worker::route_originated(rte_mbuf* m) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    route_originated_to(m, dp_.routes().lookup(rte_be_to_cpu_32(ip->dst_addr)));
}

void Worker::route_originated_burst(rte_mbuf* const* pkts, uint16_t n) {
    uint32_t dst[max_burst] = {};
    const NextHop* hops[max_burst];
    for (uint16_t i = 0; i < n; ++i)
        dst[i] = rte_be_to_cpu_32(
            rte_pktmbuf_mtod_offset(pkts[i], rte_ipv4_hdr*, sizeof(rte_ether_hdr))->dst_addr);
    dp_.routes().lookup_bulk(dst, hops, n);
    uint64_t t0 = stage_clock();
    uint32_t n_plain = 0;
    for (uint16_t i = 0; i < n; ++i) {
        const NextHop* nh = hops[i];
        if (nh && (nh->kind == NextHopKind::Connected || nh->kind == NextHopKind::Gateway) &&
            forward_plain(pkts[i], *nh, true)) {
            ++n_plain;
            continue;
        }
        route_originated_to(pkts[i], nh);
    }
    if (n_plain) WorkerContext::stage_done(Stage::forward, n_plain, t0);
}

void Worker::route_originated_to(rte_mbuf* m, const NextHop* nh) {
    if (!nh) {
        drop(m, DropReason::no_route);
        return;
    }
    switch (nh->kind) {
    case NextHopKind::Connected:
    case NextHopKind::Gateway:
    case NextHopKind::Session:
        forward(m, *nh, UINT16_MAX, 0, true);
        break;
    case NextHopKind::Broadcast:
        drop(m, DropReason::ipv4_broadcast);
        break;
    default:
        drop(m, DropReason::blackhole);
        break;
    }
}

} // namespace vp::dp
