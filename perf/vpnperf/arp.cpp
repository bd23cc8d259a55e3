// ARP frames (see arp.hpp).
#include "perf/vpnperf/arp.hpp"

#include "base/bytes.hpp"

#include <cstring>

namespace vp::perf {

namespace {

constexpr Mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

} // namespace

bool parse_arp(const uint8_t* frame, uint32_t frame_bytes, ArpPacket& out) {
    if (frame_bytes < kEthBytes + 28 || ether_type(frame, frame_bytes) != kEtherTypeArp)
        return false;
    const uint8_t* a = frame + kEthBytes;
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 || a[4] != 6 || a[5] != 4)
        return false;
    out.op = static_cast<uint16_t>(a[6] << 8 | a[7]);
    std::memcpy(out.sender_mac.data(), a + 8, 6);
    out.sender_ip = load_be32(a + 14);
    std::memcpy(out.target_mac.data(), a + 18, 6);
    out.target_ip = load_be32(a + 24);
    return true;
}

uint32_t write_arp(uint8_t* frame, const Mac& eth_dst, const Mac& eth_src, const ArpPacket& arp) {
    std::memset(frame, 0, kArpFrameBytes);
    std::memcpy(frame, eth_dst.data(), 6);
    std::memcpy(frame + 6, eth_src.data(), 6);
    frame[12] = 0x08;
    frame[13] = 0x06;
    uint8_t* a = frame + kEthBytes;
    a[1] = 1;    // Ethernet
    a[2] = 0x08; // IPv4
    a[4] = 6;
    a[5] = 4;
    a[6] = static_cast<uint8_t>(arp.op >> 8);
    a[7] = static_cast<uint8_t>(arp.op);
    std::memcpy(a + 8, arp.sender_mac.data(), 6);
    store_be32(a + 14, arp.sender_ip);
    std::memcpy(a + 18, arp.target_mac.data(), 6);
    store_be32(a + 24, arp.target_ip);
    return kArpFrameBytes;
}

uint32_t write_arp_request(uint8_t* frame, const Mac& sender_mac, net::Ipv4 sender_ip,
                           net::Ipv4 target) {
    ArpPacket arp;
    arp.op = kArpRequest;
    arp.sender_mac = sender_mac;
    arp.sender_ip = sender_ip;
    arp.target_ip = target;
    return write_arp(frame, kBroadcast, sender_mac, arp);
}

uint32_t write_arp_reply(uint8_t* frame, const ArpPacket& request, const Mac& own_mac) {
    ArpPacket reply;
    reply.op = kArpReply;
    reply.sender_mac = own_mac;
    reply.sender_ip = request.target_ip;
    reply.target_mac = request.sender_mac;
    reply.target_ip = request.sender_ip;
    return write_arp(frame, request.sender_mac, own_mac, reply);
}

} // namespace vp::perf
