// NAT44 packet rewriting and rule matching (see nat.hpp). Every read is bounded by the datagram's
// length; multi-byte fields are read and written with memcpy (the worker's IPv4 headers start at
// offset 14, so 32-bit fields are only 2-byte aligned).
#include "dataplane/conntrack/nat.hpp"

#include "dataplane/ip/checksum.hpp"
#include "dataplane/tables/lf_hash.hpp"

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <cstddef>
#include <cstring>

namespace vp::dp::ct {

namespace {

constexpr uint8_t proto_icmp = 1, proto_tcp = 6, proto_udp = 17;

uint16_t load16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
void store16(uint8_t* p, uint16_t v) {
    std::memcpy(p, &v, 2);
}

bool icmp_query(uint8_t type) {
    return type == 0 || type == 8 || (type >= 13 && type <= 18);
}
bool icmp_error_type(uint8_t type) {
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// The key of a (possibly quoted) packet: `l4` holds `l4_len` bytes of its transport header.
bool l4_key(uint8_t proto, const uint8_t* l4, size_t l4_len, bool quoted, Key& k) {
    switch (proto) {
    case proto_tcp:
    case proto_udp:
        // A quoted header needs only the ports; a packet the whole header.
        if (l4_len < (quoted ? 4u : (proto == proto_tcp ? 20u : 8u))) return false;
        k.sport = load16(l4);
        k.dport = load16(l4 + 2);
        return true;
    case proto_icmp:
        if (l4_len < 8 || !icmp_query(l4[0])) return false;
        k.sport = k.dport = load16(l4 + 4);
        return true;
    default:
        return true; // addresses only
    }
}

// Offset of the checksum a protocol's ports/pseudo-header changes touch, and the bytes it needs.
bool l4_checksum_at(uint8_t proto, size_t& at) {
    if (proto == proto_tcp) return at = 16, true;
    if (proto == proto_udp) return at = 6, true;
    if (proto == proto_icmp) return at = 2, true;
    return false;
}

// Rewrites address `*addr` and port at `port_at` (both in the packet) with checksums: `ip_sum`
// (the IPv4 header's), the transport checksum at l4 + its offset when it lies within `l4_len`.
// `addr` points into the packet (2-byte aligned at best): read and written with memcpy.
void rewrite(rte_ipv4_hdr* ip, uint8_t* l4, size_t l4_len, void* addr, size_t port_at,
             uint32_t new_addr, uint16_t new_port, bool ports) {
    uint8_t proto = ip->next_proto_id;
    uint32_t old_addr;
    std::memcpy(&old_addr, addr, 4);
    std::memcpy(addr, &new_addr, 4);
    ip->hdr_checksum = checksum_update32(ip->hdr_checksum, old_addr, new_addr);
    size_t sum_at;
    bool has_sum = l4_checksum_at(proto, sum_at) && l4_len >= sum_at + 2;
    uint16_t sum = has_sum ? load16(l4 + sum_at) : 0;
    bool udp_none = proto == proto_udp && sum == 0;
    if (has_sum && proto != proto_icmp && !udp_none)
        sum = checksum_update32(sum, old_addr, new_addr); // pseudo-header
    if (ports && l4_len >= port_at + 2) {
        uint16_t old_port = load16(l4 + port_at);
        store16(l4 + port_at, new_port);
        if (has_sum && !udp_none) sum = checksum_update16(sum, old_port, new_port);
    }
    if (has_sum && !udp_none) {
        if (proto == proto_udp && sum == 0) sum = 0xffff;
        store16(l4 + sum_at, sum);
    }
}

struct L4 {
    uint8_t* p;
    size_t len;
};
L4 l4_of(rte_ipv4_hdr* ip, size_t len) {
    size_t hl = rte_ipv4_hdr_len(ip);
    return {reinterpret_cast<uint8_t*>(ip) + hl, len > hl ? len - hl : 0};
}

bool has_ports(uint8_t proto, const uint8_t* l4, size_t l4_len) {
    if (proto == proto_tcp || proto == proto_udp) return true;
    return proto == proto_icmp && l4_len >= 8 && icmp_query(l4[0]);
}

bool in(const fw::Range32& r, uint32_t be) {
    uint32_t v = rte_be_to_cpu_32(be);
    return v >= r.lo && v <= r.hi;
}
bool in_ports(const std::vector<fw::Range16>& rs, uint16_t be) {
    if (rs.empty()) return true;
    uint16_t v = rte_be_to_cpu_16(be);
    for (auto& r : rs)
        if (v >= r.lo && v <= r.hi) return true;
    return false;
}

} // namespace

KeyResult packet_key(const rte_ipv4_hdr* ip, size_t len, Key& key) {
    key = Key{};
    key.tag = lf_hash_key_tag;
    key.proto = ip->next_proto_id;
    key.src = ip->src_addr;
    key.dst = ip->dst_addr;
    if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) return KeyResult::untracked;
    size_t hl = rte_ipv4_hdr_len(ip);
    if (len < hl) return KeyResult::untracked;
    const auto* l4 = reinterpret_cast<const uint8_t*>(ip) + hl;
    size_t l4_len = len - hl;
    if (key.proto == proto_icmp && l4_len >= 8 && icmp_error_type(l4[0])) {
        // The quoted packet: an IPv4 header and at least the first 8 bytes of its payload.
        const uint8_t* q = l4 + 8;
        size_t q_len = l4_len - 8;
        if (q_len < sizeof(rte_ipv4_hdr)) return KeyResult::untracked;
        auto* qip = reinterpret_cast<const rte_ipv4_hdr*>(q);
        size_t qhl = rte_ipv4_hdr_len(qip);
        if ((qip->version_ihl >> 4) != 4 || qhl < sizeof(rte_ipv4_hdr) || q_len < qhl)
            return KeyResult::untracked;
        if (qip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) return KeyResult::untracked;
        Key inner{};
        inner.tag = lf_hash_key_tag;
        inner.proto = qip->next_proto_id;
        inner.src = qip->src_addr;
        inner.dst = qip->dst_addr;
        if (!l4_key(inner.proto, q + qhl, q_len - qhl, true, inner)) return KeyResult::untracked;
        key = inverse(inner);
        return KeyResult::icmp_error;
    }
    if (key.proto == proto_icmp && l4_len >= 8 && !icmp_query(l4[0]))
        return KeyResult::ok; // other ICMP (router advertisements...): addresses only
    if (!l4_key(key.proto, l4, l4_len, false, key)) return KeyResult::untracked;
    return KeyResult::ok;
}

void rewrite_dst(rte_ipv4_hdr* ip, size_t len, uint32_t addr, uint16_t port) {
    L4 l4 = l4_of(ip, len);
    uint8_t proto = ip->next_proto_id;
    bool ports = has_ports(proto, l4.p, l4.len);
    size_t at = proto == proto_icmp ? 4 : 2;
    rewrite(ip, l4.p, l4.len, reinterpret_cast<uint8_t*>(ip) + offsetof(rte_ipv4_hdr, dst_addr), at,
            addr, port, ports);
}

void rewrite_src(rte_ipv4_hdr* ip, size_t len, uint32_t addr, uint16_t port) {
    L4 l4 = l4_of(ip, len);
    uint8_t proto = ip->next_proto_id;
    bool ports = has_ports(proto, l4.p, l4.len);
    size_t at = proto == proto_icmp ? 4 : 0;
    rewrite(ip, l4.p, l4.len, reinterpret_cast<uint8_t*>(ip) + offsetof(rte_ipv4_hdr, src_addr), at,
            addr, port, ports);
}

bool translate_icmp_error(rte_ipv4_hdr* ip, size_t len, const Key& quoted) {
    L4 l4 = l4_of(ip, len);
    if (l4.len < 8 + sizeof(rte_ipv4_hdr)) return false;
    auto* qip = reinterpret_cast<rte_ipv4_hdr*>(l4.p + 8);
    size_t q_len = l4.len - 8;
    size_t qhl = rte_ipv4_hdr_len(qip);
    if (qhl < sizeof(rte_ipv4_hdr) || q_len < qhl) return false;
    uint8_t* ql4 = l4.p + 8 + qhl;
    size_t ql4_len = q_len - qhl;
    // The outer header: to the quoted packet's sender, from its destination if it sent this.
    if (ip->src_addr == qip->dst_addr && ip->src_addr != quoted.dst) {
        uint32_t old = ip->src_addr;
        ip->src_addr = quoted.dst;
        ip->hdr_checksum = checksum_update32(ip->hdr_checksum, old, quoted.dst);
    }
    if (ip->dst_addr != quoted.src) {
        uint32_t old = ip->dst_addr;
        ip->dst_addr = quoted.src;
        ip->hdr_checksum = checksum_update32(ip->hdr_checksum, old, quoted.src);
    }
    // The quoted header and ports (and its transport checksum when quoted far enough).
    bool ports = has_ports(qip->next_proto_id, ql4, ql4_len) &&
                 (qip->next_proto_id == proto_icmp || ql4_len >= 4);
    bool icmp = qip->next_proto_id == proto_icmp;
    rewrite(qip, ql4, ql4_len, reinterpret_cast<uint8_t*>(qip) + offsetof(rte_ipv4_hdr, src_addr),
            icmp ? 4 : 0, quoted.src, quoted.sport, ports);
    // An ICMP query's identifier is one field: written once above.
    rewrite(qip, ql4, ql4_len, reinterpret_cast<uint8_t*>(qip) + offsetof(rte_ipv4_hdr, dst_addr),
            2, quoted.dst, quoted.dport, ports && !icmp);
    // The ICMP checksum covers the whole message: recomputed.
    store16(l4.p + 2, 0);
    uint16_t sum = static_cast<uint16_t>(~rte_raw_cksum(l4.p, l4.len));
    store16(l4.p + 2, sum);
    return true;
}

int match_nat(const std::vector<fw::NatRule>& rules, fw::NatChain chain, const fw::Tuple& t) {
    for (size_t i = 0; i < rules.size(); ++i) {
        const fw::NatRule& r = rules[i];
        if (r.disabled || r.chain != chain) continue;
        if (r.protocol >= 0 && r.protocol != t.proto) continue;
        if (!in(r.src_address, t.src) || !in(r.dst_address, t.dst)) continue;
        if (!in_ports(r.src_ports, t.src_port) || !in_ports(r.dst_ports, t.dst_port)) continue;
        if (r.in_interface != fw::any_interface && r.in_interface != t.in_if) continue;
        if (r.out_interface != fw::any_interface && r.out_interface != t.out_if) continue;
        if ((rte_be_to_cpu_16(t.in_lists) & r.in_lists) != r.in_lists) continue;
        if ((rte_be_to_cpu_16(t.out_lists) & r.out_lists) != r.out_lists) continue;
        if (r.src_list && !fw::in_ranges(*r.src_list, rte_be_to_cpu_32(t.src))) continue;
        if (r.dst_list && !fw::in_ranges(*r.dst_list, rte_be_to_cpu_32(t.dst))) continue;
        return static_cast<int>(i);
    }
    return -1;
}

fw::Range16 port_slice(fw::Range16 range, unsigned w, unsigned n) {
    uint32_t size = uint32_t{range.hi} - range.lo + 1;
    uint32_t lo = range.lo + size * w / n;
    uint32_t hi = range.lo + size * (w + 1) / n; // exclusive
    if (hi <= lo) return {1, 0};                 // empty
    return {static_cast<uint16_t>(lo), static_cast<uint16_t>(hi - 1)};
}

} // namespace vp::dp::ct
