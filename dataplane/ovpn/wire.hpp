// OpenVPN data-channel wire facts the workers need (see shared/protocols/openvpn.md, "Outer
// format" and "Data channel"), and a pure parser of a data packet's header for the fast path
// and the fuzzer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vp::dp::ovpn {

inline constexpr uint8_t op_data_v1 = 6;
inline constexpr uint8_t op_data_v2 = 9;
inline constexpr uint32_t peer_id_undefined = 0xffffff;

// Keepalive ping: the whole decrypted payload is these 16 bytes.
inline constexpr std::array<uint8_t, 16> ping_magic = {
    0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, 0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48};
// OCC messages on the data channel: these 16 bytes, then an opcode byte.
inline constexpr std::array<uint8_t, 16> occ_magic = {
    0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c};
inline constexpr uint8_t occ_exit = 6;

// Compression framing byte before the payload ("comp-lzo no" / "compress migrate"): 0xFA means
// "not compressed". vpnplane never compresses.
inline constexpr uint8_t comp_none_byte = 0xfa;

struct DataHeader {
    uint8_t opcode;
    uint8_t key_id;
    uint32_t peer_id;   // peer_id_undefined for DATA_V1
    uint8_t header_len; // 4 for DATA_V2, 1 for DATA_V1
};

// Parses the first bytes of a UDP payload. False for anything that is not a data packet.
inline bool parse_data_header(const uint8_t* p, size_t len, DataHeader& h) {
    if (len < 1) return false;
    h.opcode = p[0] >> 3;
    h.key_id = p[0] & 7;
    if (h.opcode == op_data_v2) {
        if (len < 4) return false;
        h.peer_id = static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
        h.header_len = 4;
        return true;
    }
    if (h.opcode == op_data_v1) {
        h.peer_id = peer_id_undefined;
        h.header_len = 1;
        return true;
    }
    return false;
}

} // namespace vp::dp::ovpn
