// A compiled filter rule set: one rte_acl context per chain (input, forward), the rules it came
// from (for `vpnctl firewall filter`) and per-worker, per-rule packet/byte counters. Built by the
// control plane, published to the workers through an atomic pointer and retired through RCU, like
// the routing table; a reload builds a new set (counters start again at zero, as RouterOS's do
// when the rule list is replaced). Workers classify a burst of tuples per chain in one call.
#pragma once

#include "base/relaxed.hpp"
#include "base/result.hpp"
#include "dataplane/firewall/rules.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

struct rte_acl_ctx;
struct rte_ipv4_hdr;

namespace vp::dp::fw {

// What rte_acl classifies. Multi-byte fields in network byte order (rte_acl compares input bytes
// in network order); every 4-byte group is read as one word, hence the grouping and the padding.
struct alignas(4) Tuple {
    uint8_t proto; // rte_acl reads the first field as a byte of its own
    uint8_t pad0[3];
    uint8_t tcp_flags;
    uint8_t in_if;
    uint8_t out_if;
    uint8_t icmp_type;
    uint32_t src; // big-endian
    uint32_t dst;
    uint16_t src_port; // big-endian; 0 for non-first fragments and other protocols
    uint16_t dst_port;
    uint16_t in_lists; // big-endian bitmaps of the interface lists
    uint16_t out_lists;
    uint8_t icmp_code;
    uint8_t ct_state; // conntrack's StateBit (dataplane/conntrack), 0: not tracked
    uint8_t pad1[2];
};
static_assert(sizeof(Tuple) == 28);

// Fills `t` from a validated IPv4 header (total_length within the buffer). Ports, TCP flags and
// ICMP type/code come from the first fragment only and only when the L4 header is all there.
void fill_tuple(const rte_ipv4_hdr* ip, uint8_t in_if, uint16_t in_lists, uint8_t out_if,
                uint16_t out_lists, Tuple& t);

struct RuleCounters {
    uint64_t packets = 0;
    uint64_t bytes = 0;
};

class FilterSet {
public:
    static constexpr uint32_t max_acl_rules = max_acl_entries; // per chain, after expanding
    static constexpr unsigned max_ports = 32;

    // `port_lists[p]`: the list bits of port p. `workers`: counter slots.
    static Result<std::unique_ptr<FilterSet>>
    build(std::vector<FilterRule> rules, const std::array<uint16_t, max_ports>& port_lists,
          unsigned workers, int socket);
    ~FilterSet();
    FilterSet(const FilterSet&) = delete;
    FilterSet& operator=(const FilterSet&) = delete;

    bool active(Chain c) const { return ctx_[static_cast<unsigned>(c)] != nullptr; }
    uint16_t port_lists(uint16_t port) const { return port < max_ports ? port_lists_[port] : 0; }

    // Classifies n tuples (n <= 64 per call is what the workers use); results[i * categories(c)]
    // is the deciding rule's index + 1, 0 when no enabled rule matches (the chain's policy:
    // accept); results[i * categories(c) + k], k >= 1, the k-th add-to-address-list rule's
    // index + 1 when it matches (it acts when it comes before the deciding rule).
    void classify(Chain c, const Tuple** tuples, uint32_t* results, uint32_t n) const;
    // 1 for a chain without add-to-address-list rules, else a multiple of 4 (rte_acl's).
    unsigned categories(Chain c) const { return categories_[static_cast<unsigned>(c)]; }
    // Distinguishes sets in the control plane's AddressListAdd events (a rule index is only
    // meaningful with the set that classified it).
    uint32_t generation() const { return generation_; }

    const std::vector<FilterRule>& rules() const { return rules_; }
    // NAT rules (firewall.nat) and whether packets go through connection tracking (NAT rules or
    // connection_state matchers); published with the filter so a reload swaps both at once.
    // Each NAT rule gets per-worker packet/byte counters (count_nat, nat_total).
    void set_nat(std::vector<NatRule> rules, bool tracking);
    const std::vector<NatRule>& nat() const { return nat_; }
    bool tracking() const { return tracking_; }
    // A worker counts the rule (index from classify, minus 1) that decided a packet.
    void count(unsigned worker, uint32_t rule, uint32_t bytes) {
        Slot& s = counters_[worker * stride_ + rule];
        s.packets.inc();
        s.bytes.add(bytes);
    }
    RuleCounters total(uint32_t rule) const;
    // A worker counts the NAT rule (index into nat()) that a new connection's first packet
    // matched: like RouterOS's nat counters, only the first packet of each connection passes
    // through the NAT rules (the rest follow the connection).
    void count_nat(unsigned worker, uint32_t rule, uint32_t bytes) {
        Slot& s = nat_counters_[worker * nat_stride_ + rule];
        s.packets.inc();
        s.bytes.add(bytes);
    }
    RuleCounters nat_total(uint32_t rule) const;
    // A set rebuilt from the same rules (only address list contents changed: dynamic entries)
    // counts into `previous`'s counters, so the rule counters go on across the swap, exactly
    // (workers still on the old set write the same slots). Call before publishing; false (and
    // nothing shared) when the rule or worker counts differ.
    bool share_counters(const FilterSet& previous);

private:
    FilterSet() = default;
    struct Slot {
        Relaxed<uint64_t> packets;
        Relaxed<uint64_t> bytes;
    };
    std::array<rte_acl_ctx*, chain_count> ctx_{};
    std::array<unsigned, chain_count> categories_{1, 1, 1};
    uint32_t generation_ = 0;
    std::vector<FilterRule> rules_;
    std::vector<NatRule> nat_;
    bool tracking_ = false;
    std::array<uint16_t, max_ports> port_lists_{};
    unsigned workers_ = 0;
    size_t stride_ = 0;                // slots per worker, a whole number of cache lines
    std::shared_ptr<Slot[]> counters_; // shared with a rebuilt set (share_counters)
    size_t nat_stride_ = 0;
    std::shared_ptr<Slot[]> nat_counters_;
};

} // namespace vp::dp::fw
