// One key id's control channel.
#include "control/ovpn/key_state.hpp"

#include <algorithm>

namespace vp::ovpn {

KeyState::KeyState(uint8_t key_id, std::shared_ptr<const tls::Context> tls, uint32_t receive_next,
                   uint32_t send_first, ReliabilityParams params, uint64_t now_ms)
    : key_id_(key_id), started_ms_(now_ms), tls_(std::move(tls)), send_(send_first, params),
      receive_(receive_next, params) {}

void KeyState::on_packet(const ControlPacketView& p) {
    for (uint8_t i = 0; i < p.ack_count; ++i)
        send_.ack(p.acks[i]);
    if (!p.message_id) return;
    auto verdict = receive_.receive(*p.message_id, p.opcode, p.payload);
    if (verdict == ReliableReceive::Verdict::OutOfWindow) return;
    acks_.add(*p.message_id);
    while (auto m = receive_.pop()) {
        // Resets carry no TLS bytes (a tls-crypt-v2 reset's TLV payload is for the server).
        if (m->opcode != Opcode::ControlV1 && m->opcode != Opcode::ControlWkcV1) continue;
        if (!tls_.failed()) (void)tls_.feed(m->payload); // failure is read through failed()
    }
    pump_tls_output();
}

void KeyState::start_tls() {
    (void)tls_.feed({});
    pump_tls_output();
}

void KeyState::queue_reset(Opcode opcode, ByteSpan payload) {
    send_.enqueue(opcode, Bytes(payload.begin(), payload.end()));
}

Status KeyState::send_plaintext(ByteSpan plaintext) {
    auto st = tls_.write(plaintext);
    pump_tls_output();
    return st;
}

void KeyState::pump_tls_output() {
    Bytes out = tls_.take_output();
    for (size_t off = 0; off < out.size(); off += max_control_payload) {
        size_t n = std::min(max_control_payload, out.size() - off);
        send_.enqueue(Opcode::ControlV1, Bytes(out.begin() + off, out.begin() + off + n));
    }
}

std::vector<ControlPacket> KeyState::flush(uint64_t now_ms, const SessionId& local,
                                           const SessionId& remote) {
    std::vector<ControlPacket> out;
    auto attach_acks = [&](ControlPacket& p) {
        p.ack_count = static_cast<uint8_t>(acks_.take(p.acks.data(), max_acks_sent));
        p.peer_session_id = remote;
    };
    for (auto& o : send_.due(now_ms)) {
        ControlPacket p;
        p.opcode = o.opcode;
        p.key_id = key_id_;
        p.session_id = local;
        p.message_id = o.id;
        p.payload = *o.payload;
        attach_acks(p);
        out.push_back(std::move(p));
    }
    while (!acks_.empty()) {
        ControlPacket p;
        p.opcode = Opcode::AckV1;
        p.key_id = key_id_;
        p.session_id = local;
        attach_acks(p);
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace vp::ovpn
