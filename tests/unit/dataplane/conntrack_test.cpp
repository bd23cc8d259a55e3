// Connection tracking and NAT packet work: the shared table (two keys per connection, clashes,
// the full table, expiry through the sweep and RCU reclamation of slots), packet keys (ICMP
// queries, errors quoting a packet, fragments), source/destination rewriting with checksums
// that match a full recomputation, ICMP error translation of the quoted header, NAT rule
// matching and per-worker port slices.
#include "dataplane/conntrack/conntrack.hpp"
#include "dataplane/conntrack/nat.hpp"
#include "dataplane/tables/lf_hash.hpp"

#include <gtest/gtest.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <cstring>
#include <vector>

namespace vp::dp::ct {
namespace {

constexpr uint32_t ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return a << 24 | b << 16 | c << 8 | d;
}
uint32_t be32(uint32_t v) {
    return rte_cpu_to_be_32(v);
}
uint16_t be16(uint16_t v) {
    return rte_cpu_to_be_16(v);
}

Key key(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport) {
    Key k;
    k.tag = lf_hash_key_tag;
    k.proto = proto;
    k.src = be32(src);
    k.dst = be32(dst);
    k.sport = be16(sport);
    k.dport = be16(dport);
    return k;
}

// An IPv4 packet with valid checksums (IPv4 header, TCP/UDP with pseudo-header, ICMP).
struct Packet {
    alignas(8) uint8_t bytes[256] = {};
    size_t len = 0;
    rte_ipv4_hdr* ip() { return reinterpret_cast<rte_ipv4_hdr*>(bytes); }
    uint8_t* l4() { return bytes + sizeof(rte_ipv4_hdr); }
};

void fix_checksums(uint8_t* p, size_t len) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    uint8_t* l4 = p + sizeof(rte_ipv4_hdr);
    if (ip->next_proto_id == IPPROTO_TCP) {
        auto* t = reinterpret_cast<rte_tcp_hdr*>(l4);
        t->cksum = 0;
        t->cksum = rte_ipv4_udptcp_cksum(ip, t);
    } else if (ip->next_proto_id == IPPROTO_UDP) {
        auto* u = reinterpret_cast<rte_udp_hdr*>(l4);
        u->dgram_cksum = 0;
        u->dgram_cksum = rte_ipv4_udptcp_cksum(ip, u);
    } else if (ip->next_proto_id == IPPROTO_ICMP) {
        l4[2] = l4[3] = 0;
        uint16_t s = static_cast<uint16_t>(~rte_raw_cksum(l4, len - sizeof(rte_ipv4_hdr)));
        std::memcpy(l4 + 2, &s, 2);
    }
}

Packet make(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
            size_t payload = 12) {
    Packet p;
    size_t l4_len = proto == IPPROTO_TCP ? 20 : 8;
    p.len = sizeof(rte_ipv4_hdr) + l4_len + payload;
    auto* ip = p.ip();
    ip->version_ihl = 0x45;
    ip->time_to_live = 64;
    ip->next_proto_id = proto;
    ip->src_addr = be32(src);
    ip->dst_addr = be32(dst);
    ip->total_length = be16(static_cast<uint16_t>(p.len));
    for (size_t i = 0; i < payload; ++i)
        p.l4()[l4_len + i] = static_cast<uint8_t>(i * 7 + 1);
    if (proto == IPPROTO_TCP) {
        auto* t = reinterpret_cast<rte_tcp_hdr*>(p.l4());
        t->src_port = be16(sport);
        t->dst_port = be16(dport);
        t->data_off = 0x50;
        t->tcp_flags = RTE_TCP_SYN_FLAG;
    } else if (proto == IPPROTO_UDP) {
        auto* u = reinterpret_cast<rte_udp_hdr*>(p.l4());
        u->src_port = be16(sport);
        u->dst_port = be16(dport);
        u->dgram_len = be16(static_cast<uint16_t>(8 + payload));
    } else if (proto == IPPROTO_ICMP) {
        p.l4()[0] = 8; // echo request; identifier = sport
        uint16_t id = be16(sport);
        std::memcpy(p.l4() + 4, &id, 2);
    }
    fix_checksums(p.bytes, p.len);
    return p;
}

// The checksums as they are equal those recomputed from scratch.
void expect_checksums_valid(Packet p) {
    Packet q = p;
    fix_checksums(q.bytes, q.len);
    EXPECT_EQ(0, std::memcmp(p.bytes, q.bytes, p.len));
}

class ConnTrack : public ::testing::Test {
protected:
    void SetUp() override {
        auto r = Rcu::create(1, 1024);
        ASSERT_TRUE(r.ok());
        rcu = std::move(*r);
        Timeouts t;
        t.udp = 5;
        t.tcp_transitory = 5;
        auto c = ConnTable::create(4, *rcu, t);
        ASSERT_TRUE(c.ok()) << c.message();
        table = std::move(*c);
    }
    void TearDown() override {
        table.reset();
        rcu.reset();
    }
    std::unique_ptr<Rcu> rcu;
    std::unique_ptr<ConnTable> table;
};

TEST_F(ConnTrack, BothKeysFindTheConnectionWithTheirDirection) {
    Key orig = key(17, ip4(10, 8, 0, 2), ip4(192, 0, 2, 1), 40000, 53);
    Key reply = key(17, ip4(192, 0, 2, 1), ip4(203, 0, 113, 1), 53, 1024);
    Conn* c = nullptr;
    ASSERT_EQ(table->insert(orig, reply, 100, &c), ConnTable::Insert::ok);
    uint8_t dir = 9;
    EXPECT_EQ(table->lookup(orig, dir), c);
    EXPECT_EQ(dir, 0);
    EXPECT_EQ(table->lookup(reply, dir), c);
    EXPECT_EQ(dir, 1);
    EXPECT_TRUE(c->flags.load() & flag_nat);
    EXPECT_EQ(table->lookup(inverse(orig), dir), nullptr);
    // The same reply key for another flow clashes (the port is taken for that remote).
    Key other = key(17, ip4(10, 8, 0, 3), ip4(192, 0, 2, 1), 40000, 53);
    EXPECT_EQ(table->insert(other, reply, 100), ConnTable::Insert::clash);
    EXPECT_EQ(table->stats().connections, 1u);
    EXPECT_EQ(table->stats().created, 1u);
}

TEST_F(ConnTrack, FullTableRefusesAndExpiryFreesSlotsAfterAGracePeriod) {
    for (uint16_t i = 0; i < 4; ++i) {
        Key k = key(17, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1000 + i, 53);
        ASSERT_EQ(table->insert(k, inverse(k), 0), ConnTable::Insert::ok);
    }
    Key k = key(17, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 2000, 53);
    EXPECT_EQ(table->insert(k, inverse(k), 0), ConnTable::Insert::full);
    // hz = 1: idle 5 s is not past the 5 s UDP timeout, 6 s is.
    EXPECT_EQ(table->sweep(5, 1), 0u);
    EXPECT_EQ(table->sweep(6, 1), 4u);
    EXPECT_EQ(table->stats().connections, 0u);
    EXPECT_EQ(table->stats().expired, 4u);
    uint8_t dir;
    EXPECT_EQ(table->lookup(key(17, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1000, 53), dir), nullptr);
    rcu->synchronize(); // no readers registered: the grace period is over
    EXPECT_EQ(table->insert(k, inverse(k), 10), ConnTable::Insert::ok);
}

TEST_F(ConnTrack, TimeoutsFollowTheProtocolAndState) {
    Key k = key(6, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 1000, 80);
    Conn* c;
    ASSERT_EQ(table->insert(k, inverse(k), 0, &c), ConnTable::Insert::ok);
    EXPECT_EQ(table->timeout_tsc(*c, 1), 5u); // handshake: transitory
    c->flags.fetch_or(flag_replied);
    EXPECT_EQ(table->timeout_tsc(*c, 1), 86400u);
    c->flags.fetch_or(flag_closing);
    EXPECT_EQ(table->timeout_tsc(*c, 1), 5u);
}

TEST(Nat, PacketKeysOfQueriesErrorsAndFragments) {
    Packet p = make(IPPROTO_ICMP, ip4(10, 8, 0, 2), ip4(192, 0, 2, 1), 0x1234, 0);
    Key k;
    ASSERT_EQ(packet_key(p.ip(), p.len, k), KeyResult::ok);
    EXPECT_EQ(k, key(1, ip4(10, 8, 0, 2), ip4(192, 0, 2, 1), 0x1234, 0x1234));
    // An ICMP error quoting a UDP packet names the quoted packet's connection from the other end.
    Packet udp = make(IPPROTO_UDP, ip4(203, 0, 113, 1), ip4(192, 0, 2, 1), 1024, 53);
    Packet err;
    err.len = 20 + 8 + 28;
    auto* ip = err.ip();
    ip->version_ihl = 0x45;
    ip->next_proto_id = IPPROTO_ICMP;
    ip->src_addr = be32(ip4(192, 0, 2, 1));
    ip->dst_addr = be32(ip4(203, 0, 113, 1));
    ip->total_length = be16(static_cast<uint16_t>(err.len));
    err.l4()[0] = 3;
    err.l4()[1] = 3;
    std::memcpy(err.l4() + 8, udp.bytes, 28);
    fix_checksums(err.bytes, err.len);
    ASSERT_EQ(packet_key(err.ip(), err.len, k), KeyResult::icmp_error);
    EXPECT_EQ(k, key(17, ip4(192, 0, 2, 1), ip4(203, 0, 113, 1), 53, 1024));
    // Truncated quote, non-first fragment, short TCP header: untracked.
    EXPECT_EQ(packet_key(err.ip(), 20 + 8 + 20, k), KeyResult::untracked);
    Packet frag = make(IPPROTO_UDP, 1, 2, 3, 4);
    frag.ip()->fragment_offset = be16(10);
    EXPECT_EQ(packet_key(frag.ip(), frag.len, k), KeyResult::untracked);
    Packet tcp = make(IPPROTO_TCP, 1, 2, 3, 4);
    EXPECT_EQ(packet_key(tcp.ip(), 20 + 12, k), KeyResult::untracked);
}

TEST(Nat, RewritesKeepEveryChecksumValid) {
    for (uint8_t proto : {uint8_t{IPPROTO_TCP}, uint8_t{IPPROTO_UDP}, uint8_t{IPPROTO_ICMP}}) {
        Packet p = make(proto, ip4(10, 8, 0, 2), ip4(192, 0, 2, 1), 40000, 443);
        rewrite_src(p.ip(), p.len, be32(ip4(203, 0, 113, 1)), be16(1030));
        Key k;
        ASSERT_EQ(packet_key(p.ip(), p.len, k), KeyResult::ok);
        EXPECT_EQ(k.src, be32(ip4(203, 0, 113, 1)));
        EXPECT_EQ(k.sport, be16(1030));
        expect_checksums_valid(p);
        if (proto == IPPROTO_ICMP) continue; // the identifier is both ports
        rewrite_dst(p.ip(), p.len, be32(ip4(10, 2, 0, 2)), be16(80));
        ASSERT_EQ(packet_key(p.ip(), p.len, k), KeyResult::ok);
        EXPECT_EQ(k.dst, be32(ip4(10, 2, 0, 2)));
        EXPECT_EQ(k.dport, be16(80));
        expect_checksums_valid(p);
    }
    // UDP without a checksum keeps none.
    Packet u = make(IPPROTO_UDP, 1, 2, 3, 4);
    reinterpret_cast<rte_udp_hdr*>(u.l4())->dgram_cksum = 0;
    rewrite_src(u.ip(), u.len, be32(5), be16(6));
    EXPECT_EQ(reinterpret_cast<rte_udp_hdr*>(u.l4())->dgram_cksum, 0);
}

TEST(Nat, IcmpErrorAboutATranslatedFlowIsTranslatedBack) {
    // The client 10.8.0.2:40000 was masqueraded to 203.0.113.1:1030; a router on the way sends
    // time-exceeded about the translated packet to 203.0.113.1.
    Packet sent = make(IPPROTO_UDP, ip4(203, 0, 113, 1), ip4(192, 0, 2, 1), 1030, 53, 40);
    Packet err;
    size_t quoted = 28 + 20; // the IPv4 header, the UDP header and some payload
    err.len = 20 + 8 + quoted;
    auto* ip = err.ip();
    ip->version_ihl = 0x45;
    ip->time_to_live = 60;
    ip->next_proto_id = IPPROTO_ICMP;
    ip->src_addr = be32(ip4(198, 51, 100, 9));
    ip->dst_addr = be32(ip4(203, 0, 113, 1));
    ip->total_length = be16(static_cast<uint16_t>(err.len));
    err.l4()[0] = 11;
    std::memcpy(err.l4() + 8, sent.bytes, quoted);
    fix_checksums(err.bytes, err.len);
    Key orig = key(17, ip4(10, 8, 0, 2), ip4(192, 0, 2, 1), 40000, 53);
    ASSERT_TRUE(translate_icmp_error(err.ip(), err.len, orig));
    EXPECT_EQ(err.ip()->dst_addr, be32(ip4(10, 8, 0, 2)));
    EXPECT_EQ(err.ip()->src_addr, be32(ip4(198, 51, 100, 9))); // the router stays
    // The quoted packet is the client's as it sent it, checksums included.
    Packet original = make(IPPROTO_UDP, ip4(10, 8, 0, 2), ip4(192, 0, 2, 1), 40000, 53, 40);
    EXPECT_EQ(0, std::memcmp(err.l4() + 8, original.bytes, quoted));
    Packet check = err;
    check.ip()->hdr_checksum = 0;
    EXPECT_EQ(err.ip()->hdr_checksum, rte_ipv4_cksum(check.ip()));
    EXPECT_EQ(0xffff, rte_raw_cksum(err.l4(), err.len - 20));
    // Too short to hold the quoted header: refused.
    EXPECT_FALSE(translate_icmp_error(err.ip(), 20 + 8 + 12, orig));
}

TEST(Nat, RulesMatchInOrderAndSlicesSplitThePorts) {
    std::vector<fw::NatRule> rules(3);
    rules[0].chain = fw::NatChain::dstnat;
    rules[1].disabled = true;
    rules[2].src_address = {ip4(10, 8, 0, 0), ip4(10, 8, 0, 255)};
    rules[2].out_interface = 1;
    fw::Tuple t{};
    t.proto = 17;
    t.src = be32(ip4(10, 8, 0, 7));
    t.out_if = 1;
    EXPECT_EQ(match_nat(rules, fw::NatChain::srcnat, t), 2);
    EXPECT_EQ(match_nat(rules, fw::NatChain::dstnat, t), 0);
    t.out_if = 0;
    EXPECT_EQ(match_nat(rules, fw::NatChain::srcnat, t), -1);
    fw::Range16 a = port_slice({1024, 65535}, 0, 2), b = port_slice({1024, 65535}, 1, 2);
    EXPECT_EQ(a.lo, 1024);
    EXPECT_EQ(a.hi + 1, b.lo);
    EXPECT_EQ(b.hi, 65535);
    // One port for two workers: one of them gets it, the other an empty slice.
    fw::Range16 none = port_slice({2000, 2000}, 0, 2), one = port_slice({2000, 2000}, 1, 2);
    EXPECT_GT(none.lo, none.hi);
    EXPECT_EQ(one.lo, 2000);
    EXPECT_EQ(one.hi, 2000);
}

} // namespace
} // namespace vp::dp::ct
