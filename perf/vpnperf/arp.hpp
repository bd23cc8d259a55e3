// ARP as vpnperf speaks it: it asks for the appliance's MAC addresses (who-has server / LAN
// gateway) and answers every request for an address it impersonates (the client endpoints on the
// WAN side, the LAN host on the LAN side) — otherwise the appliance would hold its packets while
// it resolves them. Byte-level, no DPDK: the receive loop calls it on mbuf data.
#pragma once

#include "perf/vpnperf/wire_format.hpp"

#include <cstdint>

namespace vp::perf {

inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;
// Ethernet minimum frame without FCS; ARP frames are padded to it.
inline constexpr uint32_t kArpFrameBytes = 60;

struct ArpPacket {
    uint16_t op = 0;
    Mac sender_mac{};
    net::Ipv4 sender_ip = 0; // host order
    Mac target_mac{};
    net::Ipv4 target_ip = 0;
};

// Ethernet/IPv4 ARP only (hardware type 1, protocol 0x0800, lengths 6 and 4).
bool parse_arp(const uint8_t* frame, uint32_t frame_bytes, ArpPacket& out);

// Writes an ARP frame (kArpFrameBytes, zero padded); returns its length.
uint32_t write_arp(uint8_t* frame, const Mac& eth_dst, const Mac& eth_src, const ArpPacket& arp);

// A broadcast who-has `target` from `sender_mac`/`sender_ip`.
uint32_t write_arp_request(uint8_t* frame, const Mac& sender_mac, net::Ipv4 sender_ip,
                           net::Ipv4 target);

// Rewrites the request in `frame` into the reply "`request.target_ip` is at `own_mac`", sent back
// to the asker. Returns the frame length.
uint32_t write_arp_reply(uint8_t* frame, const ArpPacket& request, const Mac& own_mac);

} // namespace vp::perf
