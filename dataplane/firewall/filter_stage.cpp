// The firewall's filter in the worker: routed packets are held per burst, their tuples classified
// with one rte_acl_classify call per chain (input for the appliance's own addresses, forward for
// everything routed through it), and each verdict applied: accept continues to local delivery or
// forwarding, drop and reject (with an ICMP destination unreachable) are counted drops. The rule
// that decided a packet counts it (packets and bytes) in this worker's slot.
#include "dataplane/firewall/filter.hpp"
#include "dataplane/ip/icmp.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>

#include <algorithm>

namespace vp::dp {

namespace {

static_assert(static_cast<unsigned>(SessionKind::Ovpn) == fw::list_ovpn);
static_assert(static_cast<unsigned>(SessionKind::Sstp) == fw::list_sstp);

// Every session's interface is in its protocol's built-in list.
uint16_t session_lists(const Session& s) {
    return static_cast<uint16_t>(1u << static_cast<unsigned>(s.kind));
}

fw::Chain chain_of(NextHopKind k, bool& filtered) {
    filtered = true;
    switch (k) {
    case NextHopKind::Local:
        return fw::Chain::input;
    case NextHopKind::Connected:
    case NextHopKind::Gateway:
    case NextHopKind::Session:
        return fw::Chain::forward;
    default:
        filtered = false; // broadcast, blackhole: dropped on their way anyway
        return fw::Chain::forward;
    }
}

} // namespace

bool Worker::filter_defer(rte_mbuf* m, const NextHop* nh, PortId port, uint16_t in_mtu,
                          uint32_t icmp_src_be, const Session* from) {
    bool filtered;
    fw::Chain chain = chain_of(nh->kind, filtered);
    if (!filtered || !filter_->active(chain)) return false;
    if (filter_held_n_ == filter_held_.size()) filter_flush();
    filter_held_[filter_held_n_++] = {m, nh, from, icmp_src_be, port, in_mtu};
    return true;
}

void Worker::filter_flush() {
    uint16_t n = filter_held_n_;
    if (n == 0) return;
    // A copy: acting on a verdict may hold new packets (an input packet a protocol decapsulates
    // at once comes back through route_received), which must not overwrite these.
    FilterHeld held[max_burst];
    std::copy_n(filter_held_.begin(), n, held);
    filter_held_n_ = 0;
    uint64_t t0 = rte_rdtsc();
    fw::Tuple tuples[max_burst];
    const fw::Tuple* by_chain[fw::chain_count][max_burst];
    uint16_t index[fw::chain_count][max_burst];
    uint32_t results[fw::chain_count][max_burst];
    uint16_t count_of[fw::chain_count] = {};
    for (uint16_t i = 0; i < n; ++i) {
        const FilterHeld& h = held[i];
        auto* ip = rte_pktmbuf_mtod_offset(h.m, const rte_ipv4_hdr*, sizeof(rte_ether_hdr));
        uint8_t in_if = h.from ? fw::session_interface : static_cast<uint8_t>(h.port);
        uint16_t in_lists = h.from ? session_lists(*h.from) : filter_->port_lists(h.port);
        uint8_t out_if = fw::any_interface;
        uint16_t out_lists = 0;
        bool filtered;
        fw::Chain chain = chain_of(h.nh->kind, filtered);
        if (h.nh->kind == NextHopKind::Session) {
            out_if = fw::session_interface;
            if (const Session* s = dp_.sessions().get(h.nh->session)) out_lists = session_lists(*s);
        } else if (chain == fw::Chain::forward) {
            out_if = static_cast<uint8_t>(h.nh->port);
            out_lists = filter_->port_lists(h.nh->port);
        }
        fill_tuple(ip, in_if, in_lists, out_if, out_lists, tuples[i]);
        auto c = static_cast<unsigned>(chain);
        index[c][count_of[c]] = i;
        by_chain[c][count_of[c]++] = &tuples[i];
    }
    for (unsigned c = 0; c < fw::chain_count; ++c)
        if (count_of[c])
            filter_->classify(static_cast<fw::Chain>(c), by_chain[c], results[c], count_of[c]);
    stats_.stage_packets[static_cast<size_t>(Stage::firewall)].add(n);
    stats_.stage_cycles[static_cast<size_t>(Stage::firewall)].add(rte_rdtsc() - t0);
    // Verdicts in arrival order per chain.
    for (unsigned c = 0; c < fw::chain_count; ++c)
        for (uint16_t j = 0; j < count_of[c]; ++j) {
            const FilterHeld& h = held[index[c][j]];
            uint32_t r = results[c][j];
            if (r != 0) {
                const fw::FilterRule& rule = filter_->rules()[r - 1];
                filter_->count(id_, r - 1, rte_pktmbuf_pkt_len(h.m) - sizeof(rte_ether_hdr));
                if (rule.action == fw::Action::drop) {
                    drop(h.m, DropReason::firewall_drop);
                    continue;
                }
                if (rule.action == fw::Action::reject) {
                    send_icmp_error(h.m, icmp::dest_unreachable, rule.reject_code, 0,
                                    h.icmp_src_be);
                    drop(h.m, DropReason::firewall_reject);
                    continue;
                }
            }
            route_received(h.m, h.nh, h.port, h.in_mtu, h.icmp_src_be, h.from, true);
        }
}

} // namespace vp::dp
