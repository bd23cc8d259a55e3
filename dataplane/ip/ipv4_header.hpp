// IPv4 header checks shared by the input stage and its tests: a pure function over the bytes
// after the Ethernet header, so that it can be fuzzed. Inline: the IPv4 input and session input
// stages call it per packet in their burst loops (RFC 1812 §5.2.2 checks a router must make
// before forwarding).
#pragma once

#include "dataplane/worker/counters.hpp"

#include <rte_ip.h>

#include <cstddef>
#include <cstdint>

namespace vp::dp {

enum class Ipv4Check : uint8_t { Ok, BadHeader, BadChecksum, BadLength, Martian };

struct Ipv4Facts {
    uint16_t header_len; // bytes
    uint16_t total_len;  // from the header; the frame may carry padding beyond it
    bool fragment;       // MF set or a non-zero offset
    bool first_fragment; // offset zero (the L4 header is present)
    bool dont_fragment;
};

// True for sources no host may use: 0/8, 127/8, 224/4 and above (multicast, reserved, broadcast).
inline bool martian_source(uint32_t src_host_order) {
    uint8_t first = static_cast<uint8_t>(src_host_order >> 24);
    return first == 0 || first == 127 || first >= 224;
}

// `ip` points at the IPv4 header; `available` bytes follow it in the frame. `verify_checksum`
// is false when the NIC already verified it.
inline Ipv4Check check_ipv4(const uint8_t* ip, size_t available, bool verify_checksum,
                            Ipv4Facts& facts) {
    if (available < sizeof(rte_ipv4_hdr)) return Ipv4Check::BadHeader;
    uint8_t version_ihl = ip[0];
    if ((version_ihl >> 4) != 4) return Ipv4Check::BadHeader;
    size_t header_len = static_cast<size_t>(version_ihl & 0x0f) * 4;
    if (header_len < sizeof(rte_ipv4_hdr) || header_len > available) return Ipv4Check::BadHeader;
    if (verify_checksum) {
        // The common 20-byte header with a constant length: the compiler unrolls the sum.
        uint16_t sum = header_len == sizeof(rte_ipv4_hdr) ? rte_raw_cksum(ip, sizeof(rte_ipv4_hdr))
                                                          : rte_raw_cksum(ip, header_len);
        if (sum != 0xffff) return Ipv4Check::BadChecksum;
    }
    uint16_t total_len = static_cast<uint16_t>(ip[2] << 8 | ip[3]);
    if (total_len < header_len || total_len > available) return Ipv4Check::BadLength;
    uint32_t src = static_cast<uint32_t>(ip[12]) << 24 | static_cast<uint32_t>(ip[13]) << 16 |
                   static_cast<uint32_t>(ip[14]) << 8 | ip[15];
    if (martian_source(src)) return Ipv4Check::Martian;
    uint16_t fragment = static_cast<uint16_t>(ip[6] << 8 | ip[7]);
    facts.header_len = static_cast<uint16_t>(header_len);
    facts.total_len = total_len;
    facts.dont_fragment = fragment & RTE_IPV4_HDR_DF_FLAG;
    facts.fragment = fragment & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK);
    facts.first_fragment = (fragment & RTE_IPV4_HDR_OFFSET_MASK) == 0;
    return Ipv4Check::Ok;
}

// The drop reason a failed check is counted under (`Ok` has none; callers test it first).
constexpr DropReason drop_reason(Ipv4Check check) {
    switch (check) {
    case Ipv4Check::BadChecksum:
        return DropReason::ipv4_bad_checksum;
    case Ipv4Check::BadLength:
        return DropReason::ipv4_bad_length;
    case Ipv4Check::Martian:
        return DropReason::ipv4_martian;
    case Ipv4Check::Ok:
    case Ipv4Check::BadHeader:
        break;
    }
    return DropReason::ipv4_bad_header;
}

} // namespace vp::dp
