// The server's SSTP control state machine: transitions, timers and the actions they produce.
#include "control/sstp/control_fsm.hpp"

#include <algorithm>

namespace vp::sstp {
namespace {

Action send(Bytes bytes) {
    return Action{Action::Kind::Send, std::move(bytes)};
}

// RFC 1661: protocol numbers 0x0000-0x3FFF are network-layer traffic (IPv4 0x0021, IPv6 0x0057),
// which must not flow before the crypto binding is verified. The frame may or may not carry the
// FF 03 address/control bytes, and the protocol may be compressed to one odd byte.
bool is_network_layer(ByteSpan ppp) {
    if (ppp.size() >= 2 && ppp[0] == 0xFF && ppp[1] == 0x03) ppp = ppp.subspan(2);
    if (ppp.empty()) return false;
    if (ppp[0] & 0x01) return true; // one-byte protocol: always below 0x100
    if (ppp.size() < 2) return false;
    return ppp[0] < 0x40;
}

} // namespace

ControlFsm::ControlFsm(ControlConfig config, TimePoint now)
    : config_(std::move(config)), deadline_(now + config_.timers.negotiation) {}

bool ControlFsm::closing() const {
    return state_ == ControlState::AbortInProgress ||
           state_ == ControlState::DisconnectInProgress ||
           state_ == ControlState::DisconnectAckSent || state_ == ControlState::Closed;
}

void ControlFsm::note_rx(TimePoint now) {
    if (state_ != ControlState::Connected) return;
    echo_outstanding_ = false;
    TimePoint next = now + config_.timers.hello;
    if (!deadline_ || next > *deadline_) deadline_ = next;
}

ControlFsm::Actions ControlFsm::on_packet(ByteSpan packet, TimePoint now) {
    Actions out;
    if (state_ == ControlState::Closed) return out;
    auto p = parse_packet(packet);
    if (!p || p->size != packet.size()) {
        // The splitter hands over whole packets; one that does not parse means lost framing.
        ++counters_.malformed;
        close(CloseReason::StreamError, out);
        return out;
    }
    note_rx(now);
    if (!p->control) {
        handle_data(p->body, out);
        return out;
    }
    auto m = parse_control_body(p->body);
    if (!m) {
        ++counters_.malformed;
        if (!closing())
            send_abort({AttributeId::NoAttribute, StatusCode::InvalidFrameReceived}, now, out);
        return out;
    }
    handle_control(*m, packet, now, out);
    return out;
}

void ControlFsm::handle_data(ByteSpan ppp, Actions& out) {
    switch (state_) {
    case ControlState::ConnectRequestPending:
        ++counters_.data_before_ack;
        return;
    case ControlState::CallConnectPending:
        if (is_network_layer(ppp)) {
            ++counters_.ip_before_connected;
            return;
        }
        [[fallthrough]];
    case ControlState::Connected:
        out.push_back(Action{Action::Kind::DeliverPpp, Bytes(ppp.begin(), ppp.end())});
        return;
    default:
        return; // closing: nobody reads PPP any more
    }
}

void ControlFsm::handle_control(const ControlMessage& m, ByteSpan packet, TimePoint now,
                                Actions& out) {
    if (m.type < static_cast<uint16_t>(MessageType::CallConnectRequest) ||
        m.type > static_cast<uint16_t>(MessageType::EchoResponse)) {
        // Unknown types are ignored: a future client extension should not cost the call.
        ++counters_.unknown_messages;
        return;
    }
    const auto type = static_cast<MessageType>(m.type);
    switch (type) {
    case MessageType::CallAbort:
        if (state_ == ControlState::AbortInProgress) {
            // Both sides aborted: the peer's Abort is the answer we waited for.
            deadline_ = std::min(*deadline_, now + config_.timers.abort_received);
        } else {
            state_ = ControlState::AbortInProgress;
            pending_close_ = CloseReason::PeerAbort;
            deadline_ = now + config_.timers.abort_received;
        }
        return;
    case MessageType::CallDisconnect:
        if (state_ == ControlState::AbortInProgress || state_ == ControlState::DisconnectAckSent)
            return;
        out.push_back(send(build_disconnect_ack()));
        state_ = ControlState::DisconnectAckSent;
        pending_close_ = CloseReason::PeerDisconnected;
        deadline_ = now + config_.timers.disconnect_acked;
        return;
    case MessageType::CallDisconnectAck:
        if (state_ == ControlState::DisconnectInProgress) close(CloseReason::Disconnected, out);
        return;
    default:
        break;
    }
    if (closing()) return; // only the closing handshake matters now

    switch (type) {
    case MessageType::CallConnectRequest:
        if (state_ == ControlState::ConnectRequestPending) return on_connect_request(m, now, out);
        break;
    case MessageType::CallConnected:
        if (state_ != ControlState::CallConnectPending) break;
        parked_call_connected_ = Bytes(packet.begin(), packet.end());
        if (hlak_) verify_parked(now, out);
        return;
    case MessageType::EchoRequest:
        out.push_back(send(build_echo_response()));
        return;
    case MessageType::EchoResponse:
        return; // note_rx already restarted the hello timer
    default:
        break;
    }
    ++counters_.unexpected_messages;
    send_abort({AttributeId::NoAttribute, StatusCode::UnacceptedFrameReceived}, now, out);
}

void ControlFsm::on_connect_request(const ControlMessage& m, TimePoint now, Actions& out) {
    auto protocol = connect_request_protocol(m);
    if (!protocol) {
        const StatusCode status = protocol.error() == WireError::BadAttributeLength
                                      ? StatusCode::InvalidAttribValueLength
                                      : StatusCode::RequiredAttributeMissing;
        send_abort({AttributeId::EncapsulatedProtocolId, status}, now, out);
        return;
    }
    if (*protocol != kEncapsulatedProtocolPpp) {
        if (naks_ >= kMaxConnectRetries) {
            send_abort({AttributeId::EncapsulatedProtocolId, StatusCode::RetryCountExceeded}, now,
                       out);
            return;
        }
        ++naks_;
        ++counters_.naks_sent;
        // The Nak's Status Info carries what the server does accept: PPP.
        const uint8_t ppp[2] = {0x00, static_cast<uint8_t>(kEncapsulatedProtocolPpp)};
        out.push_back(send(build_connect_nak(AttributeId::EncapsulatedProtocolId,
                                             StatusCode::ValueNotSupported, ppp)));
        return;
    }
    out.push_back(send(build_connect_ack(config_.binding.hash_bitmask, config_.binding.nonce)));
    state_ = ControlState::CallConnectPending;
    deadline_ = now + config_.timers.negotiation;
}

void ControlFsm::verify_parked(TimePoint now, Actions& out) {
    const BindingCheck r = verify_call_connected(*parked_call_connected_, config_.binding, *hlak_);
    parked_call_connected_.reset();
    if (r != BindingCheck::Ok) {
        ++counters_.binding_failures;
        counters_.last_binding = r;
        send_abort({AttributeId::CryptoBinding, StatusCode::InvalidFrameReceived}, now, out);
        return;
    }
    state_ = ControlState::Connected;
    echo_outstanding_ = false;
    deadline_ = now + config_.timers.hello;
    out.push_back(Action{Action::Kind::Connected, {}});
}

ControlFsm::Actions ControlFsm::ppp_authenticated(const Hlak& hlak, TimePoint now) {
    Actions out;
    if (closing()) return out;
    hlak_ = hlak;
    if (state_ == ControlState::CallConnectPending && parked_call_connected_)
        verify_parked(now, out);
    return out;
}

ControlFsm::Actions ControlFsm::on_timer(TimePoint now) {
    Actions out;
    if (!deadline_ || now < *deadline_) return out;
    switch (state_) {
    case ControlState::ConnectRequestPending:
    case ControlState::CallConnectPending:
        send_abort({AttributeId::NoAttribute, StatusCode::NegotiationTimeout}, now, out);
        break;
    case ControlState::Connected:
        if (echo_outstanding_) {
            close(CloseReason::HelloTimeout, out);
        } else {
            ++counters_.echo_requests_sent;
            echo_outstanding_ = true;
            deadline_ = now + config_.timers.hello;
            out.push_back(send(build_echo_request()));
        }
        break;
    case ControlState::AbortInProgress:
    case ControlState::DisconnectInProgress:
    case ControlState::DisconnectAckSent:
        close(pending_close_, out);
        break;
    case ControlState::Closed:
        deadline_.reset();
        break;
    }
    return out;
}

ControlFsm::Actions ControlFsm::disconnect(TimePoint now) {
    Actions out;
    if (closing()) return out;
    out.push_back(send(build_disconnect()));
    state_ = ControlState::DisconnectInProgress;
    pending_close_ = CloseReason::Disconnected;
    deadline_ = now + config_.timers.disconnect_sent;
    return out;
}

ControlFsm::Actions ControlFsm::abort(StatusAttribute status, TimePoint now) {
    Actions out;
    if (!closing()) send_abort(status, now, out);
    return out;
}

ControlFsm::Actions ControlFsm::on_stream_error() {
    Actions out;
    if (state_ != ControlState::Closed) close(CloseReason::StreamError, out);
    return out;
}

void ControlFsm::send_abort(StatusAttribute status, TimePoint now, Actions& out) {
    out.push_back(send(build_abort(status)));
    state_ = ControlState::AbortInProgress;
    pending_close_ = CloseReason::AbortSent;
    deadline_ = now + config_.timers.abort_sent;
    parked_call_connected_.reset();
}

void ControlFsm::close(CloseReason reason, Actions& out) {
    state_ = ControlState::Closed;
    deadline_.reset();
    parked_call_connected_.reset();
    Action a{Action::Kind::Close, {}};
    a.reason = reason;
    out.push_back(std::move(a));
}

} // namespace vp::sstp
