// Building and parsing vpnperf's frames (see wire_format.hpp).
#include "perf/vpnperf/wire_format.hpp"

#include <cstring>

namespace vp::perf {

namespace {

constexpr uint32_t kOvpnOffset = kOuterHeaderBytes; // opcode/peer-id
constexpr uint32_t kOpPeerBytes = dp::ovpn::data_v2_header_bytes;
constexpr uint32_t kPacketIdBytes = 4;

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}
void put64(uint8_t* p, uint64_t v) {
    put32(p, static_cast<uint32_t>(v >> 32));
    put32(p + 4, static_cast<uint32_t>(v));
}
uint16_t get16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t get32(const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | p[3];
}
uint64_t get64(const uint8_t* p) {
    return static_cast<uint64_t>(get32(p)) << 32 | get32(p + 4);
}

void write_ethernet(uint8_t* frame, const L2Addresses& l2, uint16_t type) {
    std::memcpy(frame, l2.dst.data(), 6);
    std::memcpy(frame + 6, l2.src.data(), 6);
    put16(frame + 12, type);
}

// IPv4 header without options (total length and checksum by set_ipv4_length) + UDP header
// (length and checksum by set_udp_length_and_checksum).
void write_ipv4_udp_headers(uint8_t* ip, const Ipv4Flow& flow, uint16_t ip_id) {
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 4, ip_id);
    put16(ip + 6, 0); // no flags, offset 0
    ip[8] = 64;
    ip[9] = 17; // UDP
    put32(ip + 12, flow.src);
    put32(ip + 16, flow.dst);
    uint8_t* udp = ip + kIpv4Bytes;
    put16(udp, flow.src_port);
    put16(udp + 2, flow.dst_port);
}

void set_lengths_and_checksums(uint8_t* ip, uint32_t ip_bytes) {
    put16(ip + 2, static_cast<uint16_t>(ip_bytes));
    put16(ip + 10, 0);
    put16(ip + 10, static_cast<uint16_t>(~checksum_fold(checksum_add(ip, kIpv4Bytes, 0))));
    uint8_t* udp = ip + kIpv4Bytes;
    const uint32_t udp_bytes = ip_bytes - kIpv4Bytes;
    put16(udp + 4, static_cast<uint16_t>(udp_bytes));
    put16(udp + 6, 0);
    // Pseudo-header: source, destination, protocol, UDP length.
    uint32_t sum = checksum_add(ip + 12, 8, 0) + 17 + udp_bytes;
    uint16_t c = static_cast<uint16_t>(~checksum_fold(checksum_add(udp, udp_bytes, sum)));
    put16(udp + 6, c == 0 ? 0xffff : c); // 0 means "no checksum" in IPv4 UDP
}

uint32_t region_offset(const crypto::DataKey& key) {
    return kOvpnOffset + kOpPeerBytes + (crypto::is_aead(key.cipher()) ? kPacketIdBytes : 0);
}

} // namespace

uint32_t checksum_add(const uint8_t* data, uint32_t bytes, uint32_t sum) {
    uint64_t s = sum;
    uint32_t i = 0;
    for (; i + 1 < bytes; i += 2)
        s += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (i < bytes) s += static_cast<uint32_t>(data[i] << 8);
    while (s >> 32)
        s = (s & 0xffffffff) + (s >> 32);
    return static_cast<uint32_t>(s);
}

uint16_t checksum_fold(uint32_t sum) {
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

uint32_t data_v2_bytes(const crypto::DataKey& key, uint32_t inner_bytes) {
    if (crypto::is_aead(key.cipher()))
        return kOpPeerBytes + kPacketIdBytes + key.auth_bytes() + inner_bytes;
    uint32_t body = kPacketIdBytes + inner_bytes;
    if (crypto::is_cbc(key.cipher())) body = (body / 16 + 1) * 16; // PKCS#7 adds 1..16
    return kOpPeerBytes + key.header_bytes() + body;
}

void write_inner_packet(uint8_t* out, uint32_t ip_bytes, const Ipv4Flow& flow, uint16_t ip_id,
                        const ProbeStamp* probe) {
    write_ipv4_udp_headers(out, flow, ip_id);
    uint8_t* payload = out + kIpv4Bytes + kUdpBytes;
    const uint32_t payload_bytes = ip_bytes - kIpv4Bytes - kUdpBytes;
    uint32_t i = 0;
    if (probe != nullptr && payload_bytes >= kProbeBytes) {
        put64(payload, kProbeMagic);
        put64(payload + 8, probe->tsc);
        put32(payload + 16, probe->seq);
        put32(payload + 20, probe->session);
        i = kProbeBytes;
    }
    for (; i < payload_bytes; ++i)
        payload[i] = static_cast<uint8_t>(i * 7 + 1);
    set_lengths_and_checksums(out, ip_bytes);
}

uint32_t write_plain_frame(uint8_t* frame, const L2Addresses& l2, uint32_t ip_bytes,
                           const Ipv4Flow& flow, uint16_t ip_id, const ProbeStamp* probe) {
    write_ethernet(frame, l2, kEtherTypeIpv4);
    write_inner_packet(frame + kEthBytes, ip_bytes, flow, ip_id, probe);
    return kEthBytes + ip_bytes;
}

void prepare_data_v2_frame(uint8_t* frame, const L2Addresses& l2, const DataV2Header& header,
                           const crypto::DataKey& key, uint32_t inner_bytes,
                           const Ipv4Flow& inner_flow, uint16_t ip_id, const ProbeStamp* probe,
                           crypto::DataOp& op) {
    write_ethernet(frame, l2, kEtherTypeIpv4);
    write_ipv4_udp_headers(frame + kEthBytes, header.outer, ip_id);
    uint8_t* ovpn = frame + kOvpnOffset;
    dp::ovpn::write_data_v2_header(ovpn, header.key_id, header.peer_id);
    uint8_t* region = frame + region_offset(key);
    uint8_t* body = region + key.header_bytes();
    op = crypto::DataOp{};
    op.key = &key;
    op.data = region;
    op.direction = crypto::Direction::Seal;
    if (crypto::is_aead(key.cipher())) {
        put32(ovpn + kOpPeerBytes, header.packet_id);
        write_inner_packet(body, inner_bytes, inner_flow, ip_id, probe);
        op.len = inner_bytes;
        op.aad = ovpn;
        op.aad_len = kOpPeerBytes + kPacketIdBytes;
        op.packet_id = ovpn + kOpPeerBytes;
    } else {
        put32(body, header.packet_id); // encrypted with the payload (CBC) or HMAC'd (none)
        write_inner_packet(body + kPacketIdBytes, inner_bytes, inner_flow, ip_id, probe);
        op.len = kPacketIdBytes + inner_bytes;
    }
}

uint32_t finish_data_v2_frame(uint8_t* frame, const crypto::DataOp& op) {
    if (op.status != crypto::OpStatus::Ok || op.key == nullptr) return 0;
    const uint32_t region = region_offset(*op.key);
    const uint32_t frame_bytes = region + op.out_len;
    set_lengths_and_checksums(frame + kEthBytes, frame_bytes - kEthBytes);
    return frame_bytes;
}

uint16_t ether_type(const uint8_t* frame, uint32_t frame_bytes) {
    return frame_bytes < kEthBytes ? 0 : get16(frame + 12);
}

bool parse_udp_packet(uint8_t* ip, uint32_t ip_bytes, UdpFrame& out) {
    if (ip_bytes < kIpv4Bytes || (ip[0] >> 4) != 4) return false;
    const uint32_t ihl = (ip[0] & 0xf) * 4u;
    const uint32_t total = get16(ip + 2);
    if (ihl < kIpv4Bytes || total < ihl + kUdpBytes || total > ip_bytes) return false;
    if (ip[9] != 17 || (get16(ip + 6) & 0x3fff) != 0) return false; // UDP, not a fragment
    const uint8_t* udp = ip + ihl;
    const uint32_t udp_bytes = get16(udp + 4);
    if (udp_bytes < kUdpBytes || udp_bytes > total - ihl) return false;
    out.flow.src = get32(ip + 12);
    out.flow.dst = get32(ip + 16);
    out.flow.src_port = get16(udp);
    out.flow.dst_port = get16(udp + 2);
    out.ip = ip;
    out.ip_bytes = total;
    out.payload = ip + ihl + kUdpBytes;
    out.payload_bytes = udp_bytes - kUdpBytes;
    return true;
}

bool parse_udp_frame(uint8_t* frame, uint32_t frame_bytes, UdpFrame& out) {
    if (ether_type(frame, frame_bytes) != kEtherTypeIpv4) return false;
    return parse_udp_packet(frame + kEthBytes, frame_bytes - kEthBytes, out);
}

bool read_probe(const uint8_t* payload, uint32_t payload_bytes, ProbeStamp& out) {
    if (payload_bytes < kProbeBytes || get64(payload) != kProbeMagic) return false;
    out.tsc = get64(payload + 8);
    out.seq = get32(payload + 16);
    out.session = get32(payload + 20);
    return true;
}

bool read_data_v2_header(const uint8_t* packet, uint32_t bytes, uint8_t& key_id,
                         uint32_t& peer_id) {
    dp::ovpn::DataHeader h;
    if (!dp::ovpn::parse_data_header(packet, bytes, h) || h.opcode != kOpDataV2) return false;
    key_id = h.key_id;
    peer_id = h.peer_id;
    return true;
}

bool prepare_open(uint8_t* packet, uint32_t bytes, const crypto::DataKey& key, crypto::DataOp& op) {
    const bool aead = crypto::is_aead(key.cipher());
    const uint32_t before_region = kOpPeerBytes + (aead ? kPacketIdBytes : 0);
    if (bytes < before_region + key.header_bytes()) return false;
    op = crypto::DataOp{};
    op.key = &key;
    op.direction = crypto::Direction::Open;
    op.data = packet + before_region;
    op.len = bytes - before_region;
    if (aead) {
        op.aad = packet;
        op.aad_len = kOpPeerBytes + kPacketIdBytes;
        op.packet_id = packet + kOpPeerBytes;
    }
    return true;
}

bool opened_inner(const crypto::DataOp& op, uint8_t*& inner, uint32_t& inner_bytes) {
    if (op.status != crypto::OpStatus::Ok || op.key == nullptr) return false;
    uint8_t* body = op.data + op.out_offset;
    uint32_t len = op.out_len;
    if (!crypto::is_aead(op.key->cipher())) {
        if (len < kPacketIdBytes) return false;
        body += kPacketIdBytes;
        len -= kPacketIdBytes;
    }
    inner = body;
    inner_bytes = len;
    return true;
}

} // namespace vp::perf
