// The outer IPv4/UDP header of OpenVPN packets: locating the UDP payload of a received packet that
// the IPv4 input stage has already validated (header length, total length against the frame),
// and the one builder of the headers in front of a packet the appliance sends (the workers'
// encapsulation and the control plane's datagrams, control/ovpn/worker_dataplane.cpp).
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

struct OuterHeader {
    uint32_t src_ip_be;
    uint32_t dst_ip_be;
    uint16_t src_port_be;
    uint16_t dst_port_be;
    uint16_t payload_len; // UDP payload bytes
    uint16_t ip_id;       // host order
};

// Writes a 20-byte IPv4 header (DF clear, TTL 64, checksum filled in) and a UDP header with a
// zero checksum (optional for IPv4, RFC 768) at `ip`; returns the UDP header.
inline rte_udp_hdr* write_outer_header(rte_ipv4_hdr* ip, const OuterHeader& h) {
    uint16_t udp_len = static_cast<uint16_t>(sizeof(rte_udp_hdr) + h.payload_len);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(sizeof(rte_ipv4_hdr) + udp_len));
    ip->packet_id = rte_cpu_to_be_16(h.ip_id);
    ip->fragment_offset = 0;
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = h.src_ip_be;
    ip->dst_addr = h.dst_ip_be;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
    udp->src_port = h.src_port_be;
    udp->dst_port = h.dst_port_be;
    udp->dgram_len = rte_cpu_to_be_16(udp_len);
    udp->dgram_cksum = 0;
    return udp;
}

} // namespace vp::dp::ovpn
