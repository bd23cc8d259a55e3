// IPv4 header validation (RFC 1812 §5.2.2 checks a router must make before forwarding).
#include "dataplane/ip/ipv4_header.hpp"

#include <rte_ip.h>

#include <cstring>

namespace vp::dp {

Ipv4Check check_ipv4(const uint8_t* ip, size_t available, bool verify_checksum, Ipv4Facts& facts) {
    if (available < sizeof(rte_ipv4_hdr)) return Ipv4Check::BadHeader;
    uint8_t version_ihl = ip[0];
    if ((version_ihl >> 4) != 4) return Ipv4Check::BadHeader;
    size_t header_len = static_cast<size_t>(version_ihl & 0x0f) * 4;
    if (header_len < sizeof(rte_ipv4_hdr) || header_len > available) return Ipv4Check::BadHeader;
    if (verify_checksum && rte_raw_cksum(ip, header_len) != 0xffff) return Ipv4Check::BadChecksum;
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

} // namespace vp::dp
