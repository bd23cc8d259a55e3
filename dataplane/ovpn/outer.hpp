// Locating the UDP payload of an outer IPv4/UDP packet that the IPv4 input stage has already
// validated (header length, total length against the frame).
#pragma once

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <cstdint>

namespace vp::dp::ovpn {

struct OuterUdp {
    uint8_t* payload;
    uint16_t payload_len;
    uint32_t src_ip_be;
    uint16_t src_port_be;
};

inline bool locate_udp_payload(rte_mbuf* m, OuterUdp& out) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    uint16_t ip_header = static_cast<uint16_t>(rte_ipv4_hdr_len(ip));
    uint16_t total = rte_be_to_cpu_16(ip->total_length);
    if (total < ip_header + sizeof(rte_udp_hdr)) return false;
    auto* udp = reinterpret_cast<rte_udp_hdr*>(reinterpret_cast<uint8_t*>(ip) + ip_header);
    uint16_t udp_len = rte_be_to_cpu_16(udp->dgram_len);
    if (udp_len < sizeof(rte_udp_hdr) || udp_len > total - ip_header) return false;
    out.payload = reinterpret_cast<uint8_t*>(udp + 1);
    out.payload_len = static_cast<uint16_t>(udp_len - sizeof(rte_udp_hdr));
    out.src_ip_be = ip->src_addr;
    out.src_port_be = udp->src_port;
    return true;
}

} // namespace vp::dp::ovpn
