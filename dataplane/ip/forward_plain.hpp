// The forwarding stage's common case inline, for the burst loops that deliver packets to a
// port's next hop (session input; the sealed packets of encap, originated): TTL above 1, within
// the port's MTU, no MSS clamp to do, the neighbour known and reachable — then TTL decrement
// (not for originated packets), Ethernet rewrite, TX, no call per packet. Anything else is left
// untouched for Worker::forward(), which handles every case in order.
#pragma once

#include "dataplane/ip/checksum.hpp"
#include "dataplane/l2/ethernet.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>

namespace vp::dp {

inline bool Worker::forward_plain(rte_mbuf* m, const NextHop& nh, bool originated) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    PortId out = nh.port;
    if ((!originated && ip->time_to_live <= 1) ||
        rte_be_to_cpu_16(ip->total_length) > port_views_[out].mtu ||
        (ip->next_proto_id == IPPROTO_TCP && policy_->mss_clamp))
        return false;
    uint32_t next_hop_be = nh.kind == NextHopKind::Gateway ? nh.gateway_be : ip->dst_addr;
    const NeighborEntry* neighbor = neighbor_lookup(out, next_hop_be);
    if (!neighbor || !neighbor->reachable) return false;
    uint16_t old_word = static_cast<uint16_t>(ip->time_to_live | ip->next_proto_id << 8);
    --ip->time_to_live;
    ip->hdr_checksum =
        checksum_update16(ip->hdr_checksum, old_word, static_cast<uint16_t>(old_word - 1));
    uint64_t used = neighbor->last_used_tsc.load(std::memory_order_relaxed);
    if (now_tsc_ - used > tsc_hz_) // refresh at most once a second: keep the line shared
        const_cast<NeighborEntry*>(neighbor)->last_used_tsc.store(now_tsc_,
                                                                  std::memory_order_relaxed);
    write_ipv4_ethernet_header(rte_pktmbuf_mtod(m, uint8_t*), neighbor->mac, port_views_[out].mac);
    tx(out, m);
    return true;
}

} // namespace vp::dp
