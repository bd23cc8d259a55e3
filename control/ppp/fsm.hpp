// The RFC 1661 option negotiation automaton (section 4), shared by LCP and IPCP in both roles.
// It owns the state, the identifiers, the restart timer deadline and the Max-Configure,
// Max-Terminate and Max-Failure counters; an OptionPolicy owns what the options mean. Time is
// an argument; the automaton never reads a clock. Layer events (This-Layer-Up/Down/Started/
// Finished) are reported in FsmOutput instead of callbacks, so the owner sequences the phases.
#pragma once

#include "control/ppp/frame.hpp"
#include "control/ppp/types.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vp::ppp {

enum class FsmState : uint8_t {
    Initial,
    Starting,
    Closed,
    Stopped,
    Closing,
    Stopping,
    ReqSent,
    AckRcvd,
    AckSent,
    Opened
};
const char* to_string(FsmState state);

struct FsmTimers {
    Millis restart_ms = 3000;
    unsigned max_configure = 10;
    unsigned max_terminate = 2;
    unsigned max_failure = 5;
};

struct FsmOutput {
    std::vector<Bytes> frames;
    bool up = false;       // This-Layer-Up
    bool down = false;     // This-Layer-Down
    bool finished = false; // This-Layer-Finished
};

// What the peer's Configure-Request gets: options to Nak (with our values), options to Reject
// (as received). Naks become Rejects once Max-Failure Naks were sent (RFC 1661 4.6).
struct RequestVerdict {
    Bytes nak;
    Bytes reject;
    Bytes nak_originals; // the Nak'd options as received, rejected after Max-Failure
};

class OptionPolicy {
public:
    virtual ~OptionPolicy() = default;
    virtual void build_request(Bytes& options) = 0;
    virtual void check_request(std::span<const Option> options, RequestVerdict& verdict) = 0;
    virtual void on_nak(std::span<const Option> options) = 0;
    virtual void on_reject(std::span<const Option> options) = 0;
    // Codes beyond 7 (LCP's Protocol-Reject, Echo, Discard...). Returns false for a code the
    // protocol does not know, which the automaton answers with Code-Reject.
    virtual bool extra_code(const ControlPacket&, FsmState, FsmOutput&) { return false; }
    // Called on This-Layer-Started/Down to forget what was negotiated.
    virtual void reset() {}
};

class Fsm {
public:
    Fsm(uint16_t protocol, OptionPolicy& policy, FsmTimers timers, Counters& counters);

    void up(Millis now, FsmOutput& out);
    void down(FsmOutput& out);
    void open(Millis now, FsmOutput& out);
    void close(Millis now, FsmOutput& out);
    // A control packet of this protocol (the information field after the protocol number).
    void input(ByteSpan information, Millis now, FsmOutput& out);
    void on_timer(Millis now, FsmOutput& out);

    // RXJ-: the peer Protocol-Rejected this protocol or Code-Rejected a fundamental code.
    void reject_fatal(Millis now, FsmOutput& out);

    FsmState state() const { return state_; }
    std::optional<Millis> deadline() const { return deadline_; }
    uint16_t protocol() const { return protocol_; }
    // The Code-Reject a caller other than the automaton needs (LCP Protocol-Reject building).
    uint8_t next_id() { return id_++; }
    // Bytes the peer may receive in one packet (LCP sets it to the peer's MRU).
    void set_peer_mru(uint16_t mru) { peer_mru_ = mru; }
    uint16_t peer_mru() const { return peer_mru_; }

private:
    void send_configure_request(Millis now, FsmOutput& out);
    void send_terminate_request(Millis now, FsmOutput& out);
    void send(uint8_t code, uint8_t id, ByteSpan data, FsmOutput& out);
    void start_timer(Millis now) { deadline_ = now + timers_.restart_ms; }
    void layer_up(FsmOutput& out);
    void layer_down(FsmOutput& out);
    void layer_finished(FsmOutput& out);
    void receive_configure_request(const ControlPacket& p, Millis now, FsmOutput& out);
    void receive_configure_ack(const ControlPacket& p, Millis now, FsmOutput& out);
    void receive_configure_nak_reject(const ControlPacket& p, Millis now, FsmOutput& out);
    void receive_terminate_request(const ControlPacket& p, Millis now, FsmOutput& out);
    void receive_terminate_ack(Millis now, FsmOutput& out);
    void receive_code_reject(const ControlPacket& p, Millis now, FsmOutput& out);

    uint16_t protocol_;
    OptionPolicy& policy_;
    FsmTimers timers_;
    Counters& counters_;
    FsmState state_ = FsmState::Initial;
    std::optional<Millis> deadline_;
    unsigned restart_count_ = 0;
    unsigned failure_count_ = 0;
    uint8_t id_ = 1;
    uint8_t request_id_ = 0; // the identifier of our outstanding Configure-Request
    Bytes request_options_;  // its options, to match the peer's Ack against
    uint16_t peer_mru_ = 1500;
};

} // namespace vp::ppp
