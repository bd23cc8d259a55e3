// NAT44 packet work, independent of the worker: a packet's conntrack key (ICMP errors give the
// key of the packet they quote), the rewrite of source or destination address and port with
// incremental checksum updates (IPv4 header, TCP/UDP pseudo-header and ports, ICMP identifier),
// the translation of ICMP errors about translated flows (outer destination, quoted header and
// its checksums), and NAT rule matching on the filter's tuple.
#pragma once

#include "dataplane/conntrack/conntrack.hpp"
#include "dataplane/firewall/filter.hpp"
#include "dataplane/firewall/rules.hpp"

#include <cstddef>
#include <cstdint>

struct rte_ipv4_hdr;

namespace vp::dp::ct {

// The packet's key (KeyResult: conntrack.hpp). `ip`: a validated IPv4 header with `len` bytes of
// datagram (total_length) behind it.
KeyResult packet_key(const rte_ipv4_hdr* ip, size_t len, Key& key);

// Rewrites the destination (prerouting) or source (postrouting) address and port (big-endian)
// of a packet whose key packet_key gave as `ok`. Ports of protocols without them are ignored;
// an ICMP echo's identifier is both ports.
void rewrite_dst(rte_ipv4_hdr* ip, size_t len, uint32_t addr, uint16_t port);
void rewrite_src(rte_ipv4_hdr* ip, size_t len, uint32_t addr, uint16_t port);

// An ICMP error whose quoted packet belongs to a connection: `quoted` is what that packet was
// before translation (the connection's key of its direction). The quoted header becomes it, the
// outer destination its source, the outer source its destination when the error came from the
// quoted packet's destination itself. Checksums follow (the ICMP one recomputed over what
// is there). False when the quoted header is too short to rewrite.
bool translate_icmp_error(rte_ipv4_hdr* ip, size_t len, const Key& quoted);

// The first enabled rule of `chain` matching tuple `t` (index into rules), -1: none.
int match_nat(const std::vector<fw::NatRule>& rules, fw::NatChain chain, const fw::Tuple& t);

// The port slice of worker `w` of `n` within [lo, hi].
fw::Range16 port_slice(fw::Range16 range, unsigned w, unsigned n);

} // namespace vp::dp::ct
