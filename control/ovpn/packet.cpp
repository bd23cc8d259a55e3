// Control/ACK packet codec and data header peek.
#include "control/ovpn/packet.hpp"

namespace vp::ovpn {

std::string_view to_string(Opcode op) {
    switch (op) {
    case Opcode::ControlHardResetClientV1:
        return "P_CONTROL_HARD_RESET_CLIENT_V1";
    case Opcode::ControlHardResetServerV1:
        return "P_CONTROL_HARD_RESET_SERVER_V1";
    case Opcode::ControlSoftResetV1:
        return "P_CONTROL_SOFT_RESET_V1";
    case Opcode::ControlV1:
        return "P_CONTROL_V1";
    case Opcode::AckV1:
        return "P_ACK_V1";
    case Opcode::DataV1:
        return "P_DATA_V1";
    case Opcode::ControlHardResetClientV2:
        return "P_CONTROL_HARD_RESET_CLIENT_V2";
    case Opcode::ControlHardResetServerV2:
        return "P_CONTROL_HARD_RESET_SERVER_V2";
    case Opcode::DataV2:
        return "P_DATA_V2";
    case Opcode::ControlHardResetClientV3:
        return "P_CONTROL_HARD_RESET_CLIENT_V3";
    case Opcode::ControlWkcV1:
        return "P_CONTROL_WKC_V1";
    }
    return "P_UNKNOWN";
}

std::string_view to_string(PacketError e) {
    switch (e) {
    case PacketError::Empty:
        return "empty packet";
    case PacketError::UnknownOpcode:
        return "unknown opcode";
    case PacketError::NotControl:
        return "not a control opcode";
    case PacketError::NotData:
        return "not a data opcode";
    case PacketError::Truncated:
        return "truncated";
    case PacketError::TooManyAcks:
        return "too many acks";
    case PacketError::AckWithoutAcks:
        return "ACK_V1 without acks";
    }
    return "?";
}

bool is_control(Opcode op) {
    switch (op) {
    case Opcode::ControlSoftResetV1:
    case Opcode::ControlV1:
    case Opcode::AckV1:
    case Opcode::ControlHardResetClientV2:
    case Opcode::ControlHardResetServerV2:
    case Opcode::ControlHardResetClientV3:
    case Opcode::ControlWkcV1:
        return true;
    default:
        return false;
    }
}

bool is_data(Opcode op) {
    return op == Opcode::DataV1 || op == Opcode::DataV2;
}

std::optional<OpcodeKey> peek_opcode(ByteSpan datagram) {
    if (datagram.empty()) return std::nullopt;
    uint8_t op = dp::ovpn::opcode_of(datagram[0]);
    if (op < dp::ovpn::op_control_hard_reset_client_v1 || op > dp::ovpn::op_control_wkc_v1)
        return std::nullopt;
    return OpcodeKey{static_cast<Opcode>(op), dp::ovpn::key_id_of(datagram[0])};
}

Expected<ControlPacketView, PacketError> parse_control_packet(ByteSpan plain) {
    if (plain.empty()) return unexpected(PacketError::Empty);
    auto ok = peek_opcode(plain);
    if (!ok) return unexpected(PacketError::UnknownOpcode);
    if (!is_control(ok->opcode)) return unexpected(PacketError::NotControl);

    ControlPacketView p;
    p.opcode = ok->opcode;
    p.key_id = ok->key_id;
    ByteReader r(plain.subspan(1));
    if (!r.copy(p.session_id.data(), session_id_bytes)) return unexpected(PacketError::Truncated);
    uint8_t n = 0;
    if (!r.u8(n)) return unexpected(PacketError::Truncated);
    if (n > max_acks_parsed) return unexpected(PacketError::TooManyAcks);
    for (uint8_t i = 0; i < n; ++i)
        if (!r.be32(p.acks[i])) return unexpected(PacketError::Truncated);
    p.ack_count = n;
    if (n > 0 && !r.copy(p.peer_session_id.data(), session_id_bytes))
        return unexpected(PacketError::Truncated);
    if (p.opcode == Opcode::AckV1) {
        if (n == 0) return unexpected(PacketError::AckWithoutAcks);
    } else {
        uint32_t id = 0;
        if (!r.be32(id)) return unexpected(PacketError::Truncated);
        p.message_id = id;
    }
    p.payload = r.rest();
    return p;
}

void serialize_control_packet(const ControlPacket& p, Bytes& out) {
    ByteWriter w(out);
    w.u8(header_byte(p.opcode, p.key_id));
    w.bytes(ByteSpan(p.session_id));
    w.u8(p.ack_count);
    for (uint8_t i = 0; i < p.ack_count; ++i)
        w.be32(p.acks[i]);
    if (p.ack_count > 0) w.bytes(ByteSpan(p.peer_session_id));
    if (p.opcode != Opcode::AckV1) w.be32(p.message_id.value_or(0));
    w.bytes(ByteSpan(p.payload));
}

Bytes serialize_control_packet(const ControlPacket& p) {
    Bytes out;
    out.reserve(1 + 8 + 1 + 4 * p.ack_count + 8 + 4 + p.payload.size());
    serialize_control_packet(p, out);
    return out;
}

Expected<DataHeader, PacketError> peek_data_header(ByteSpan datagram) {
    auto ok = peek_opcode(datagram);
    if (!ok) return unexpected(datagram.empty() ? PacketError::Empty : PacketError::UnknownOpcode);
    if (!is_data(ok->opcode)) return unexpected(PacketError::NotData);
    // The workers' parser (dataplane/ovpn/wire.hpp), so that both planes read data headers alike.
    dp::ovpn::DataHeader wire;
    if (!dp::ovpn::parse_data_header(datagram.data(), datagram.size(), wire))
        return unexpected(PacketError::Truncated);
    DataHeader h;
    h.opcode = ok->opcode;
    h.key_id = wire.key_id;
    if (h.opcode == Opcode::DataV2) h.peer_id = wire.peer_id;
    h.header_bytes = wire.header_len;
    return h;
}

} // namespace vp::ovpn
