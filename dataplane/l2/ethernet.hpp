// Writing an Ethernet header. Decapsulated packets keep their inner IPv4 header where it was
// decrypted, so the 14 bytes in front of it can sit at any address: write them bytewise rather
// than through rte_ether_hdr (which requires 2-byte alignment).
#pragma once

#include <rte_ether.h>

#include <cstdint>
#include <cstring>

namespace vp::dp {

inline void write_ipv4_ethernet_header(uint8_t* frame, const uint8_t* dst_mac,
                                       const rte_ether_addr& src_mac) {
    std::memcpy(frame, dst_mac, RTE_ETHER_ADDR_LEN);
    std::memcpy(frame + RTE_ETHER_ADDR_LEN, src_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    frame[12] = RTE_ETHER_TYPE_IPV4 >> 8;
    frame[13] = RTE_ETHER_TYPE_IPV4 & 0xff;
}

} // namespace vp::dp
