// OpenVPN wire facts, defined once for the whole project (see shared/protocols/openvpn.md,
// "Outer format" and "Data channel"): the opcodes, the opcode/key-id byte, the DATA_V2 peer-id,
// the data-channel magic payloads, and a pure parser of a data packet's header used by the
// workers' fast path, the control plane (control/ovpn/packet.hpp), vpnperf and the fuzzer. No
// DPDK here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vp::dp::ovpn {

// Opcodes (the high 5 bits of a packet's first byte).
inline constexpr uint8_t op_control_hard_reset_client_v1 = 1; // key method 1: never accepted
inline constexpr uint8_t op_control_hard_reset_server_v1 = 2;
inline constexpr uint8_t op_control_soft_reset_v1 = 3;
inline constexpr uint8_t op_control_v1 = 4;
inline constexpr uint8_t op_ack_v1 = 5;
inline constexpr uint8_t op_data_v1 = 6;
inline constexpr uint8_t op_control_hard_reset_client_v2 = 7;
inline constexpr uint8_t op_control_hard_reset_server_v2 = 8;
inline constexpr uint8_t op_data_v2 = 9;
inline constexpr uint8_t op_control_hard_reset_client_v3 = 10; // tls-crypt-v2
inline constexpr uint8_t op_control_wkc_v1 = 11;

// DATA_V2's "no peer-id" value (a client that sends DATA_V2 before it was given one).
inline constexpr uint32_t peer_id_undefined = 0xffffff;

// The first byte of every packet: opcode << 3 | key id.
constexpr uint8_t header_byte(uint8_t opcode, uint8_t key_id) {
    return static_cast<uint8_t>(opcode << 3 | (key_id & 7));
}
constexpr uint8_t opcode_of(uint8_t first_byte) {
    return first_byte >> 3;
}
constexpr uint8_t key_id_of(uint8_t first_byte) {
    return first_byte & 7;
}

inline constexpr size_t data_v1_header_bytes = 1;
inline constexpr size_t data_v2_header_bytes = 4;

// Writes a DATA_V2 header (opcode/key id, 24-bit peer-id) at p[0..3].
inline void write_data_v2_header(uint8_t* p, uint8_t key_id, uint32_t peer_id) {
    p[0] = header_byte(op_data_v2, key_id);
    p[1] = static_cast<uint8_t>(peer_id >> 16);
    p[2] = static_cast<uint8_t>(peer_id >> 8);
    p[3] = static_cast<uint8_t>(peer_id);
}

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

enum class DataHeaderError : uint8_t { Empty, NotData, Truncated };

// Parses the first bytes of a UDP payload; reads at most 4 bytes and never past `len`. Returns
// false (and why in `error`, when given) for anything that is not a data packet.
inline bool parse_data_header(const uint8_t* p, size_t len, DataHeader& h,
                              DataHeaderError* error = nullptr) {
    auto fail = [error](DataHeaderError e) {
        if (error) *error = e;
        return false;
    };
    if (len < 1) return fail(DataHeaderError::Empty);
    h.opcode = opcode_of(p[0]);
    h.key_id = key_id_of(p[0]);
    if (h.opcode == op_data_v2) {
        if (len < data_v2_header_bytes) return fail(DataHeaderError::Truncated);
        h.peer_id = static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
        h.header_len = data_v2_header_bytes;
        return true;
    }
    if (h.opcode == op_data_v1) {
        h.peer_id = peer_id_undefined;
        h.header_len = data_v1_header_bytes;
        return true;
    }
    return fail(DataHeaderError::NotData);
}

} // namespace vp::dp::ovpn
