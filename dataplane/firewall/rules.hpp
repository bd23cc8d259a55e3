// The firewall's filter rules as the dataplane sees them: every name already resolved (interfaces
// to port ids, interface lists to bits), every address and port a host-order range. The control
// plane parses the configuration into these (control/config/firewall_config.cpp); the ACL compiler
// (filter.cpp) turns them into rte_acl contexts. Shared by both sides, so it depends on nothing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vp::dp::fw {

// mangle_forward: RouterOS's `/ip firewall mangle chain=forward` (change-mss only), classified
// for forwarded TCP SYN segments after the filter has accepted them.
enum class Chain : uint8_t { input, forward, mangle_forward };
inline constexpr unsigned chain_count = 3;

// add_src_to_list, add_dst_to_list: RouterOS's add-src-to-address-list and
// add-dst-to-address-list, which do not decide: the packet goes on to the next rule. The worker
// reports the address to the control plane (PuntReason::AddressListAdd), which adds the entry.
enum class Action : uint8_t { accept, drop, reject, change_mss, add_src_to_list, add_dst_to_list };
inline constexpr bool decides(Action a) {
    return a != Action::add_src_to_list && a != Action::add_dst_to_list;
}

// rte_acl gives one result per category: the deciding rules share category 0, and each
// add-to-address-list rule of a chain has a category of its own (so that several may act on one
// packet, as in RouterOS), hence at most max_categories - 1 of them per chain.
inline constexpr unsigned max_categories = 16;

// Interface ids in the classified tuple: a port's id is its PortId; every tunnel session shares
// one id (sessions have no name of their own yet, so rules reach them through the lists).
inline constexpr uint8_t session_interface = 0xfe;
inline constexpr uint8_t any_interface = 0xff; // in a rule: no interface matcher

// Interface list bits: the built-in dynamic lists first, then the configured static lists.
inline constexpr unsigned list_ovpn = 0;
inline constexpr unsigned list_sstp = 1;
inline constexpr unsigned max_lists = 16;

struct Range32 {
    uint32_t lo = 0;
    uint32_t hi = UINT32_MAX;
    friend bool operator==(const Range32&, const Range32&) = default;
};
struct Range16 {
    uint16_t lo = 0;
    uint16_t hi = UINT16_MAX;
};

// The most ACL entries one chain may compile to, after port lists, connection states and address
// lists are expanded (each combination is one rte_acl rule).
inline constexpr uint64_t max_acl_entries = 65536;

// An address list matcher (firewall.address_lists, RouterOS's src-address-list): the list's
// enabled entries as sorted, disjoint, non-adjacent host-order ranges (already complemented for
// `!list`). nullopt: no list matcher. An empty vector matches nothing.
using AddressRanges = std::optional<std::vector<Range32>>;

// Whether host-order `v` lies in `ranges` (sorted and disjoint): a binary search.
inline bool in_ranges(const std::vector<Range32>& ranges, uint32_t v) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), v,
                               [](uint32_t x, const Range32& r) { return x < r.lo; });
    return it != ranges.begin() && v <= std::prev(it)->hi;
}

struct FilterRule {
    Chain chain = Chain::forward;
    Action action = Action::accept;
    uint8_t reject_code = 1; // the ICMP destination-unreachable code that `reject` sends
    int16_t protocol = -1;   // IP protocol number, -1: any
    Range32 src_address;     // host order
    Range32 dst_address;
    std::vector<Range16> src_ports; // empty: any
    std::vector<Range16> dst_ports;
    uint8_t in_interface = any_interface;
    uint8_t out_interface = any_interface;
    uint16_t in_lists = 0; // a packet matches when its interface is in every list set here
    uint16_t out_lists = 0;
    int16_t icmp_type = -1; // -1: any
    int16_t icmp_code = -1;
    uint8_t tcp_flags = 0;      // flags that must be set ...
    uint8_t tcp_flags_mask = 0; // ... among the flags that are looked at
    uint16_t new_mss = 0;       // change_mss: the new value; 0 = clamp-to-pmtu (path MTU - 40)
    Range16 tcp_mss;            // change_mss: only segments whose MSS option lies in this range
    uint8_t conn_state = 0;     // connection_state: conntrack StateBits, any of them; 0: any
    AddressRanges src_list;     // src_address_list, dst_address_list (and src/dst_address too)
    AddressRanges dst_list;
    // The lists' names as configured ("!name" when negated, "": no matcher): the control plane
    // resolves them again into src_list/dst_list when dynamic entries change.
    std::string src_list_name;
    std::string dst_list_name;
    // add_src_to_list, add_dst_to_list: the list the address joins and for how long (seconds;
    // 0: RouterOS's none-dynamic, until the daemon restarts).
    std::string address_list;
    uint32_t address_list_timeout_s = 0;
    bool disabled = false;
    std::string comment;
    std::string text; // the rule as the operator wrote it, for `vpnctl firewall filter`
};

} // namespace vp::dp::fw

namespace vp::dp::fw {

// RouterOS's `/ip firewall nat`: srcnat rules are matched on a new connection's first packet
// after routing (the out interface is known), dstnat rules before routing.
enum class NatChain : uint8_t { srcnat, dstnat };
enum class NatAction : uint8_t { masquerade, src_nat, dst_nat };

struct NatRule {
    NatChain chain = NatChain::srcnat;
    NatAction action = NatAction::masquerade;
    int16_t protocol = -1;
    Range32 src_address;
    Range32 dst_address;
    std::vector<Range16> src_ports;
    std::vector<Range16> dst_ports;
    uint8_t in_interface = any_interface;
    uint8_t out_interface = any_interface;
    uint16_t in_lists = 0;
    uint16_t out_lists = 0;
    Range32 to_addresses{0, 0}; // host order; {0, 0}: masquerade (the out port's address)
    Range16 to_ports{0, 0};     // {0, 0}: keep the port when free, else any in 1024-65535
    AddressRanges src_list;     // src_address_list, dst_address_list
    AddressRanges dst_list;
    std::string src_list_name; // as in FilterRule
    std::string dst_list_name;
    bool disabled = false;
    std::string comment;
    std::string text;
};

} // namespace vp::dp::fw

namespace vp::dp::fw {

// The ranges of `list` that lie within `limit` (a rule's src_address and src_address_list both
// apply): what the ACL compiler expands a list matcher to.
inline std::vector<Range32> intersect(const AddressRanges& list, Range32 limit) {
    if (!list) return {limit};
    std::vector<Range32> out;
    for (auto& r : *list) {
        Range32 x{std::max(r.lo, limit.lo), std::min(r.hi, limit.hi)};
        if (x.lo <= x.hi) out.push_back(x);
    }
    return out;
}

// How many ACL entries a filter rule compiles to: the product of its connection states, source
// and destination port ranges and address ranges.
inline uint64_t acl_entries(const FilterRule& r) {
    uint64_t states = 0;
    for (unsigned b = 0; b < 8; ++b)
        states += (r.conn_state >> b) & 1u;
    return std::max<uint64_t>(states, 1) * std::max<size_t>(r.src_ports.size(), 1) *
           std::max<size_t>(r.dst_ports.size(), 1) * intersect(r.src_list, r.src_address).size() *
           intersect(r.dst_list, r.dst_address).size();
}

} // namespace vp::dp::fw
