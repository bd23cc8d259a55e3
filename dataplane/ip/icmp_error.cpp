// ICMP errors (time exceeded, unreachable, fragmentation needed) built in a fresh mbuf, quoting
// the offending datagram, rate-limited per worker with a token bucket, and routed like any
// packet the appliance originates.
#include "dataplane/ip/icmp.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_icmp.h>
#include <rte_ip.h>

#include <algorithm>
#include <cstring>

namespace vp::dp {

void Worker::send_icmp_error(rte_mbuf* original, uint8_t type, uint8_t code, uint16_t mtu,
                             uint32_t src_be) {
    auto* orig_ip = rte_pktmbuf_mtod_offset(original, const rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    size_t orig_len = rte_be_to_cpu_16(orig_ip->total_length);
    size_t orig_header = rte_ipv4_hdr_len(orig_ip);
    if (src_be == 0) return;
    // Never about non-first fragments or about ICMP errors (RFC 1812 §4.3.2.7).
    if (orig_ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) return;
    if (orig_ip->next_proto_id == IPPROTO_ICMP && orig_len >= orig_header + 1) {
        uint8_t orig_type = reinterpret_cast<const uint8_t*>(orig_ip)[orig_header];
        if (icmp::is_error_type(orig_type)) return;
    }
    if (!icmp_token()) {
        stats_.drop(DropReason::icmp_rate_limited).inc();
        return;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(dp_.pool());
    if (!m) {
        stats_.drop(DropReason::mbuf_exhausted).inc();
        return;
    }
    size_t quoted =
        std::min(orig_len, icmp::max_error_datagram - sizeof(rte_ipv4_hdr) - sizeof(rte_icmp_hdr));
    size_t total = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_icmp_hdr) + quoted;
    auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
    if (!data) {
        drop(m, DropReason::mbuf_exhausted);
        return;
    }
    std::memset(data, 0, sizeof(rte_ether_hdr));
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(data + sizeof(rte_ether_hdr));
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0xc0; // internetwork control
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(total - sizeof(rte_ether_hdr)));
    ip->packet_id = 0;
    ip->fragment_offset = 0;
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_ICMP;
    ip->src_addr = src_be;
    ip->dst_addr = orig_ip->src_addr;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    auto* icmp_hdr = reinterpret_cast<rte_icmp_hdr*>(ip + 1);
    icmp_hdr->icmp_type = type;
    icmp_hdr->icmp_code = code;
    icmp_hdr->icmp_cksum = 0;
    icmp_hdr->icmp_ident = 0;
    icmp_hdr->icmp_seq_nb = rte_cpu_to_be_16(mtu); // next-hop MTU for frag-needed (RFC 1191)
    std::memcpy(icmp_hdr + 1, orig_ip, quoted);
    icmp_hdr->icmp_cksum =
        static_cast<uint16_t>(~rte_raw_cksum(icmp_hdr, sizeof(rte_icmp_hdr) + quoted));
    count(WorkerCounter::icmp_errors_sent);
    route_originated(m);
}

} // namespace vp::dp
