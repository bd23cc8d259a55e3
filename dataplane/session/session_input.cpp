// Inner packets that came out of a session (decrypted by the protocol's stage): IPv4 checks,
// anti-spoofing — the source must route back into the same session (strict reverse-path check
// against the routing table, so site-to-site routes need no separate list) — then the session's
// rate limit (session_meter.hpp), then the route lookup and forwarding, as for a packet received
// on a port. Also the entry for inner packets
// the control plane injects (SSTP's first stage, where it still opens the TLS records).
#include "dataplane/firewall/filter.hpp"
#include "dataplane/ip/forward_plain.hpp"
#include "dataplane/ip/icmp.hpp"
#include "dataplane/ip/ipv4_header.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>

namespace vp::dp {

void Worker::session_input(Session& s, rte_mbuf* m) {
    uint64_t t0 = stage_clock();
    auto* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, sizeof(rte_ether_hdr));
    size_t available = rte_pktmbuf_data_len(m) - sizeof(rte_ether_hdr);
    Ipv4Facts facts;
    Ipv4Check check = check_ipv4(ip, available, true, facts);
    bool ok = check == Ipv4Check::Ok;
    DropReason reason = drop_reason(check);
    const NextHop* nh = nullptr;
    if (ok) {
        if (available > facts.total_len)
            rte_pktmbuf_trim(m, static_cast<uint16_t>(available - facts.total_len));
        auto* hdr = reinterpret_cast<rte_ipv4_hdr*>(ip);
        const NextHop* back = dp_.routes().lookup(rte_be_to_cpu_32(hdr->src_addr));
        if (!back || back->kind != NextHopKind::Session || back->session != s.id) {
            ok = false;
            reason = DropReason::anti_spoof;
        } else {
            uint32_t dst = rte_be_to_cpu_32(hdr->dst_addr);
            if ((dst >> 28) == 0xe) {
                ok = false;
                reason = DropReason::ipv4_multicast;
            } else if (dst == 0xffffffff) {
                ok = false;
                reason = DropReason::ipv4_broadcast;
            } else if (tracking_ &&
                       !ct_prerouting(m, fw::session_interface,
                                      static_cast<uint16_t>(1u << static_cast<unsigned>(s.kind)))) {
                return; // dropped
            } else {
                nh = dp_.routes().lookup(rte_be_to_cpu_32(hdr->dst_addr)); // after dst-nat
            }
        }
    }
    stage_done(Stage::session_input, 1, t0);
    if (!ok) {
        s.counters.rx_dropped.inc();
        drop(m, reason);
        return;
    }
    if (s.meter && !s.meter->rx.admit(now_tsc_, facts.total_len)) {
        s.meter->rx_dropped.inc();
        drop(m, DropReason::session_rate_limited);
        return;
    }
    route_received(m, nh, s.wan_port, s.mtu, s.tunnel_local_ip_be, &s);
}

void Worker::session_input_burst(Session* const* sessions, rte_mbuf* const* pkts, uint16_t n) {
    // The same checks and order as session_input(), a burst at a time: every header checked,
    // then both lookups of the whole burst (sources for anti-spoofing, destinations) in one bulk
    // LPM call, then connection tracking's prerouting of the survivors (one bulk hash lookup),
    // then delivery in the burst's order. A packet of a flow the table does not know yet (and
    // every packet after it) takes session_input() instead: one packet's postrouting may create
    // the connection the next one belongs to.
    uint64_t t0 = stage_clock();
    uint32_t addr[2 * max_burst] = {}; // [0, n): destinations, [n, 2n): sources (host order)
    DropReason reason[max_burst];      // why packet i is dropped, when failed[i]
    uint16_t total_len[max_burst];
    bool failed[max_burst];
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        auto* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, sizeof(rte_ether_hdr));
        size_t available = rte_pktmbuf_data_len(m) - sizeof(rte_ether_hdr);
        Ipv4Facts facts;
        Ipv4Check check = check_ipv4(ip, available, true, facts);
        failed[i] = check != Ipv4Check::Ok;
        if (failed[i]) {
            reason[i] = drop_reason(check);
            addr[i] = addr[n + i] = 0;
            continue;
        }
        if (available > facts.total_len)
            rte_pktmbuf_trim(m, static_cast<uint16_t>(available - facts.total_len));
        total_len[i] = facts.total_len;
        auto* hdr = reinterpret_cast<const rte_ipv4_hdr*>(ip);
        addr[i] = rte_be_to_cpu_32(hdr->dst_addr);
        addr[n + i] = rte_be_to_cpu_32(hdr->src_addr);
    }
    const NextHop* hops[2 * max_burst];
    dp_.routes().lookup_bulk(addr, hops, 2u * n);
    for (uint16_t i = 0; i < n; ++i) {
        if (failed[i]) continue;
        const NextHop* back = hops[n + i];
        uint32_t dst = addr[i];
        if (!back || back->kind != NextHopKind::Session || back->session != sessions[i]->id) {
            failed[i] = true;
            reason[i] = DropReason::anti_spoof;
        } else if ((dst >> 28) == 0xe) {
            failed[i] = true;
            reason[i] = DropReason::ipv4_multicast;
        } else if (dst == 0xffffffff) {
            failed[i] = true;
            reason[i] = DropReason::ipv4_broadcast;
        }
    }
    uint16_t end = n;          // [end, n): per packet through session_input()
    bool gone[max_burst] = {}; // dropped by prerouting
    if (tracking_) {
        rte_mbuf* ct_pkts[max_burst];
        uint16_t ct_of[max_burst]; // the burst index of ct_pkts[j]
        uint16_t lists[max_burst];
        uint16_t n_ct = 0;
        for (uint16_t i = 0; i < n; ++i) {
            if (failed[i]) continue;
            ct_pkts[n_ct] = pkts[i];
            lists[n_ct] = static_cast<uint16_t>(1u << static_cast<unsigned>(sessions[i]->kind));
            ct_of[n_ct++] = i;
        }
        bool dropped[max_burst];
        uint16_t done =
            ct_prerouting_burst(ct_pkts, n_ct, fw::session_interface, lists, true, dropped);
        if (done < n_ct) end = ct_of[done];
        for (uint16_t j = 0; j < done; ++j) {
            uint16_t i = ct_of[j];
            gone[i] = dropped[j];
            auto* hdr = rte_pktmbuf_mtod_offset(pkts[i], rte_ipv4_hdr*, sizeof(rte_ether_hdr));
            uint32_t dst = rte_be_to_cpu_32(hdr->dst_addr);
            if (!gone[i] && dst != addr[i]) hops[i] = dp_.routes().lookup(dst); // dst-nat
        }
    }
    stage_done(Stage::session_input, end, t0);
    // Packets to a port's next hop skip route_received()/forward() when neither the filter's
    // forward chains nor tracking look at them (forward_plain: the common case inline).
    const bool plain = !tracking_ && !(filter_ && (filter_->active(fw::Chain::forward) ||
                                                   filter_->active(fw::Chain::mangle_forward)));
    uint64_t t_fwd = stage_clock();
    uint32_t n_plain = 0;
    for (uint16_t i = 0; i < end; ++i) {
        Session& s = *sessions[i];
        rte_mbuf* m = pkts[i];
        if (failed[i]) {
            s.counters.rx_dropped.inc();
            drop(m, reason[i]);
            continue;
        }
        if (gone[i]) continue;
        if (s.meter && !s.meter->rx.admit(now_tsc_, total_len[i])) {
            s.meter->rx_dropped.inc();
            drop(m, DropReason::session_rate_limited);
            continue;
        }
        const NextHop* nh = hops[i];
        if (plain && nh &&
            (nh->kind == NextHopKind::Connected || nh->kind == NextHopKind::Gateway) &&
            forward_plain(m, *nh, false)) {
            ++n_plain;
            continue;
        }
        route_received(m, nh, s.wan_port, s.mtu, s.tunnel_local_ip_be, &s);
    }
    if (n_plain) {
        count(WorkerCounter::forwarded, n_plain);
        stage_done(Stage::forward, n_plain, t_fwd);
    }
    for (uint16_t i = end; i < n; ++i)
        session_input(*sessions[i], pkts[i]);
}

void Worker::session_injected(SessionId id, rte_mbuf* m) {
    // Only the owner writes the session's counters; the control plane injects on its ring.
    Session* s = dp_.sessions().get(id);
    if (!s || s->owner != id_) {
        drop(m, DropReason::session_gone);
        return;
    }
    s->counters.rx_packets.inc();
    s->counters.rx_bytes.add(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr));
    s->last_rx_tsc.store(now_tsc(), std::memory_order_relaxed);
    session_input(*s, m);
}

} // namespace vp::dp
