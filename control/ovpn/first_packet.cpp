// Stateless inspection of packets from unknown endpoints.
#include "control/ovpn/first_packet.hpp"

#include "control/ovpn/tls_crypt_v2.hpp"

namespace vp::ovpn {

std::string_view to_string(FirstPacketError e) {
    switch (e) {
    case FirstPacketError::NotInitial:
        return "not an initial packet";
    case FirstPacketError::Unwrapped:
        return "missing or unexpected control-channel wrapping";
    case FirstPacketError::WrapRejected:
        return "control-channel authentication failed";
    case FirstPacketError::Malformed:
        return "malformed";
    }
    return "?";
}

Expected<FirstPacket, FirstPacketError> inspect_first_packet(const ServerSetup& setup,
                                                             ByteSpan datagram) {
    auto op = peek_opcode(datagram);
    if (!op || op->key_id != 0) return unexpected(FirstPacketError::NotInitial);
    switch (op->opcode) {
    case Opcode::ControlHardResetClientV2:
    case Opcode::ControlHardResetClientV3:
    case Opcode::ControlV1:
    case Opcode::AckV1:
    case Opcode::ControlWkcV1:
        break;
    default:
        return unexpected(FirstPacketError::NotInitial);
    }
    if (datagram.size() < 1 + session_id_bytes) return unexpected(FirstPacketError::Malformed);

    FirstPacket fp;
    ByteSpan wire = datagram;
    if (op->opcode == Opcode::ControlHardResetClientV3 || op->opcode == Opcode::ControlWkcV1) {
        if (!setup.tls_crypt_v2) return unexpected(FirstPacketError::Unwrapped);
        auto split = split_wkc(datagram);
        if (!split) return unexpected(FirstPacketError::WrapRejected);
        auto client = unwrap_client_key(*setup.tls_crypt_v2, split->wkc);
        if (!client) return unexpected(FirstPacketError::WrapRejected);
        fp.wrap = ControlWrap(std::make_shared<TlsCrypt>(client->key, TlsCrypt::Role::Server));
        fp.tls_crypt_v2 = true;
        fp.wrap_description = "tls-crypt-v2, client key " + describe_metadata(client->metadata);
        wire = split->packet;
    } else if (setup.tls_auth) {
        fp.wrap = ControlWrap(setup.tls_auth);
        fp.wrap_description = "tls-auth";
    } else if (setup.tls_crypt) {
        fp.wrap = ControlWrap(setup.tls_crypt);
        fp.wrap_description = "tls-crypt";
    } else if (setup.tls_crypt_v2) {
        // tls-crypt-v2 alone: every client must wrap; a plain CONTROL_V1 without a session
        // cannot be a v2 client's (those send P_CONTROL_WKC_V1).
        return unexpected(FirstPacketError::Unwrapped);
    }

    auto opened = fp.wrap.open(wire);
    if (!opened) return unexpected(FirstPacketError::WrapRejected);
    fp.plain = std::move(opened->plain);
    fp.packet_id = opened->packet_id;
    auto p = parse_control_packet(fp.plain);
    if (!p) return unexpected(FirstPacketError::Malformed);

    if (p->opcode == Opcode::ControlHardResetClientV2 ||
        p->opcode == Opcode::ControlHardResetClientV3) {
        if (p->message_id != 0u) return unexpected(FirstPacketError::Malformed);
        fp.kind = p->opcode == Opcode::ControlHardResetClientV3 &&
                          !announces_early_negotiation(fp.packet_id.id)
                      ? FirstPacket::Kind::ResetLegacy
                      : FirstPacket::Kind::Reset;
    } else {
        fp.kind = FirstPacket::Kind::Continue;
    }
    return fp;
}

Bytes build_server_reset(ControlWrap& wrap, const SessionId& server_sid,
                         const SessionId& client_sid, bool resend_wkc, uint32_t time_s) {
    ControlPacket reply;
    reply.opcode = Opcode::ControlHardResetServerV2;
    reply.key_id = 0;
    reply.session_id = server_sid;
    reply.acks[0] = 0;
    reply.ack_count = 1;
    reply.peer_session_id = client_sid;
    reply.message_id = 0;
    if (resend_wkc) reply.payload.assign(std::begin(resend_wkc_tlv), std::end(resend_wkc_tlv));
    wrap.set_next_send_id(1, time_s);
    return wrap.wrap(serialize_control_packet(reply), time_s);
}

} // namespace vp::ovpn
