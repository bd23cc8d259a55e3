// OpenVPN's outer packet formats: the opcode/key-id byte, control and ACK packets as they look
// without (or after removing) tls-auth/tls-crypt wrapping, and the data-packet header that the
// workers steer by. Parsers take a span and return a view or a typed error; builders produce
// the exact bytes OpenVPN 2.6 expects.
#pragma once

#include "base/bytes.hpp"
#include "base/expected.hpp"
#include "dataplane/ovpn/wire.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vp::ovpn {

// The opcodes' values come from the one definition of the wire format (dataplane/ovpn/wire.hpp).
enum class Opcode : uint8_t {
    ControlHardResetClientV1 = dp::ovpn::op_control_hard_reset_client_v1, // never accepted
    ControlHardResetServerV1 = dp::ovpn::op_control_hard_reset_server_v1,
    ControlSoftResetV1 = dp::ovpn::op_control_soft_reset_v1,
    ControlV1 = dp::ovpn::op_control_v1,
    AckV1 = dp::ovpn::op_ack_v1,
    DataV1 = dp::ovpn::op_data_v1,
    ControlHardResetClientV2 = dp::ovpn::op_control_hard_reset_client_v2,
    ControlHardResetServerV2 = dp::ovpn::op_control_hard_reset_server_v2,
    DataV2 = dp::ovpn::op_data_v2,
    ControlHardResetClientV3 = dp::ovpn::op_control_hard_reset_client_v3, // tls-crypt-v2
    ControlWkcV1 = dp::ovpn::op_control_wkc_v1, // CONTROL_V1 + the wrapped client key
};

std::string_view to_string(Opcode op);
bool is_control(Opcode op); // every opcode this parser accepts as a control packet
bool is_data(Opcode op);

constexpr uint8_t header_byte(Opcode op, uint8_t key_id) {
    return dp::ovpn::header_byte(static_cast<uint8_t>(op), key_id);
}

constexpr size_t session_id_bytes = 8;
using SessionId = std::array<uint8_t, session_id_bytes>;

// OpenVPN accepts at most 8 acks per packet (RELIABLE_ACK_SIZE); it sends at most 4 on
// CONTROL packets, and so do we everywhere, which is what MikroTik tolerates.
constexpr size_t max_acks_parsed = 8;
constexpr size_t max_acks_sent = 4;
constexpr uint32_t undefined_peer_id = dp::ovpn::peer_id_undefined;

enum class PacketError : uint8_t {
    Empty,
    UnknownOpcode,
    NotControl, // a data or key-method-1 opcode where a control packet was expected
    NotData,    // a control opcode where a data packet was expected
    Truncated,
    TooManyAcks,
    AckWithoutAcks, // ACK_V1 acknowledging nothing
};
std::string_view to_string(PacketError e);

// A control packet as it is on the wire without tls-auth/tls-crypt (the "plain" form that the
// unwrappers produce): op|key | sid(8) | n_acks | acks(4 BE each) | peer sid(8, if n_acks) |
// message id (4 BE, not in ACK_V1) | payload.
struct ControlPacketView {
    Opcode opcode{};
    uint8_t key_id = 0;
    SessionId session_id{};
    std::array<uint32_t, max_acks_parsed> acks{};
    uint8_t ack_count = 0;
    SessionId peer_session_id{};        // valid when ack_count > 0
    std::optional<uint32_t> message_id; // absent in ACK_V1
    ByteSpan payload;
};

Expected<ControlPacketView, PacketError> parse_control_packet(ByteSpan plain);

// Owning form, for building.
struct ControlPacket {
    Opcode opcode = Opcode::ControlV1;
    uint8_t key_id = 0;
    SessionId session_id{};
    std::array<uint32_t, max_acks_sent> acks{};
    uint8_t ack_count = 0;
    SessionId peer_session_id{};
    std::optional<uint32_t> message_id;
    Bytes payload;
};

// Appends the plain wire form of `p` to `out`.
void serialize_control_packet(const ControlPacket& p, Bytes& out);
Bytes serialize_control_packet(const ControlPacket& p);

// The header of a data packet: DATA_V1 is one byte; DATA_V2 adds a 24-bit peer-id.
struct DataHeader {
    Opcode opcode{};
    uint8_t key_id = 0;
    std::optional<uint32_t> peer_id; // DATA_V2 only; undefined_peer_id when the client has none
    size_t header_bytes = 0;
};
Expected<DataHeader, PacketError> peek_data_header(ByteSpan datagram);

// Opcode and key id of any packet (for dispatch); nullopt for an empty or unknown one.
struct OpcodeKey {
    Opcode opcode;
    uint8_t key_id;
};
std::optional<OpcodeKey> peek_opcode(ByteSpan datagram);

} // namespace vp::ovpn
