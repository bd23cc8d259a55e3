// The firewall's filter in the worker: routed packets are held per burst, their tuples classified
// with one rte_acl_classify call per chain (input for the appliance's own addresses, forward for
// everything routed through it), and each verdict applied: accept continues to local delivery or
// forwarding, drop and reject (with an ICMP destination unreachable) are counted drops. The rule
// that decided a packet counts it (packets and bytes) in this worker's slot. An
// add-src/dst-to-address-list rule before the deciding one (its own ACL category) counts the packet
// too and reports the address to the control plane, which owns the lists: the worker cannot change
// a compiled set. Reports are bounded: one per rule and address a second (a flow matches on every
// packet), at most address_list_adds_per_s per worker, and none while the punt ring is full.
#include "dataplane/firewall/filter.hpp"
#include "dataplane/ip/icmp.hpp"
#include "dataplane/ip/mss_clamp.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>
#include <rte_tcp.h>

#include <algorithm>

namespace vp::dp {

namespace {

constexpr uint16_t ipv4_tcp_headers = 40;          // MSS = MTU - IPv4 header - TCP header
constexpr uint32_t address_list_adds_per_s = 1000; // per worker, and the bucket's depth

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
    if (!filtered) return false;
    if (!filter_->active(chain) &&
        !(chain == fw::Chain::forward && filter_->active(fw::Chain::mangle_forward)))
        return false;
    if (filter_held_n_ == filter_held_.size()) filter_flush();
    filter_held_[filter_held_n_++] = {m, nh, from, icmp_src_be, port, in_mtu};
    return true;
}

void Worker::change_mss(const FilterHeld& h, uint32_t rule_index, uint16_t out_mtu) {
    const fw::FilterRule& rule = filter_->rules()[rule_index];
    auto* ip = rte_pktmbuf_mtod_offset(h.m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    size_t header_len = rte_ipv4_hdr_len(ip);
    size_t l4_len = rte_be_to_cpu_16(ip->total_length) - header_len;
    uint16_t mss = rule.new_mss;
    if (mss == 0) { // clamp-to-pmtu
        uint16_t mtu = out_mtu ? std::min(h.in_mtu, out_mtu) : h.in_mtu;
        if (mtu <= ipv4_tcp_headers) return;
        mss = static_cast<uint16_t>(mtu - ipv4_tcp_headers);
    }
    filter_->count(id_, rule_index, rte_pktmbuf_pkt_len(h.m) - sizeof(rte_ether_hdr));
    if (dp::change_mss(reinterpret_cast<uint8_t*>(ip) + header_len, l4_len, mss, rule.tcp_mss.lo,
                       rule.tcp_mss.hi) == MssClampResult::Clamped)
        count(WorkerCounter::mss_clamped);
}

void Worker::address_list_add(const FilterHeld& h, uint32_t rule_index) {
    const fw::FilterRule& rule = filter_->rules()[rule_index];
    auto* ip = rte_pktmbuf_mtod_offset(h.m, const rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    filter_->count(id_, rule_index, rte_pktmbuf_pkt_len(h.m) - sizeof(rte_ether_hdr));
    uint32_t address =
        rte_be_to_cpu_32(rule.action == fw::Action::add_src_to_list ? ip->src_addr : ip->dst_addr);
    uint32_t generation = filter_->generation();
    AddressListSeen& seen = list_seen_[((address * 2654435761u) ^ rule_index) % list_seen_.size()];
    if (seen.address == address && seen.rule == rule_index && seen.generation == generation &&
        now_tsc_ - seen.tsc < tsc_hz_) {
        count(WorkerCounter::address_list_adds_skipped);
        return;
    }
    uint64_t refill = (now_tsc_ - list_bucket_tsc_) * address_list_adds_per_s / tsc_hz_;
    if (refill > 0) {
        list_tokens_ = static_cast<uint32_t>(
            std::min<uint64_t>(address_list_adds_per_s, list_tokens_ + refill));
        list_bucket_tsc_ = now_tsc_;
    }
    PuntEntry p{nullptr, PuntReason::AddressListAdd, h.port, id_,
                PuntPayload{.address_list = {address, rule_index, generation}}};
    if (list_tokens_ == 0 || rte_ring_mp_enqueue_elem(dp_.punt_ring(), &p, sizeof p) != 0) {
        count(WorkerCounter::address_list_adds_skipped);
        return;
    }
    --list_tokens_;
    seen = {address, rule_index, generation, now_tsc_};
    count(WorkerCounter::address_list_adds);
}

void Worker::filter_flush() {
    uint16_t n = filter_held_n_;
    if (n == 0) return;
    // A copy: acting on a verdict may hold new packets (an input packet a protocol decapsulates
    // at once comes back through route_received), which must not overwrite these.
    FilterHeld held[max_burst];
    std::copy_n(filter_held_.begin(), n, held);
    filter_held_n_ = 0;
    uint64_t t0 = stage_clock();
    fw::Tuple tuples[max_burst];
    const fw::Tuple* by_chain[fw::chain_count][max_burst];
    uint16_t index[fw::chain_count][max_burst];
    uint32_t results[fw::chain_count][max_burst * fw::max_categories];
    uint16_t count_of[fw::chain_count] = {};
    uint16_t out_mtu[max_burst];
    constexpr auto mangle = static_cast<unsigned>(fw::Chain::mangle_forward);
    bool mangling = filter_->active(fw::Chain::mangle_forward);
    for (uint16_t i = 0; i < n; ++i) {
        const FilterHeld& h = held[i];
        auto* ip = rte_pktmbuf_mtod_offset(h.m, const rte_ipv4_hdr*, sizeof(rte_ether_hdr));
        uint8_t in_if = h.from ? fw::session_interface : static_cast<uint8_t>(h.port);
        uint16_t in_lists = h.from ? session_lists(*h.from) : filter_->port_lists(h.port);
        uint8_t out_if = fw::any_interface;
        uint16_t out_lists = 0;
        bool filtered;
        fw::Chain chain = chain_of(h.nh->kind, filtered);
        out_mtu[i] = 0;
        if (h.nh->kind == NextHopKind::Session) {
            out_if = fw::session_interface;
            if (const Session* s = dp_.sessions().get(h.nh->session)) {
                out_lists = session_lists(*s);
                out_mtu[i] = s->mtu;
            }
        } else if (chain == fw::Chain::forward) {
            out_if = static_cast<uint8_t>(h.nh->port);
            out_lists = filter_->port_lists(h.nh->port);
            out_mtu[i] = port_views_[h.nh->port].mtu;
        }
        fill_tuple(ip, in_if, in_lists, out_if, out_lists, tuples[i]);
        if (tracking_) tuples[i].ct_state = ct_->mark(h.m).state;
        auto c = static_cast<unsigned>(chain);
        index[c][count_of[c]] = i;
        by_chain[c][count_of[c]++] = &tuples[i];
        // change-mss looks only at forwarded first fragments of TCP SYNs (tcp_flags is 0
        // for the others).
        if (mangling && chain == fw::Chain::forward && tuples[i].proto == IPPROTO_TCP &&
            (tuples[i].tcp_flags & RTE_TCP_SYN_FLAG)) {
            index[mangle][count_of[mangle]] = i;
            by_chain[mangle][count_of[mangle]++] = &tuples[i];
        }
    }
    for (unsigned c = 0; c < fw::chain_count; ++c)
        if (count_of[c] && filter_->active(static_cast<fw::Chain>(c)))
            filter_->classify(static_cast<fw::Chain>(c), by_chain[c], results[c], count_of[c]);
        else
            std::fill_n(results[c], count_of[c], 0u);
    // The change-mss rule (+1) of each held packet, 0 for none.
    uint32_t mss_rule[max_burst];
    std::fill_n(mss_rule, n, 0u);
    for (uint16_t j = 0; j < count_of[mangle]; ++j)
        mss_rule[index[mangle][j]] =
            results[mangle][j * filter_->categories(fw::Chain::mangle_forward)];
    stage_done(Stage::firewall, n, t0);
    // Verdicts in arrival order per chain.
    for (unsigned c = 0; c < mangle; ++c) {
        unsigned categories = filter_->categories(static_cast<fw::Chain>(c));
        for (uint16_t j = 0; j < count_of[c]; ++j) {
            const FilterHeld& h = held[index[c][j]];
            const uint32_t* res = &results[c][j * categories];
            uint32_t r = res[0];
            // Add-to-address-list rules ahead of the deciding rule (rule order = index order).
            for (unsigned k = 1; k < categories; ++k)
                if (res[k] != 0 && (r == 0 || res[k] < r)) address_list_add(h, res[k] - 1);
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
            if (uint32_t mr = mss_rule[index[c][j]]; mr != 0)
                change_mss(h, mr - 1, out_mtu[index[c][j]]);
            route_received(h.m, h.nh, h.port, h.in_mtu, h.icmp_src_be, h.from, true);
        }
    }
}

} // namespace vp::dp
