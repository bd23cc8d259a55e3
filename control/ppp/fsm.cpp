// The RFC 1661 section 4.1 state transition table, one event at a time (see fsm.hpp). Comments
// name the table's actions: irc (initialize restart count), scr/sca/scn/str/sta/scj (send
// Configure-Request/Ack/Nak, Terminate-Request/Ack, Code-Reject), tlu/tld/tls/tlf.
#include "control/ppp/fsm.hpp"

namespace vp::ppp {

namespace {
constexpr uint8_t kConfigureRequest = 1;
constexpr uint8_t kConfigureAck = 2;
constexpr uint8_t kConfigureNak = 3;
constexpr uint8_t kConfigureReject = 4;
constexpr uint8_t kTerminateRequest = 5;
constexpr uint8_t kTerminateAck = 6;
constexpr uint8_t kCodeReject = 7;
} // namespace

const char* to_string(FsmState state) {
    switch (state) {
    case FsmState::Initial:
        return "Initial";
    case FsmState::Starting:
        return "Starting";
    case FsmState::Closed:
        return "Closed";
    case FsmState::Stopped:
        return "Stopped";
    case FsmState::Closing:
        return "Closing";
    case FsmState::Stopping:
        return "Stopping";
    case FsmState::ReqSent:
        return "Req-Sent";
    case FsmState::AckRcvd:
        return "Ack-Rcvd";
    case FsmState::AckSent:
        return "Ack-Sent";
    case FsmState::Opened:
        return "Opened";
    }
    return "?";
}

Fsm::Fsm(uint16_t protocol, OptionPolicy& policy, FsmTimers timers, Counters& counters)
    : protocol_(protocol), policy_(policy), timers_(timers), counters_(counters) {}

void Fsm::send(uint8_t code, uint8_t id, ByteSpan data, FsmOutput& out) {
    out.frames.push_back(build_control_frame(protocol_, code, id, data));
}

void Fsm::send_configure_request(Millis now, FsmOutput& out) {
    request_options_.clear();
    policy_.build_request(request_options_);
    request_id_ = id_++;
    send(kConfigureRequest, request_id_, request_options_, out);
    if (restart_count_ > 0) --restart_count_;
    start_timer(now);
}

void Fsm::send_terminate_request(Millis now, FsmOutput& out) {
    send(kTerminateRequest, id_++, {}, out);
    if (restart_count_ > 0) --restart_count_;
    start_timer(now);
}

void Fsm::layer_up(FsmOutput& out) {
    out.up = true;
}
void Fsm::layer_down(FsmOutput& out) {
    out.down = true;
    policy_.reset();
}
void Fsm::layer_finished(FsmOutput& out) {
    deadline_.reset();
    out.finished = true;
}

void Fsm::up(Millis now, FsmOutput& out) {
    if (state_ == FsmState::Initial) {
        state_ = FsmState::Closed;
    } else if (state_ == FsmState::Starting) {
        restart_count_ = timers_.max_configure; // irc
        failure_count_ = 0;
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
    }
}

void Fsm::down(FsmOutput& out) {
    deadline_.reset();
    switch (state_) {
    case FsmState::Closed:
    case FsmState::Closing:
        state_ = FsmState::Initial;
        break;
    case FsmState::Stopped:
        state_ = FsmState::Starting;
        break;
    case FsmState::Stopping:
    case FsmState::ReqSent:
    case FsmState::AckRcvd:
    case FsmState::AckSent:
        state_ = FsmState::Starting;
        break;
    case FsmState::Opened:
        layer_down(out);
        state_ = FsmState::Starting;
        break;
    default:
        break;
    }
}

void Fsm::open(Millis now, FsmOutput& out) {
    switch (state_) {
    case FsmState::Initial:
        state_ = FsmState::Starting;
        break;
    case FsmState::Closed:
        restart_count_ = timers_.max_configure;
        failure_count_ = 0;
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
        break;
    case FsmState::Closing:
        state_ = FsmState::Stopping;
        break;
    default:
        break;
    }
}

void Fsm::close(Millis now, FsmOutput& out) {
    switch (state_) {
    case FsmState::Starting:
        layer_finished(out);
        state_ = FsmState::Initial;
        break;
    case FsmState::Stopped:
        state_ = FsmState::Closed;
        break;
    case FsmState::Stopping:
        state_ = FsmState::Closing;
        break;
    case FsmState::Opened:
        layer_down(out);
        [[fallthrough]];
    case FsmState::ReqSent:
    case FsmState::AckRcvd:
    case FsmState::AckSent:
        restart_count_ = timers_.max_terminate;
        send_terminate_request(now, out);
        state_ = FsmState::Closing;
        break;
    default:
        break;
    }
}

void Fsm::on_timer(Millis now, FsmOutput& out) {
    if (!deadline_ || now < *deadline_) return;
    deadline_.reset();
    bool more = restart_count_ > 0; // TO+ or TO-
    switch (state_) {
    case FsmState::Closing:
    case FsmState::Stopping:
        if (more) {
            send_terminate_request(now, out);
        } else {
            layer_finished(out);
            state_ = state_ == FsmState::Closing ? FsmState::Closed : FsmState::Stopped;
        }
        break;
    case FsmState::ReqSent:
    case FsmState::AckRcvd:
    case FsmState::AckSent:
        if (more) {
            send_configure_request(now, out);
            if (state_ == FsmState::AckRcvd) state_ = FsmState::ReqSent;
        } else {
            layer_finished(out); // Max-Configure exceeded: the peer does not answer
            state_ = FsmState::Stopped;
        }
        break;
    default:
        break;
    }
}

void Fsm::reject_fatal(Millis now, FsmOutput& out) {
    switch (state_) {
    case FsmState::Closed:
    case FsmState::Closing:
        layer_finished(out);
        state_ = FsmState::Closed;
        break;
    case FsmState::Stopped:
    case FsmState::Stopping:
    case FsmState::ReqSent:
    case FsmState::AckRcvd:
    case FsmState::AckSent:
        layer_finished(out);
        state_ = FsmState::Stopped;
        break;
    case FsmState::Opened:
        layer_down(out);
        restart_count_ = timers_.max_terminate;
        send_terminate_request(now, out);
        state_ = FsmState::Stopping;
        break;
    default:
        break;
    }
}

void Fsm::input(ByteSpan information, Millis now, FsmOutput& out) {
    auto packet = parse_control_packet(information);
    if (!packet) {
        ++counters_.malformed_frames;
        return;
    }
    // Packets before the lower layer is up (Initial, Starting) are silently discarded.
    if (state_ == FsmState::Initial || state_ == FsmState::Starting) {
        ++counters_.unexpected_packets;
        return;
    }
    const ControlPacket& p = *packet;
    switch (p.code) {
    case kConfigureRequest:
        receive_configure_request(p, now, out);
        return;
    case kConfigureAck:
        receive_configure_ack(p, now, out);
        return;
    case kConfigureNak:
    case kConfigureReject:
        receive_configure_nak_reject(p, now, out);
        return;
    case kTerminateRequest:
        receive_terminate_request(p, now, out);
        return;
    case kTerminateAck:
        receive_terminate_ack(now, out);
        return;
    case kCodeReject:
        receive_code_reject(p, now, out);
        return;
    default:
        break;
    }
    if (policy_.extra_code(p, state_, out)) return;
    // RUC: Code-Reject carries the rejected packet, cut to what the peer may receive.
    ++counters_.unknown_codes;
    size_t room = peer_mru_ > 4 ? peer_mru_ - 4u : 0;
    size_t whole = 4 + p.data.size();
    send(kCodeReject, id_++, information.subspan(0, std::min(room, whole)), out);
}

void Fsm::receive_configure_request(const ControlPacket& p, Millis now, FsmOutput& out) {
    switch (state_) {
    case FsmState::Closed:
        send(kTerminateAck, p.id, {}, out);
        return; // sta
    case FsmState::Closing:
    case FsmState::Stopping:
        return;
    default:
        break;
    }
    auto options = parse_options(p.data);
    if (!options) {
        // A request we cannot even split into options is not one we can answer option by
        // option; dropping it lets the peer's restart timer try again.
        ++counters_.malformed_options;
        return;
    }
    RequestVerdict verdict;
    policy_.check_request(*options, verdict);
    uint8_t code = kConfigureAck;
    ByteSpan reply = p.data;
    if (!verdict.reject.empty()) {
        code = kConfigureReject;
        reply = verdict.reject;
    } else if (!verdict.nak.empty()) {
        if (failure_count_ >= timers_.max_failure) {
            // Max-Failure: stop suggesting. Options we had only added are simply dropped.
            code = verdict.nak_originals.empty() ? kConfigureAck : kConfigureReject;
            if (!verdict.nak_originals.empty()) reply = verdict.nak_originals;
        } else {
            ++failure_count_;
            code = kConfigureNak;
            reply = verdict.nak;
        }
    }
    bool good = code == kConfigureAck;

    if (state_ == FsmState::Opened) { // tld, scr, then answer
        layer_down(out);
        send_configure_request(now, out);
        send(code, p.id, reply, out);
        state_ = good ? FsmState::AckSent : FsmState::ReqSent;
        return;
    }
    if (state_ == FsmState::Stopped) { // irc, scr, then answer
        restart_count_ = timers_.max_configure;
        failure_count_ = 0;
        send_configure_request(now, out);
    }
    send(code, p.id, reply, out);
    if (good) failure_count_ = 0;
    switch (state_) {
    case FsmState::Stopped:
    case FsmState::ReqSent:
    case FsmState::AckSent:
        state_ = good ? FsmState::AckSent : FsmState::ReqSent;
        break;
    case FsmState::AckRcvd:
        if (good) {
            deadline_.reset();
            state_ = FsmState::Opened;
            layer_up(out);
        }
        break;
    default:
        break;
    }
}

void Fsm::receive_configure_ack(const ControlPacket& p, Millis now, FsmOutput& out) {
    bool matches = p.id == request_id_ && p.data.size() == request_options_.size() &&
                   std::equal(p.data.begin(), p.data.end(), request_options_.begin());
    if (state_ == FsmState::Closed || state_ == FsmState::Stopped) {
        send(kTerminateAck, p.id, {}, out);
        return;
    }
    if (!matches) { // RFC 1661 5.2: an Ack that is not ours is silently discarded
        ++counters_.unexpected_packets;
        return;
    }
    switch (state_) {
    case FsmState::ReqSent:
        restart_count_ = timers_.max_configure;
        state_ = FsmState::AckRcvd;
        break;
    case FsmState::AckSent:
        restart_count_ = timers_.max_configure;
        deadline_.reset();
        state_ = FsmState::Opened;
        layer_up(out);
        break;
    case FsmState::AckRcvd: // crossed connection
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
        break;
    case FsmState::Opened:
        layer_down(out);
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
        break;
    default:
        break;
    }
}

void Fsm::receive_configure_nak_reject(const ControlPacket& p, Millis now, FsmOutput& out) {
    if (state_ == FsmState::Closed || state_ == FsmState::Stopped) {
        send(kTerminateAck, p.id, {}, out);
        return;
    }
    if (state_ == FsmState::Closing || state_ == FsmState::Stopping) return;
    if (p.id != request_id_) {
        ++counters_.unexpected_packets;
        return;
    }
    auto options = parse_options(p.data);
    if (!options) {
        ++counters_.malformed_options;
        return;
    }
    if (p.code == kConfigureNak)
        policy_.on_nak(*options);
    else
        policy_.on_reject(*options);
    switch (state_) {
    case FsmState::ReqSent:
    case FsmState::AckSent:
        restart_count_ = timers_.max_configure;
        send_configure_request(now, out);
        break;
    case FsmState::AckRcvd:
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
        break;
    case FsmState::Opened:
        layer_down(out);
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
        break;
    default:
        break;
    }
}

void Fsm::receive_terminate_request(const ControlPacket& p, Millis now, FsmOutput& out) {
    switch (state_) {
    case FsmState::AckRcvd:
    case FsmState::AckSent:
        state_ = FsmState::ReqSent;
        break;
    case FsmState::Opened:
        layer_down(out);
        restart_count_ = 0; // zrc: wait one restart period, then finish
        start_timer(now);
        state_ = FsmState::Stopping;
        break;
    default:
        break;
    }
    send(kTerminateAck, p.id, {}, out);
}

void Fsm::receive_terminate_ack(Millis now, FsmOutput& out) {
    switch (state_) {
    case FsmState::Closing:
        layer_finished(out);
        state_ = FsmState::Closed;
        break;
    case FsmState::Stopping:
        layer_finished(out);
        state_ = FsmState::Stopped;
        break;
    case FsmState::AckRcvd:
        state_ = FsmState::ReqSent;
        break;
    case FsmState::Opened:
        layer_down(out);
        send_configure_request(now, out);
        state_ = FsmState::ReqSent;
        break;
    default:
        break;
    }
}

void Fsm::receive_code_reject(const ControlPacket& p, Millis now, FsmOutput& out) {
    // A rejected code of 1..7 means the peer cannot speak this protocol at all (RXJ-).
    uint8_t rejected = p.data.empty() ? 0 : p.data[0];
    if (rejected >= 1 && rejected <= 7) {
        reject_fatal(now, out);
        return;
    }
    if (state_ == FsmState::AckRcvd) state_ = FsmState::ReqSent; // RXJ+
}

} // namespace vp::ppp
