// ARP on the workers: answer requests for the appliance's own addresses on the port they belong
// to, and — on ports with proxy-arp — for the VPN clients' addresses the control plane
// registered. Replies are built in place. Anything that changes state (replies to our requests,
// gratuitous ARP, requests from senders we have not learned yet) goes to the control plane,
// which owns the neighbour table.
#include "dataplane/l2/ethernet.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_arp.h>
#include <rte_ether.h>

#include <cstring>

namespace vp::dp {

namespace {

bool valid_ipv4_over_ethernet(const rte_arp_hdr& arp) {
    return arp.arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
           arp.arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
           arp.arp_hlen == RTE_ETHER_ADDR_LEN && arp.arp_plen == sizeof(uint32_t);
}

} // namespace

void Worker::arp_input(PortId port, rte_mbuf** pkts, uint16_t n) {
    uint64_t t0 = stage_clock();
    const PortView& view = port_views_[port];
    for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = pkts[i];
        if (rte_pktmbuf_data_len(m) < sizeof(rte_ether_hdr) + sizeof(rte_arp_hdr)) {
            drop(m, DropReason::arp_invalid);
            continue;
        }
        auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
        auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
        if (!valid_ipv4_over_ethernet(*arp)) {
            drop(m, DropReason::arp_invalid);
            continue;
        }
        uint32_t sip = arp->arp_data.arp_sip; // network order
        uint32_t tip = arp->arp_data.arp_tip;
        const NextHop* target = dp_.routes().lookup(rte_be_to_cpu_32(tip));
        bool owned = target && target->kind == NextHopKind::Local && target->port == port;
        if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) || sip == tip) {
            // A reply to one of our requests, or a gratuitous announcement: the control plane
            // learns from it (and releases packets waiting for this neighbour).
            if (owned || dp_.neighbors().lookup(port, sip) != nullptr)
                punt(m, PuntReason::ArpInput, port, {.arp_input = {sip}});
            else
                drop(m, DropReason::arp_ignored);
            continue;
        }
        if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST)) {
            drop(m, DropReason::arp_invalid);
            continue;
        }
        bool proxied = !owned && policy_->proxy_arp(port) && dp_.proxy_arp().contains({tip});
        if (!owned && !proxied) {
            drop(m, DropReason::arp_not_for_us);
            continue;
        }
        // Learning the sender is the control plane's job; unless it is already known with this
        // MAC, let the control plane answer (and learn) so the table stays single-writer.
        if (sip != 0) {
            const NeighborEntry* known = dp_.neighbors().lookup(port, sip);
            if (!known || !known->reachable ||
                std::memcmp(known->mac, &arp->arp_data.arp_sha, RTE_ETHER_ADDR_LEN) != 0) {
                punt(m, PuntReason::ArpInput, port, {.arp_input = {sip}});
                continue;
            }
        }
        make_arp_reply(eth, view.mac);
        count(owned ? WorkerCounter::arp_replies : WorkerCounter::proxy_arp_replies);
        tx(port, m);
    }
    stage_done(Stage::arp, n, t0);
}

} // namespace vp::dp
