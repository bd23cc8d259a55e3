// Fragmentation of forwarded packets larger than the egress MTU without DF (RFC 791), with
// DPDK's librte_ip_frag: fragments share the original payload through indirect mbufs. The egress
// is a port (fragments get the next hop's Ethernet header and leave) or a VPN session (each
// fragment is encapsulated on its own, as a router in front of a tunnel interface would).
#include "dataplane/l2/ethernet.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>
#include <rte_ip_frag.h>

namespace vp::dp {

uint16_t Worker::fragment(rte_mbuf* m, uint16_t mtu, std::span<rte_mbuf*> out) {
    rte_pktmbuf_adj(m, sizeof(rte_ether_hdr));
    int n = rte_ipv4_fragment_packet(m, out.data(), static_cast<uint16_t>(out.size()), mtu,
                                     dp_.pool(), dp_.pool());
    rte_pktmbuf_free(m); // the fragments hold their own references to the payload
    if (n < 0) {
        stats_.drop(DropReason::fragment_failed).inc();
        return 0;
    }
    uint16_t kept = 0;
    for (int i = 0; i < n; ++i) {
        rte_mbuf* f = out[static_cast<size_t>(i)];
        auto* ip = rte_pktmbuf_mtod(f, rte_ipv4_hdr*);
        ip->hdr_checksum = 0;
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        if (!rte_pktmbuf_prepend(f, sizeof(rte_ether_hdr))) {
            drop(f, DropReason::fragment_failed);
            continue;
        }
        out[kept++] = f;
    }
    count(WorkerCounter::fragments_sent, kept);
    return kept;
}

void Worker::fragment_and_send(rte_mbuf* m, PortId out, const uint8_t* dst_mac, uint16_t mtu) {
    rte_mbuf* fragments[max_fragments];
    uint16_t n = fragment(m, mtu, fragments);
    for (uint16_t i = 0; i < n; ++i) {
        write_ipv4_ethernet_header(rte_pktmbuf_mtod(fragments[i], uint8_t*), dst_mac,
                                   port_views_[out].mac);
        tx(out, fragments[i]);
    }
}

void Worker::fragment_into_session(Session& session, rte_mbuf* m) {
    rte_mbuf* fragments[max_fragments];
    uint16_t n = fragment(m, session.mtu, fragments);
    for (uint16_t i = 0; i < n; ++i)
        to_session(session, fragments[i]);
}

} // namespace vp::dp
