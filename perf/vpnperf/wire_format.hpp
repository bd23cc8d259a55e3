// vpnperf's packets, byte by byte: Ethernet II / IPv4 / UDP frames carrying either a plaintext
// inner packet (the LAN side) or an OpenVPN DATA_V2 packet sealed with crypto::CryptoEngine (the
// WAN side, openvpn.md "Data channel"), the inner packets themselves (IPv4/UDP with a pattern or a
// latency probe stamp), and the parsers vpnperf's receive path uses. Works on plain byte buffers
// (mbuf data or a pcap record alike): no DPDK here, so unit tests and the pcap writer use it too.
//
// Frame layout of a decap (client -> server) packet:
//   [Ethernet 14][IPv4 20][UDP 8][op<<3|key_id 1][peer-id 3] then, as engine.hpp lays it out,
//   AEAD:      [packet-id 4][tag 16][E(inner)]
//   CBC+HMAC:  [HMAC][IV 16][E(packet-id 4 || inner || PKCS#7)]
//
// Sealing is two-step so that a caller can seal a whole batch with one engine call:
// prepare_data_v2_frame() writes everything but the crypto and fills a DataOp; after
// CryptoEngine::process(), finish_data_v2_frame() writes the lengths and checksums.
#pragma once

#include "base/ipv4.hpp"
#include "crypto/data_key.hpp"
#include "crypto/engine.hpp"
#include "dataplane/ovpn/wire.hpp"

#include <array>
#include <cstdint>

namespace vp::perf {

using Mac = std::array<uint8_t, 6>;

inline constexpr uint32_t kEthBytes = 14;
inline constexpr uint32_t kIpv4Bytes = 20;
inline constexpr uint32_t kUdpBytes = 8;
inline constexpr uint32_t kOuterHeaderBytes = kEthBytes + kIpv4Bytes + kUdpBytes; // 42
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint8_t kOpDataV2 = dp::ovpn::op_data_v2; // the one wire definition
inline constexpr uint16_t kInnerUdpPort = 9; // discard: the inner packets' destination port

// A latency probe's payload (start of the inner UDP payload): magic, TSC when it was built,
// sequence number, session index.
inline constexpr uint64_t kProbeMagic = 0x56504e5045524631ull; // "VPNPERF1"
inline constexpr uint32_t kProbeBytes = 24;
inline constexpr uint32_t kMinInnerBytes = kIpv4Bytes + kUdpBytes + kProbeBytes; // 52
inline constexpr uint32_t kMaxInnerBytes = 1500;

struct ProbeStamp {
    uint64_t tsc = 0;
    uint32_t seq = 0;
    uint32_t session = 0;
};

struct L2Addresses {
    Mac src{};
    Mac dst{};
};

struct Ipv4Flow { // host byte order
    net::Ipv4 src = 0;
    net::Ipv4 dst = 0;
    uint16_t src_port = 0;
    uint16_t dst_port = 0;
};

// Bytes of the OpenVPN packet (the outer UDP payload) that carries `inner_bytes` of plaintext.
uint32_t data_v2_bytes(const crypto::DataKey& key, uint32_t inner_bytes);
inline uint32_t data_v2_frame_bytes(const crypto::DataKey& key, uint32_t inner_bytes) {
    return kOuterHeaderBytes + data_v2_bytes(key, inner_bytes);
}
// Room a frame buffer needs while sealing (the frame plus the engine's padding tail).
inline uint32_t data_v2_buffer_bytes(const crypto::DataKey& key, uint32_t inner_bytes) {
    return data_v2_frame_bytes(key, inner_bytes) + key.tail_bytes();
}

// Writes an IPv4/UDP packet of `ip_bytes` (kMinInnerBytes..kMaxInnerBytes) at `out`: checksummed
// headers, then the probe stamp (if given) and a byte pattern. `ip_id` goes in the IPv4 id field.
void write_inner_packet(uint8_t* out, uint32_t ip_bytes, const Ipv4Flow& flow, uint16_t ip_id,
                        const ProbeStamp* probe);

// Frame of a plaintext inner packet (Ethernet + write_inner_packet). Returns the frame bytes.
uint32_t write_plain_frame(uint8_t* frame, const L2Addresses& l2, uint32_t ip_bytes,
                           const Ipv4Flow& flow, uint16_t ip_id, const ProbeStamp* probe);

struct DataV2Header {
    Ipv4Flow outer; // client endpoint -> server (decap) or server -> client (encap)
    uint32_t peer_id = 0;
    uint8_t key_id = 0;
    uint32_t packet_id = 0;
};

// Step one of sealing (see the file comment). `frame` must have data_v2_buffer_bytes() of room.
void prepare_data_v2_frame(uint8_t* frame, const L2Addresses& l2, const DataV2Header& header,
                           const crypto::DataKey& key, uint32_t inner_bytes,
                           const Ipv4Flow& inner_flow, uint16_t ip_id, const ProbeStamp* probe,
                           crypto::DataOp& op);
// Step two: returns the frame bytes, or 0 if the op failed.
uint32_t finish_data_v2_frame(uint8_t* frame, const crypto::DataOp& op);

// A parsed Ethernet/IPv4/UDP frame. Addresses and ports in host order; pointers into the frame.
struct UdpFrame {
    Ipv4Flow flow;
    const uint8_t* ip = nullptr;
    uint32_t ip_bytes = 0; // IPv4 total length
    uint8_t* payload = nullptr;
    uint32_t payload_bytes = 0;
};

uint16_t ether_type(const uint8_t* frame, uint32_t frame_bytes);
// Ethernet II + IPv4 (any header length, not a fragment) + UDP, lengths consistent with the frame.
bool parse_udp_frame(uint8_t* frame, uint32_t frame_bytes, UdpFrame& out);
// The same on a bare IPv4 packet (a decrypted inner packet).
bool parse_udp_packet(uint8_t* ip, uint32_t ip_bytes, UdpFrame& out);
// The probe stamp at the start of a UDP payload, if its magic is there.
bool read_probe(const uint8_t* payload, uint32_t payload_bytes, ProbeStamp& out);

// DATA_V2 opcode byte and peer-id of an OpenVPN packet (the outer UDP payload).
bool read_data_v2_header(const uint8_t* packet, uint32_t bytes, uint8_t& key_id, uint32_t& peer_id);
// Sets up `op` to open a received DATA_V2 packet in place. False if it is too short.
bool prepare_open(uint8_t* packet, uint32_t bytes, const crypto::DataKey& key, crypto::DataOp& op);
// After the engine opened it: the inner IPv4 packet (skips CBC's packet-id). False on failure.
bool opened_inner(const crypto::DataOp& op, uint8_t*& inner, uint32_t& inner_bytes);

// RFC 1071 checksum of `bytes` at `data`, folded, not complemented; `sum` carries a partial sum.
uint32_t checksum_add(const uint8_t* data, uint32_t bytes, uint32_t sum);
uint16_t checksum_fold(uint32_t sum);

} // namespace vp::perf
