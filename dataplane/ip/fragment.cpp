// Fragmentation of forwarded packets larger than the egress MTU without DF (RFC 791), with
// DPDK's librte_ip_frag: fragments share the original payload through indirect mbufs.
#include "dataplane/l2/ethernet.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>
#include <rte_ip_frag.h>

namespace vp::dp {

void Worker::fragment_and_send(rte_mbuf* m, PortId out, const uint8_t* dst_mac, uint16_t mtu) {
    constexpr int max_fragments = 48; // a 64 KiB datagram at MTU 1400
    rte_mbuf* fragments[max_fragments];
    rte_pktmbuf_adj(m, sizeof(rte_ether_hdr));
    int n = rte_ipv4_fragment_packet(m, fragments, max_fragments, mtu, dp_.pool(), dp_.pool());
    rte_pktmbuf_free(m); // the fragments hold their own references to the payload
    if (n < 0) {
        stats_.drop(DropReason::fragment_failed).inc();
        return;
    }
    for (int i = 0; i < n; ++i) {
        rte_mbuf* f = fragments[i];
        auto* ip = rte_pktmbuf_mtod(f, rte_ipv4_hdr*);
        ip->hdr_checksum = 0;
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        auto* eth = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(f, sizeof(rte_ether_hdr)));
        if (!eth) {
            drop(f, DropReason::fragment_failed);
            continue;
        }
        write_ipv4_ethernet_header(eth, dst_mac, port_views_[out].mac);
        tx(out, f);
    }
    count(WorkerCounter::fragments_sent, static_cast<uint64_t>(n));
}

} // namespace vp::dp
