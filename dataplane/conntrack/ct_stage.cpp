// The worker's connection tracking hooks (see worker.hpp): ct_prerouting in the IPv4 and session
// input paths before the route lookup, ct_postrouting in forwarding before TX or the session.
// Prerouting also takes a burst (one bulk hash lookup); both work on one packet underneath.
// Connections are created only in postrouting, i.e. after the filter accepted the packet and a
// route was found.
#include "dataplane/conntrack/nat.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ip.h>
#include <rte_tcp.h>

namespace vp::dp {

namespace {

rte_ipv4_hdr* ipv4_of(rte_mbuf* m, size_t& len) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    len = rte_be_to_cpu_16(ip->total_length);
    return ip;
}

// An address of `r` for this flow (a stable pick from the source address).
uint32_t pick_address(const fw::Range32& r, uint32_t src_be) {
    uint32_t size = r.hi - r.lo;
    uint32_t off = size == UINT32_MAX ? 0 : rte_be_to_cpu_32(src_be) % (size + 1);
    return rte_cpu_to_be_32(r.lo + off);
}

constexpr uint8_t proto_tcp = 6, proto_udp = 17, proto_icmp = 1;

} // namespace

bool Worker::ct_prerouting(rte_mbuf* m, uint8_t in_if, uint16_t in_lists) {
    if (!tracking_) return true;
    size_t len;
    rte_ipv4_hdr* ip = ipv4_of(m, len);
    ct::Key k;
    ct::KeyResult r = ct::packet_key(ip, len, k);
    uint8_t dir = 0;
    ct::Conn* c = r == ct::KeyResult::untracked ? nullptr : ct_->lookup(k, dir);
    return ct_prerouting_found(m, in_if, in_lists, r, k, c, dir);
}

uint16_t Worker::ct_prerouting_burst(rte_mbuf* const* pkts, uint16_t n, uint8_t in_if,
                                     const uint16_t* in_lists, bool stop_at_miss, bool* dropped) {
    static_assert(max_burst <= RTE_HASH_LOOKUP_BULK_MAX);
    ct::Key keys[max_burst];
    const ct::Key* lookup_keys[max_burst] = {}; // (zeroed: GCC cannot see n_lookup <= n)
    ct::KeyResult result[max_burst];
    uint16_t lookup_of[max_burst]; // packet i's index in lookup_keys (untracked: none)
    uint32_t n_lookup = 0;
    for (uint16_t i = 0; i < n; ++i) {
        size_t len;
        const rte_ipv4_hdr* ip = ipv4_of(pkts[i], len);
        result[i] = ct::packet_key(ip, len, keys[i]);
        if (result[i] != ct::KeyResult::untracked) {
            lookup_of[i] = static_cast<uint16_t>(n_lookup);
            lookup_keys[n_lookup++] = &keys[i];
        }
    }
    ct::Conn* conns[max_burst];
    uint8_t dirs[max_burst];
    ct_->lookup_bulk(lookup_keys, n_lookup, conns, dirs);
    for (uint16_t i = 0; i < n; ++i) {
        ct::Conn* c = nullptr;
        uint8_t dir = 0;
        if (result[i] != ct::KeyResult::untracked) {
            c = conns[lookup_of[i]];
            dir = dirs[lookup_of[i]];
            // What a miss finds can change once the packets before it went through postrouting.
            if (!c && stop_at_miss) return i;
        }
        dropped[i] = !ct_prerouting_found(pkts[i], in_if, in_lists[i], result[i], keys[i], c, dir);
    }
    return n;
}

bool Worker::ct_prerouting_found(rte_mbuf* m, uint8_t in_if, uint16_t in_lists, ct::KeyResult r,
                                 const ct::Key& k, ct::Conn* c, uint8_t dir) {
    ct::Mark& mk = ct_->mark(m);
    mk = ct::Mark{};
    mk.in_if = in_if;
    mk.in_lists = in_lists;
    size_t len;
    rte_ipv4_hdr* ip = ipv4_of(m, len);
    if (r == ct::KeyResult::untracked) {
        mk.state = ct::state_invalid;
        return true;
    }
    if (r == ct::KeyResult::icmp_error) {
        if (!c) {
            mk.state = ct::state_invalid;
            return true;
        }
        mk.state = ct::state_related;
        mk.error = 1;
        if (c->flags.load(std::memory_order_relaxed) & ct::flag_nat) {
            if (ct::translate_icmp_error(ip, len, c->key[dir ^ 1]))
                count(WorkerCounter::nat_translated);
            else
                mk.state = ct::state_invalid;
        }
        return true;
    }
    if (c) {
        mk.state = ct::state_established;
        mk.conn = ct_->index1(c);
        mk.dir = dir;
        if (c->last_tsc.load(std::memory_order_relaxed) + (tsc_hz_ >> 4) < now_tsc_)
            c->last_tsc.store(now_tsc_, std::memory_order_relaxed);
        uint8_t flags = c->flags.load(std::memory_order_relaxed);
        uint8_t add = dir == 1 ? ct::flag_replied : 0;
        if (ip->next_proto_id == proto_tcp) {
            auto* tcp = reinterpret_cast<const rte_tcp_hdr*>(reinterpret_cast<uint8_t*>(ip) +
                                                             rte_ipv4_hdr_len(ip));
            if (tcp->tcp_flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)) add |= ct::flag_closing;
        }
        if ((flags & add) != add) c->flags.fetch_or(add, std::memory_order_relaxed);
        const ct::Key& other = c->key[dir ^ 1];
        if (ip->dst_addr != other.src || k.dport != other.sport) {
            ct::rewrite_dst(ip, len, other.src, other.sport);
            count(WorkerCounter::nat_translated);
        }
        return true;
    }
    mk.state = ct::state_new;
    const auto& rules = filter_->nat();
    if (rules.empty()) return true;
    fw::Tuple t;
    fw::fill_tuple(ip, in_if, in_lists, fw::any_interface, 0, t);
    int i = ct::match_nat(rules, fw::NatChain::dstnat, t);
    if (i < 0) return true;
    filter_->count_nat(id_, static_cast<uint32_t>(i), static_cast<uint32_t>(len));
    const fw::NatRule& rule = rules[i];
    mk.orig_dst = ip->dst_addr;
    mk.orig_dport = k.dport;
    uint32_t to = pick_address(rule.to_addresses, ip->src_addr);
    uint16_t port = rule.to_ports.lo ? rte_cpu_to_be_16(rule.to_ports.lo) : k.dport;
    ct::rewrite_dst(ip, len, to, port);
    count(WorkerCounter::nat_translated);
    return true;
}

bool Worker::ct_postrouting(rte_mbuf* m, const NextHop& nh, const Session* out) {
    if (!tracking_) return true;
    ct::Mark& mk = ct_->mark(m);
    if (mk.error || !(mk.state & (ct::state_new | ct::state_established))) return true;
    size_t len;
    rte_ipv4_hdr* ip = ipv4_of(m, len);
    ct::Key now;
    if (ct::packet_key(ip, len, now) != ct::KeyResult::ok) return true;
    // A packet of a known connection leaves with that connection's source translation.
    auto follow = [&](const ct::Conn* c, uint8_t dir) {
        const ct::Key& other = c->key[dir ^ 1];
        if (ip->src_addr != other.dst || now.sport != other.dport) {
            ct::rewrite_src(ip, len, other.dst, other.dport);
            count(WorkerCounter::nat_translated);
        }
        return true;
    };
    if (mk.conn) return follow(ct_->at(mk.conn), mk.dir);
    // A new connection that the filter accepted and that has a route.
    ct::Key orig = now;
    if (mk.orig_dst) {
        orig.dst = mk.orig_dst;
        orig.dport = mk.orig_dport;
        if (orig.proto == proto_icmp) orig.sport = orig.dport;
    }
    // Prerouting looks a burst up before any of it reaches here: an earlier packet of the same
    // burst may have created this connection since (the second packet of a new UDP flow).
    uint8_t dir = 0;
    if (const ct::Conn* c = ct_->lookup(orig, dir)) return follow(c, dir);
    uint8_t out_if = out ? fw::session_interface : static_cast<uint8_t>(nh.port);
    uint16_t out_lists = out ? static_cast<uint16_t>(1u << static_cast<unsigned>(out->kind))
                             : filter_->port_lists(nh.port);
    fw::Tuple t;
    fw::fill_tuple(ip, mk.in_if, mk.in_lists, out_if, out_lists, t);
    int i = filter_->nat().empty() ? -1 : ct::match_nat(filter_->nat(), fw::NatChain::srcnat, t);
    ct::Key reply = ct::inverse(now);
    if (i < 0) {
        auto res = ct_->insert(orig, reply, now_tsc_);
        if (res == ct::ConnTable::Insert::full) {
            drop(m, DropReason::conntrack_full);
            return false;
        }
        if (res == ct::ConnTable::Insert::ok) count(WorkerCounter::conntrack_created);
        return true; // a clash: forwarded untracked
    }
    filter_->count_nat(id_, static_cast<uint32_t>(i), static_cast<uint32_t>(len));
    const fw::NatRule& rule = filter_->nat()[i];
    uint32_t src = rule.action == fw::NatAction::masquerade
                       ? (out ? out->tunnel_local_ip_be : port_views_[nh.port].address_be)
                       : pick_address(rule.to_addresses, ip->src_addr);
    reply.dst = src;
    bool ports = now.proto == proto_tcp || now.proto == proto_udp ||
                 (now.proto == proto_icmp && now.sport != 0);
    fw::Range16 range = rule.to_ports.lo ? rule.to_ports : fw::Range16{1024, 65535};
    fw::Range16 slice = ct::port_slice(range, id_, dp_.worker_count());
    uint32_t slice_size = slice.hi >= slice.lo ? uint32_t{slice.hi} - slice.lo + 1 : 0;
    uint16_t original = rte_be_to_cpu_16(now.sport);
    // The original port first when allowed (RouterOS keeps it when it is free), then the slice.
    bool try_original = !ports || !rule.to_ports.lo ||
                        (original >= rule.to_ports.lo && original <= rule.to_ports.hi);
    uint32_t tries = ports ? std::min<uint32_t>(slice_size, 256) : 0;
    for (uint32_t n = try_original ? 0 : 1; n <= tries; ++n) {
        uint16_t port = original;
        if (n > 0) port = static_cast<uint16_t>(slice.lo + (nat_cursor_++ % slice_size));
        if (ports) {
            reply.dport = rte_cpu_to_be_16(port);
            if (now.proto == proto_icmp) reply.sport = reply.dport;
        }
        auto res = ct_->insert(orig, reply, now_tsc_);
        if (res == ct::ConnTable::Insert::full) {
            drop(m, DropReason::conntrack_full);
            return false;
        }
        if (res == ct::ConnTable::Insert::clash) {
            if (!ports) break;
            continue;
        }
        count(WorkerCounter::conntrack_created);
        if (ip->src_addr != reply.dst || now.sport != reply.dport) {
            ct::rewrite_src(ip, len, reply.dst, reply.dport);
            count(WorkerCounter::nat_translated);
        }
        return true;
    }
    drop(m, DropReason::nat_ports_exhausted);
    return false;
}

} // namespace vp::dp
