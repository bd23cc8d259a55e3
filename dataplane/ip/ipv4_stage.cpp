// IPv4 input: validate each packet of the burst, look all destinations up in one bulk LPM call,
// then dispatch by next hop: local delivery, forwarding, a session, or a counted drop. Datagrams
// to a protocol's UDP port go to the protocol's stage a burst at a time.
#include "dataplane/firewall/filter.hpp"
#include "dataplane/ip/icmp.hpp"
#include "dataplane/ip/ipv4_header.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>
#include <rte_udp.h>

#include <algorithm>

namespace vp::dp {

void Worker::ipv4_input(PortId port, rte_mbuf** pkts, uint16_t n) {
    uint64_t t0 = stage_clock();
    rte_mbuf* ok[max_burst];
    uint32_t dst[max_burst];
    uint16_t n_ok = 0;
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        auto* ip = rte_pktmbuf_mtod_offset(m, uint8_t*, sizeof(rte_ether_hdr));
        size_t available = rte_pktmbuf_data_len(m) - sizeof(rte_ether_hdr);
        bool nic_checked =
            (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
        if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
            drop(m, DropReason::ipv4_bad_checksum);
            continue;
        }
        Ipv4Facts facts;
        if (Ipv4Check c = check_ipv4(ip, available, !nic_checked, facts); c != Ipv4Check::Ok) {
            drop(m, drop_reason(c));
            continue;
        }
        // Ethernet pads short frames: keep exactly the IPv4 datagram.
        if (available > facts.total_len)
            rte_pktmbuf_trim(m, static_cast<uint16_t>(available - facts.total_len));
        auto* hdr = reinterpret_cast<rte_ipv4_hdr*>(ip);
        uint32_t d = rte_be_to_cpu_32(hdr->dst_addr);
        if ((d >> 28) == 0xe) {
            drop(m, DropReason::ipv4_multicast);
            continue;
        }
        if (d == 0xffffffff) {
            drop(m, DropReason::ipv4_broadcast);
            continue;
        }
        ok[n_ok] = m;
        dst[n_ok++] = d;
    }
    if (tracking_ && n_ok) {
        // Prerouting for the whole burst (one bulk lookup): nothing here creates connections.
        uint16_t lists[max_burst];
        std::fill_n(lists, n_ok, filter_->port_lists(port));
        bool dropped[max_burst];
        ct_prerouting_burst(ok, n_ok, static_cast<uint8_t>(port), lists, false, dropped);
        uint16_t kept = 0;
        for (uint16_t i = 0; i < n_ok; ++i) {
            if (dropped[i]) continue;
            auto* hdr = rte_pktmbuf_mtod_offset(ok[i], rte_ipv4_hdr*, sizeof(rte_ether_hdr));
            ok[kept] = ok[i];
            dst[kept++] = rte_be_to_cpu_32(hdr->dst_addr); // after dst-nat
        }
        n_ok = kept;
    }
    const NextHop* hops[max_burst];
    dp_.routes().lookup_bulk(dst, hops, n_ok);
    stage_done(Stage::ipv4_input, n, t0);

    uint16_t in_mtu = port_views_[port].mtu;
    uint32_t icmp_src_be = port_views_[port].address_be;
    // Datagrams to a protocol's UDP port (the OpenVPN data packets) go to its stage a run of
    // consecutive packets at a time, without the per-packet route_received/local_input/
    // protocol_udp_input calls; only when the input chain filters nothing (else the filter holds
    // each one, as route_received does). Everything else, in order, as before.
    bool local_burst = !(filter_ && filter_->active(fw::Chain::input));
    const ProtocolSlot* run_proto = nullptr;
    rte_mbuf* run[max_burst];
    uint16_t n_run = 0;
    auto flush_run = [&] {
        if (n_run) protocol_udp_burst(port, *run_proto, run, n_run);
        n_run = 0;
    };
    for (uint16_t i = 0; i < n_ok; ++i) {
        rte_mbuf* m = ok[i];
        if (local_burst && hops[i] && hops[i]->kind == NextHopKind::Local) {
            if (const ProtocolSlot* proto = local_udp_protocol(m)) {
                if (proto != run_proto) flush_run();
                run_proto = proto;
                run[n_run++] = m;
                continue;
            }
        }
        flush_run();
        route_received(m, hops[i], port, in_mtu, icmp_src_be);
    }
    flush_run();
}

const Worker::ProtocolSlot* Worker::local_udp_protocol(rte_mbuf* m) const {
    // local_input's checks of a datagram it hands to a protocol: not a fragment, UDP, room for
    // the UDP header (the IPv4 header itself was checked by check_ipv4).
    auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    if (ip->next_proto_id != IPPROTO_UDP ||
        (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
        return nullptr;
    size_t header_len = rte_ipv4_hdr_len(ip);
    size_t l4_len = rte_be_to_cpu_16(ip->total_length) - header_len;
    if (l4_len < sizeof(rte_udp_hdr)) return nullptr;
    const auto* udp =
        reinterpret_cast<const rte_udp_hdr*>(reinterpret_cast<const uint8_t*>(ip) + header_len);
    return udp_protocol(rte_be_to_cpu_16(udp->dst_port));
}

void Worker::route_received(rte_mbuf* m, const NextHop* nh, PortId port, uint16_t in_mtu,
                            uint32_t icmp_src_be, const Session* from, bool filtered) {
    if (!filtered && filter_ && nh && filter_defer(m, nh, port, in_mtu, icmp_src_be, from)) return;
    if (!nh) {
        send_icmp_error(m, icmp::dest_unreachable, icmp::net_unreachable, 0, icmp_src_be);
        drop(m, DropReason::no_route);
        return;
    }
    switch (nh->kind) {
    case NextHopKind::Local:
        local_input(port, m);
        break;
    case NextHopKind::Broadcast:
        drop(m, DropReason::ipv4_broadcast);
        break;
    case NextHopKind::Blackhole:
        drop(m, DropReason::blackhole);
        break;
    default:
        forward(m, *nh, in_mtu, icmp_src_be, false);
        break;
    }
}

} // namespace vp::dp
