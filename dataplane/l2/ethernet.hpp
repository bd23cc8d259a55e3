// Writing Ethernet and ARP headers. Decapsulated packets keep their inner IPv4 header where it
// was decrypted, so the 14 bytes in front of it can sit at any address: write them bytewise
// rather than through rte_ether_hdr (which requires 2-byte alignment).
#pragma once

#include <rte_arp.h>
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

// Turns an ARP request (frame at `eth`, received frames are aligned) into the reply that
// `our_mac` owns its target address, in place, ready to send back out the same port.
inline void make_arp_reply(rte_ether_hdr* eth, const rte_ether_addr& our_mac) {
    auto* arp = reinterpret_cast<rte_arp_hdr*>(eth + 1);
    uint32_t sip = arp->arp_data.arp_sip;
    arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
    arp->arp_data.arp_tha = arp->arp_data.arp_sha;
    arp->arp_data.arp_sha = our_mac;
    arp->arp_data.arp_sip = arp->arp_data.arp_tip;
    arp->arp_data.arp_tip = sip;
    eth->dst_addr = eth->src_addr;
    eth->src_addr = our_mac;
}

} // namespace vp::dp
