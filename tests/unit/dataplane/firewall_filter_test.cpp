// The compiled filter: real rte_acl contexts built from rules, tuples filled from real IPv4
// headers, first match in configuration order, port lists and ranges, interface and list
// matchers, TCP flags, ICMP type/code, disabled rules, per-worker counters summed.
#include "dataplane/firewall/filter.hpp"

#include <gtest/gtest.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <array>
#include <cstring>

namespace vp::dp::fw {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return a << 24 | b << 16 | c << 8 | d;
}

struct Packet {
    alignas(8) uint8_t bytes[64] = {};
    rte_ipv4_hdr* ip() { return reinterpret_cast<rte_ipv4_hdr*>(bytes); }
};

Packet make(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
            uint8_t flags = 0) {
    Packet p;
    auto* ip = p.ip();
    ip->version_ihl = 0x45;
    ip->next_proto_id = proto;
    ip->src_addr = rte_cpu_to_be_32(src);
    ip->dst_addr = rte_cpu_to_be_32(dst);
    ip->total_length = rte_cpu_to_be_16(sizeof(rte_ipv4_hdr) + sizeof(rte_tcp_hdr));
    uint8_t* l4 = p.bytes + sizeof(rte_ipv4_hdr);
    if (proto == IPPROTO_TCP) {
        auto* tcp = reinterpret_cast<rte_tcp_hdr*>(l4);
        tcp->src_port = rte_cpu_to_be_16(sport);
        tcp->dst_port = rte_cpu_to_be_16(dport);
        tcp->tcp_flags = flags;
    } else if (proto == IPPROTO_UDP) {
        auto* udp = reinterpret_cast<rte_udp_hdr*>(l4);
        udp->src_port = rte_cpu_to_be_16(sport);
        udp->dst_port = rte_cpu_to_be_16(dport);
    } else if (proto == IPPROTO_ICMP) {
        l4[0] = static_cast<uint8_t>(sport);
        l4[1] = static_cast<uint8_t>(dport);
    }
    return p;
}

std::unique_ptr<FilterSet> build(std::vector<FilterRule> rules, unsigned workers = 1) {
    std::array<uint16_t, FilterSet::max_ports> lists{};
    lists[1] = 1u << 2; // port 1 is in the static list with bit 2
    auto set = FilterSet::build(std::move(rules), lists, workers, SOCKET_ID_ANY);
    EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
    return set.ok() ? std::move(*set) : nullptr;
}

// The rule index + 1 that decides the packet, 0 for none.
uint32_t classify(const FilterSet& set, Chain c, Packet p, uint8_t in_if = 0, uint16_t in_lists = 0,
                  uint8_t out_if = 1, uint16_t out_lists = 0) {
    Tuple t;
    fill_tuple(p.ip(), in_if, in_lists, out_if, out_lists, t);
    const Tuple* tp = &t;
    uint32_t result = 99;
    set.classify(c, &tp, &result, 1);
    return result;
}

FilterRule rule(Chain c, Action a) {
    FilterRule r;
    r.chain = c;
    r.action = a;
    return r;
}

TEST(FirewallFilter, FirstMatchInOrderWinsAndNoMatchIsZero) {
    auto drop_host = rule(Chain::forward, Action::drop);
    drop_host.protocol = IPPROTO_TCP;
    drop_host.dst_address = {ip4(10, 0, 0, 5), ip4(10, 0, 0, 5)};
    drop_host.dst_ports = {{80, 80}, {8000, 8100}};
    auto accept_all_tcp = rule(Chain::forward, Action::accept);
    accept_all_tcp.protocol = IPPROTO_TCP;
    auto set = build({drop_host, accept_all_tcp});
    ASSERT_TRUE(set);
    EXPECT_TRUE(set->active(Chain::forward));
    EXPECT_FALSE(set->active(Chain::input));
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_TCP, ip4(10, 8, 0, 2), ip4(10, 0, 0, 5), 40000, 80)),
              1u);
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_TCP, ip4(10, 8, 0, 2), ip4(10, 0, 0, 5), 40000, 8050)),
              1u);
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_TCP, ip4(10, 8, 0, 2), ip4(10, 0, 0, 5), 40000, 22)),
              2u);
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_TCP, ip4(10, 8, 0, 2), ip4(10, 0, 0, 6), 40000, 80)),
              2u);
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_UDP, ip4(10, 8, 0, 2), ip4(10, 0, 0, 5), 40000, 80)),
              0u);
}

TEST(FirewallFilter, LaterRuleIsShadowedEvenWhenMoreSpecific) {
    auto broad = rule(Chain::input, Action::accept);
    broad.src_address = {ip4(10, 0, 0, 0), ip4(10, 255, 255, 255)};
    auto narrow = rule(Chain::input, Action::drop);
    narrow.src_address = {ip4(10, 1, 2, 3), ip4(10, 1, 2, 3)};
    auto set = build({broad, narrow});
    ASSERT_TRUE(set);
    EXPECT_EQ(
        classify(*set, Chain::input, make(IPPROTO_UDP, ip4(10, 1, 2, 3), ip4(1, 1, 1, 1), 1, 2)),
        1u);
    // The other order: the narrow rule first.
    set = build({narrow, broad});
    EXPECT_EQ(
        classify(*set, Chain::input, make(IPPROTO_UDP, ip4(10, 1, 2, 3), ip4(1, 1, 1, 1), 1, 2)),
        1u);
    EXPECT_EQ(
        classify(*set, Chain::input, make(IPPROTO_UDP, ip4(10, 1, 2, 4), ip4(1, 1, 1, 1), 1, 2)),
        2u);
}

TEST(FirewallFilter, InterfacesListsFlagsIcmpAndDisabled) {
    auto from_port1 = rule(Chain::forward, Action::drop);
    from_port1.in_interface = 1;
    auto to_ovpn = rule(Chain::forward, Action::reject);
    to_ovpn.out_lists = 1u << list_ovpn;
    auto syn_only = rule(Chain::forward, Action::drop);
    syn_only.protocol = IPPROTO_TCP;
    syn_only.tcp_flags = RTE_TCP_SYN_FLAG;
    syn_only.tcp_flags_mask = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
    auto echo = rule(Chain::forward, Action::accept);
    echo.protocol = IPPROTO_ICMP;
    echo.icmp_type = 8;
    echo.icmp_code = 0;
    auto off = rule(Chain::forward, Action::drop);
    off.disabled = true;
    auto set = build({from_port1, to_ovpn, syn_only, echo, off});
    ASSERT_TRUE(set);
    auto udp = make(IPPROTO_UDP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 1, 2);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 1), 1u);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 0), 0u);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 0, 0, session_interface, 1u << list_ovpn), 2u);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 0, 0, session_interface, 1u << list_sstp), 0u);
    auto syn = make(IPPROTO_TCP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 1, 2, RTE_TCP_SYN_FLAG);
    auto synack = make(IPPROTO_TCP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 1, 2,
                       RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
    EXPECT_EQ(classify(*set, Chain::forward, syn), 3u);
    EXPECT_EQ(classify(*set, Chain::forward, synack), 0u);
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_ICMP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 8, 0)),
              4u);
    EXPECT_EQ(classify(*set, Chain::forward,
                       make(IPPROTO_ICMP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 0, 0)),
              0u);
}

TEST(FirewallFilter, NonFirstFragmentsHaveNoPorts) {
    auto r = rule(Chain::forward, Action::drop);
    r.protocol = IPPROTO_UDP;
    r.dst_ports = {{53, 53}};
    auto set = build({r});
    ASSERT_TRUE(set);
    auto p = make(IPPROTO_UDP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 1000, 53);
    EXPECT_EQ(classify(*set, Chain::forward, p), 1u);
    p.ip()->fragment_offset = rte_cpu_to_be_16(10);
    EXPECT_EQ(classify(*set, Chain::forward, p), 0u);
}

TEST(FirewallFilter, BurstClassifyAndCountersSumOverWorkers) {
    auto r = rule(Chain::forward, Action::drop);
    r.protocol = IPPROTO_UDP;
    r.dst_ports = {{1000, 1999}};
    auto set = build({rule(Chain::input, Action::accept), r}, 3);
    ASSERT_TRUE(set);
    std::array<Packet, 64> pkts;
    std::array<Tuple, 64> tuples;
    std::array<const Tuple*, 64> ptrs;
    std::array<uint32_t, 64> results;
    for (unsigned i = 0; i < pkts.size(); ++i) {
        pkts[i] = make(IPPROTO_UDP, ip4(10, 8, 0, 2), ip4(10, 0, 0, 1), 5, uint16_t(980 + i));
        fill_tuple(pkts[i].ip(), 0, 0, 1, 0, tuples[i]);
        ptrs[i] = &tuples[i];
    }
    set->classify(Chain::forward, ptrs.data(), results.data(), 64);
    for (unsigned i = 0; i < 64; ++i) {
        EXPECT_EQ(results[i], 980 + i >= 1000 ? 2u : 0u) << i;
        if (results[i]) set->count(i % 3, results[i] - 1, 100);
    }
    auto t = set->total(1);
    EXPECT_EQ(t.packets, 44u);
    EXPECT_EQ(t.bytes, 4400u);
    EXPECT_EQ(set->total(0).packets, 0u);
}

TEST(FirewallFilter, TwoSetsLiveSideBySide) {
    // A reload builds the new set while the old one is still published: names must not clash.
    auto a = build({rule(Chain::input, Action::drop)});
    auto b = build({rule(Chain::input, Action::accept)});
    ASSERT_TRUE(a && b);
    auto p = make(IPPROTO_UDP, 1, 2, 3, 4);
    EXPECT_EQ(classify(*a, Chain::input, p), 1u);
    EXPECT_EQ(classify(*b, Chain::input, p), 1u);
    EXPECT_EQ(b->rules()[0].action, Action::accept);
}

// rte_acl misclassified these mixes when one-byte matchers were separate sub-word fields.
TEST(FirewallFilter, MixedMatchersDoNotDisturbEachOther) {
    auto r = rule(Chain::forward, Action::drop);
    r.in_interface = 1;
    auto set = build({r});
    auto udp = make(IPPROTO_UDP, ip4(192, 0, 2, 1), ip4(198, 51, 100, 1), 1, 2);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 1), 1u);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 0), 0u);
    auto r2 = rule(Chain::forward, Action::drop);
    r2.out_lists = 1;
    set = build({r2});
    EXPECT_EQ(classify(*set, Chain::forward, udp, 0, 0, session_interface, 1), 1u);
    set = build({r, r2});
    EXPECT_EQ(classify(*set, Chain::forward, udp, 1), 1u);
    EXPECT_EQ(classify(*set, Chain::forward, udp, 0, 0, session_interface, 1), 2u);
    auto syn_only = rule(Chain::forward, Action::drop);
    syn_only.protocol = IPPROTO_TCP;
    syn_only.tcp_flags = RTE_TCP_SYN_FLAG;
    syn_only.tcp_flags_mask = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
    set = build({r, syn_only});
    EXPECT_EQ(classify(*set, Chain::forward, udp, 1), 1u) << "syn";
    auto echo = rule(Chain::forward, Action::accept);
    echo.protocol = IPPROTO_ICMP;
    echo.icmp_type = 8;
    echo.icmp_code = 0;
    set = build({r, echo});
    EXPECT_EQ(classify(*set, Chain::forward, udp, 1), 1u) << "echo";
    auto off = rule(Chain::forward, Action::drop);
    off.disabled = true;
    set = build({r, off});
    EXPECT_EQ(classify(*set, Chain::forward, udp, 1), 1u) << "off";
}
} // namespace
} // namespace vp::dp::fw

namespace vp::dp::fw {
namespace {

// Address lists: a rule's list ranges become ACL entries, intersected with its src_address; a
// list whose ranges all lie outside src_address leaves the rule matching nothing; 1,000 ranges
// (every other /32 of 10.9.0.0/21) still classify exactly.
TEST(FirewallFilter, AddressListsExpandIntoAclRanges) {
    auto blocked = rule(Chain::forward, Action::drop);
    blocked.src_list = std::vector<Range32>{{ip4(192, 0, 2, 0), ip4(192, 0, 2, 127)},
                                            {ip4(198, 51, 100, 7), ip4(198, 51, 100, 7)}};
    auto narrowed = rule(Chain::forward, Action::drop);
    narrowed.src_address = {ip4(10, 0, 0, 0), ip4(10, 0, 0, 255)};
    narrowed.src_list = std::vector<Range32>{{ip4(10, 0, 0, 5), ip4(10, 0, 1, 5)}};
    auto nothing = rule(Chain::forward, Action::drop);
    nothing.src_address = {ip4(172, 16, 0, 0), ip4(172, 16, 255, 255)};
    nothing.src_list = std::vector<Range32>{{ip4(10, 0, 0, 0), ip4(10, 255, 255, 255)}};
    auto many = rule(Chain::forward, Action::accept);
    std::vector<Range32> every_other;
    for (uint32_t i = 0; i < 1000; ++i)
        every_other.push_back({ip4(10, 9, 0, 0) + 2 * i, ip4(10, 9, 0, 0) + 2 * i});
    many.dst_list = every_other;
    EXPECT_EQ(acl_entries(blocked), 2u);
    EXPECT_EQ(acl_entries(narrowed), 1u);
    EXPECT_EQ(acl_entries(nothing), 0u);
    EXPECT_EQ(acl_entries(many), 1000u);
    auto set = build({blocked, narrowed, nothing, many});
    ASSERT_TRUE(set);
    auto from = [&](uint32_t src, uint32_t dst = ip4(10, 2, 0, 2)) {
        return classify(*set, Chain::forward, make(IPPROTO_UDP, src, dst, 1, 2));
    };
    EXPECT_EQ(from(ip4(192, 0, 2, 127)), 1u);
    EXPECT_EQ(from(ip4(192, 0, 2, 128)), 0u);
    EXPECT_EQ(from(ip4(198, 51, 100, 7)), 1u);
    EXPECT_EQ(from(ip4(198, 51, 100, 8)), 0u);
    EXPECT_EQ(from(ip4(10, 0, 0, 4)), 0u);
    EXPECT_EQ(from(ip4(10, 0, 0, 5)), 2u);
    EXPECT_EQ(from(ip4(10, 0, 0, 255)), 2u);
    EXPECT_EQ(from(ip4(10, 0, 1, 0)), 0u); // in the list, outside src_address
    EXPECT_EQ(from(ip4(172, 16, 0, 1)), 0u);
    EXPECT_EQ(from(ip4(1, 1, 1, 1), ip4(10, 9, 0, 0)), 4u);
    EXPECT_EQ(from(ip4(1, 1, 1, 1), ip4(10, 9, 0, 1)), 0u);
    EXPECT_EQ(from(ip4(1, 1, 1, 1), ip4(10, 9, 7, 206)), 4u); // the 1000th: 10.9.0.0 + 1998
    EXPECT_EQ(from(ip4(1, 1, 1, 1), ip4(10, 9, 7, 208)), 0u);
}

} // namespace
} // namespace vp::dp::fw

namespace vp::dp::fw {
namespace {

// add-src/dst-to-address-list rules do not decide: each has an ACL category of its own, so the
// deciding rule (category 0) and every add rule that matches come out of one classification; a
// chain without them keeps one category.
TEST(FirewallFilter, AddToAddressListRulesMatchBesideTheDecidingRule) {
    auto knock = rule(Chain::input, Action::add_src_to_list);
    knock.protocol = IPPROTO_UDP;
    knock.dst_ports = {{7000, 7000}};
    auto seen = rule(Chain::input, Action::add_dst_to_list);
    auto drop_udp = rule(Chain::input, Action::drop);
    drop_udp.protocol = IPPROTO_UDP;
    auto late = rule(Chain::input, Action::add_src_to_list); // after the drop: never acts
    late.protocol = IPPROTO_UDP;
    auto set = build({knock, seen, drop_udp, late, rule(Chain::forward, Action::accept)});
    ASSERT_TRUE(set);
    EXPECT_EQ(set->categories(Chain::input), 4u);
    EXPECT_EQ(set->categories(Chain::forward), 1u);
    EXPECT_EQ(set->categories(Chain::mangle_forward), 1u);
    Tuple t[2];
    fill_tuple(make(IPPROTO_UDP, ip4(192, 0, 2, 7), ip4(10, 0, 0, 1), 5, 7000).ip(), 0, 0,
               any_interface, 0, t[0]);
    fill_tuple(make(IPPROTO_TCP, ip4(192, 0, 2, 8), ip4(10, 0, 0, 1), 5, 22).ip(), 0, 0,
               any_interface, 0, t[1]);
    const Tuple* ptrs[2] = {&t[0], &t[1]};
    uint32_t results[2 * 4];
    std::fill(std::begin(results), std::end(results), 99u);
    set->classify(Chain::input, ptrs, results, 2);
    // UDP to 7000: decided by the drop (3); knock (1), seen (2) and late (4) match in their own
    // categories; the worker acts on those before the deciding rule only (1 and 2).
    EXPECT_EQ(results[0], 3u);
    EXPECT_EQ(results[1], 1u);
    EXPECT_EQ(results[2], 2u);
    EXPECT_EQ(results[3], 4u);
    // TCP: no deciding rule; only `seen` matches.
    EXPECT_EQ(results[4], 0u);
    EXPECT_EQ(results[5], 0u);
    EXPECT_EQ(results[6], 2u);
    EXPECT_EQ(results[7], 0u);
    EXPECT_NE(set->generation(), build({rule(Chain::input, Action::drop)})->generation());
}

TEST(FirewallFilter, AtMostFifteenAddRulesPerChain) {
    std::vector<FilterRule> rules(16, rule(Chain::input, Action::add_src_to_list));
    std::array<uint16_t, FilterSet::max_ports> lists{};
    auto set = FilterSet::build(rules, lists, 1, SOCKET_ID_ANY);
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.error().message.find("more than 15 add-to-address-list rules"),
              std::string::npos);
    rules.pop_back();
    EXPECT_TRUE(FilterSet::build(rules, lists, 1, SOCKET_ID_ANY).ok());
}

} // namespace
} // namespace vp::dp::fw
