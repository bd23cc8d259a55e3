// The server's SSTP control state machine (MS-SSTP 3.3): Connect Request -> Ack/Nak, the
// crypto-bound Call Connected, echo (hello) keepalive, abort and disconnect with their timers.
// Pure: time and the PPP layer's events are inputs, and every effect is an Action the caller
// performs (send bytes on the TLS stream, hand a PPP frame to control/ppp, close the connection).
#pragma once

#include "base/bytes.hpp"
#include "control/sstp/crypto_binding.hpp"
#include "dataplane/sstp/wire.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace vp::sstp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct ControlTimers {
    std::chrono::milliseconds negotiation{60'000}; // HTTPS up -> Call Connected (restarted by Ack)
    std::chrono::milliseconds hello{60'000};       // idle -> Echo Request; silent again -> close
    std::chrono::milliseconds abort_sent{3'000};   // we sent Abort: wait, then close
    std::chrono::milliseconds abort_received{1'000};
    std::chrono::milliseconds disconnect_sent{5'000};  // wait this long for Disconnect Ack
    std::chrono::milliseconds disconnect_acked{1'000}; // peer Disconnect: Ack, wait, close
};

inline constexpr unsigned kMaxConnectRetries = 3; // Naks before the server aborts

struct ControlConfig {
    BindingExpectation binding; // nonce (random, from the caller), offered hashes, cert hashes
    ControlTimers timers;
};

enum class ControlState : uint8_t {
    ConnectRequestPending, // HTTPS up, waiting for Connect Request
    CallConnectPending,    // Ack sent, PPP negotiating, waiting for Call Connected
    Connected,             // crypto binding verified: IP may flow
    AbortInProgress,       // an Abort was sent or received; closing when the timer fires
    DisconnectInProgress,  // we sent Disconnect; waiting for Disconnect Ack
    DisconnectAckSent,     // the peer sent Disconnect; we acked and close when the timer fires
    Closed,
};

enum class CloseReason : uint8_t {
    AbortSent,        // after our Abort and its wait
    PeerAbort,        // after the peer's Abort and its wait
    Disconnected,     // our Disconnect was acked (or its wait ran out)
    PeerDisconnected, // the peer's Disconnect, acked
    HelloTimeout,     // two silent hello intervals: the peer is gone (no Abort: nobody to read it)
    StreamError,      // the byte stream cannot be parsed: framing is lost
};

struct Action {
    enum class Kind : uint8_t {
        Send,       // `bytes`: an SSTP control packet to write to the TLS stream
        DeliverPpp, // `bytes`: a PPP frame from the peer, for control/ppp
        Connected,  // crypto binding verified: the session may be published to the workers
        Close,      // `reason`: close the TLS connection now
    };
    Kind kind;
    Bytes bytes;
    CloseReason reason = CloseReason::AbortSent;
};

// Named drop and event counters (an operator reads them per session and summed).
struct ControlCounters {
    uint64_t malformed = 0;           // packets the wire parser refused
    uint64_t unknown_messages = 0;    // control types outside 1..9, ignored
    uint64_t unexpected_messages = 0; // known types in the wrong state
    uint64_t data_before_ack = 0;     // data packets before the Ack, dropped
    uint64_t ip_before_connected = 0; // IPv4/IPv6 frames before Call Connected verified, dropped
    uint64_t naks_sent = 0;
    uint64_t echo_requests_sent = 0;
    BindingCheck last_binding = BindingCheck::Ok; // why the last Call Connected was refused
    uint64_t binding_failures = 0;
};

class ControlFsm {
public:
    using Actions = std::vector<Action>;

    // The TLS handshake and the HTTP exchange are done: the negotiation timer starts now.
    ControlFsm(ControlConfig config, TimePoint now);

    // One complete SSTP packet from the stream splitter (control or data).
    Actions on_packet(ByteSpan packet, TimePoint now);
    // A parse failure of the stream itself: framing is lost, close without a word.
    Actions on_stream_error();
    // The worker saw traffic (IP data bypasses the control plane once connected): hello restarts.
    void note_rx(TimePoint now);
    // Timers: call at or after next_deadline().
    Actions on_timer(TimePoint now);
    std::optional<TimePoint> next_deadline() const { return deadline_; }

    // PPP authentication finished: its HLAK (32 zero bytes for PAP/CHAP). A Call Connected that
    // raced ahead of it is verified now.
    Actions ppp_authenticated(const Hlak& hlak, TimePoint now);
    // Local decisions: an operator's disconnect, or PPP giving up (send Abort with this status).
    Actions disconnect(TimePoint now);
    Actions abort(StatusAttribute status, TimePoint now);

    ControlState state() const { return state_; }
    const ControlCounters& counters() const { return counters_; }

private:
    void handle_control(const ControlMessage& m, ByteSpan packet, TimePoint now, Actions& out);
    void handle_data(ByteSpan ppp, Actions& out);
    void on_connect_request(const ControlMessage& m, TimePoint now, Actions& out);
    void verify_parked(TimePoint now, Actions& out);
    void send_abort(StatusAttribute status, TimePoint now, Actions& out);
    void close(CloseReason reason, Actions& out);
    bool closing() const;

    ControlConfig config_;
    ControlState state_ = ControlState::ConnectRequestPending;
    std::optional<TimePoint> deadline_;
    CloseReason pending_close_ = CloseReason::AbortSent; // what the closing timer reports
    unsigned naks_ = 0;
    bool echo_outstanding_ = false;
    std::optional<Hlak> hlak_;
    std::optional<Bytes> parked_call_connected_; // arrived before ppp_authenticated
    ControlCounters counters_;
};

} // namespace vp::sstp
