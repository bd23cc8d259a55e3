// The control channel of one key id: its reliability windows, its TLS session and the plaintext
// that flows through it. A session has one of these for the current key, one while a
// renegotiation runs, and the message ids of each start at 0 with its reset packet.
#pragma once

#include "control/ovpn/packet.hpp"
#include "control/ovpn/reliability.hpp"
#include "control/tls/session.hpp"

#include <memory>
#include <vector>

namespace vp::ovpn {

// Largest TLS payload per P_CONTROL_V1: OpenVPN's tls-mtu is 1250 bytes for the whole datagram
// (IP + UDP + headers + wrapping), which this leaves room for.
constexpr size_t max_control_payload = 1024;

class KeyState {
public:
    KeyState(uint8_t key_id, std::shared_ptr<const tls::Context> tls, uint32_t receive_next,
             uint32_t send_first, ReliabilityParams params, uint64_t now_ms);

    uint8_t key_id() const { return key_id_; }
    uint64_t started_ms() const { return started_ms_; }

    // A control packet for this key id (unwrapped, session ids checked).
    void on_packet(const ControlPacketView& p);
    // Client role (tests, tools): sends the ClientHello once the resets are exchanged.
    void start_tls();
    // Our reset for this key (P_CONTROL_HARD_RESET_SERVER_V2 / P_CONTROL_SOFT_RESET_V1).
    void queue_reset(Opcode opcode, ByteSpan payload = {});
    // Plaintext to the peer through TLS.
    Status send_plaintext(ByteSpan plaintext);
    // Plaintext received from the peer since the last call.
    Bytes take_plaintext() { return tls_.read(); }

    bool tls_established() const { return tls_.handshake_done(); }
    bool failed() const { return tls_.failed(); }
    const std::string& failure() const { return tls_.failure(); }
    tls::Session& tls() { return tls_; }
    const tls::Session& tls() const { return tls_; }

    // Packets to transmit now (plain form): due control packets carrying acks, then P_ACK_V1
    // for acks that found no ride.
    std::vector<ControlPacket> flush(uint64_t now_ms, const SessionId& local,
                                     const SessionId& remote);
    // Everything we sent has been acknowledged.
    bool send_idle() const { return send_.idle(); }
    std::optional<uint64_t> next_deadline() const { return send_.next_deadline(); }

private:
    void pump_tls_output();

    uint8_t key_id_;
    uint64_t started_ms_;
    tls::Session tls_;
    ReliableSend send_;
    ReliableReceive receive_;
    AckQueue acks_;
};

} // namespace vp::ovpn
