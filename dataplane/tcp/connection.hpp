// The transmission control block: everything one TCP connection keeps (RFC 9293 §3.3.1), owned
// by the worker whose engine holds it. Plain data; the engine's input, output and timer code
// operate on it.
#pragma once

#include "dataplane/tcp/index_list.hpp"
#include "dataplane/tcp/mbuf_list.hpp"
#include "dataplane/tcp/ooo_queue.hpp"
#include "dataplane/tcp/rtt.hpp"
#include "dataplane/tcp/sack_scoreboard.hpp"
#include "dataplane/tcp/stream_types.hpp"

#include <cstdint>

namespace vp::tcp {

enum class TcpState : uint8_t {
    Closed = 0,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
};

const char* to_string(TcpState s);

// The connection table's key: the peer's address and port and ours, host order. 12 bytes, no
// padding, so it can be hashed as bytes.
struct FlowKey {
    uint32_t remote_ip = 0;
    uint32_t local_ip = 0;
    uint16_t remote_port = 0;
    uint16_t local_port = 0;
    bool operator==(const FlowKey&) const = default;
};
static_assert(sizeof(FlowKey) == 12);

// Consumer notifications waiting to be delivered at the end of the current engine call.
namespace event {
inline constexpr uint8_t Opened = 0x01;
inline constexpr uint8_t Readable = 0x02;
inline constexpr uint8_t PeerClosed = 0x04;
inline constexpr uint8_t Writable = 0x08;
inline constexpr uint8_t Closed = 0x10;
} // namespace event

// Congestion control state: NewReno (RFC 5681, RFC 6582) with SACK-based loss recovery in the
// manner of RFC 6675 when the peer allows SACK. See congestion.hpp.
struct Congestion {
    uint32_t cwnd = 0;
    uint32_t ssthresh = UINT32_MAX;
    uint32_t recover = 0;      // RFC 6582: highest sequence sent when recovery began
    uint32_t high_rxt = 0;     // RFC 6675 HighRxt: retransmissions have covered up to here
    uint32_t rxt_mark = 0;     // SND.NXT when the last hole was retransmitted
    uint32_t bytes_acked = 0;  // RFC 5681 §3.1 byte counting in congestion avoidance
    uint32_t last_advance = 0; // bytes the last advancing ACK covered (RFC 6582 §4.2)
    uint32_t lt_bytes = 0;     // sent by Limited Transmit since the last advance (RFC 3042)
    uint8_t dupacks = 0;
    bool in_recovery = false;
    bool cwnd_limited = false; // the last send stopped at cwnd (RFC 7661's test for growth)
};

inline constexpr uint32_t kNoIndex = kNoListIndex;

struct Connection {
    FlowKey key;
    uint32_t generation = 0;
    TcpState state = TcpState::Closed;
    ConsumerKind consumer = ConsumerKind::Discard;
    CloseReason close_reason = CloseReason::Normal;
    uint8_t events = 0; // pending event:: bits

    // Options negotiated on the SYNs.
    bool ts_ok = false;
    bool sack_ok = false;
    uint8_t snd_wscale = 0; // shift of the peer's window field
    uint8_t rcv_wscale = 0; // shift of ours
    uint16_t snd_mss = 536; // payload per segment, before options
    bool passive = false;
    bool from_cookie = false;

    // What the consumer and the engine have asked for.
    bool in_use = false;
    bool fin_queued = false;    // close(): send FIN after the queued data
    bool fin_received = false;  // the peer's FIN has been taken in sequence
    bool opened = false;        // the Opened event was delivered
    bool hold = false;          // keep the slot after Closed until release() (punt consumer)
    bool want_writable = false; // send() was refused for lack of room
    bool ack_now = false;       // send an ACK at the end of this call
    bool in_dirty = false;      // on the engine's dirty list
    bool in_punt = false;       // on the engine's punt list
    bool punt_paused = false;   // stepwise punting waits for punt_resume()
    bool syn_retransmitted = false;
    bool rtt_timing = false;
    bool in_persist = false;
    bool need_syn = false;   // (re)send our SYN or SYN-ACK at the next output
    bool rexmit_una = false; // retransmit the segment at SND.UNA first (fast retransmit,
                             // NewReno partial ACK)
    bool ws_ok = false;      // window scaling negotiated
    bool closed_notified = false;
    bool rtx_is_pto = false; // rtx_deadline is a tail-loss probe timeout (RFC 8985 §7)
    bool tlp_out = false;    // a probe is out; no other until SND.UNA passes tlp_high
    bool abort_rst = false;  // send RST when flushed (abort, timeouts)

    uint64_t user_data = 0;
    PuntMode punt;

    // Send sequence space (RFC 9293 §3.3.1). SND.MAX is the highest sequence ever sent; SND.NXT
    // falls back to SND.UNA after a timeout.
    uint32_t iss = 0;
    uint32_t snd_una = 0;
    uint32_t snd_nxt = 0;
    uint32_t snd_max = 0;
    uint32_t snd_wnd = 0; // scaled
    uint32_t max_snd_wnd = 0;
    uint32_t snd_wl1 = 0;
    uint32_t snd_wl2 = 0;
    uint32_t snd_q_seq = 0; // sequence number of snd_q's first byte
    uint32_t tlp_high = 0;  // SND.MAX when the tail-loss probe went out

    // Receive sequence space.
    uint32_t irs = 0;
    uint32_t rcv_nxt = 0;
    uint32_t rcv_adv = 0;      // right edge of the window we last advertised
    uint32_t rcv_unacked = 0;  // in-order bytes received since our last ACK
    uint32_t peer_fin_seq = 0; // sequence number of a FIN seen out of order
    bool peer_fin_pending = false;

    // RFC 7323 timestamps. TS.Recent, its age, and our clock offset for this connection.
    uint32_t ts_recent = 0;
    uint64_t ts_recent_us = 0;
    uint32_t ts_offset = 0;
    uint32_t last_ack_sent = 0;

    RttEstimator rtt;
    uint32_t rtt_seq = 0; // timing the segment that ends here (no timestamps)
    uint64_t rtt_start_us = 0;
    uint8_t backoff = 0; // consecutive RTO expirations
    uint8_t probes = 0;  // unanswered keepalive or zero-window probes
    uint8_t syn_tries = 0;
    uint8_t ka_probes = 0;
    uint16_t rcv_mss = 536;  // largest payload seen: "full-sized" for delayed ACKs
    uint8_t punt_events = 0; // event:: bits waiting for punt_poll()

    Congestion cc;
    SackScoreboard scoreboard;

    // Timers, absolute microseconds; 0 = not armed. The retransmission timer doubles as the
    // SYN/SYN-ACK timer and the persist timer; state_deadline is TIME-WAIT or FIN-WAIT-2.
    uint64_t rtx_deadline_us = 0;
    uint64_t delack_deadline_us = 0;
    uint64_t state_deadline_us = 0;
    uint64_t ka_deadline_us = 0;
    uint64_t last_rx_us = 0;
    uint64_t last_tx_us = 0;

    MbufList snd_q; // unacknowledged and unsent bytes, from snd_q_seq
    MbufList rcv_q; // in-order bytes not yet taken by the consumer
    OooQueue ooo;

    // Cache for finding the send-buffer segment of SND.NXT without walking from the head.
    rte_mbuf* cursor_seg = nullptr;
    uint32_t cursor_seq = 0;

    // Intrusive lists of the engine (slot indexes).
    uint32_t dirty_next = kNoIndex;
    uint32_t punt_next = kNoIndex;
    uint32_t tw_prev = kNoIndex;
    uint32_t tw_next = kNoIndex;

    uint32_t fin_seq() const { return snd_q_seq + snd_q.bytes(); }
    bool synchronized() const { return state >= TcpState::Established; }
    uint32_t in_flight() const { return snd_max - snd_una; }
};

} // namespace vp::tcp
