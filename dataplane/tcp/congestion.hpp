// Congestion control: NewReno (RFC 5681 slow start and congestion avoidance, RFC 6582 fast
// recovery), and, when the peer allows SACK, loss recovery driven by the scoreboard in the
// manner of RFC 6675 (holes below the highest SACKed byte are taken as lost; the "pipe"
// estimate limits what is in flight). docs/tcp.md says why NewReno rather than CUBIC.
#pragma once

#include "dataplane/tcp/connection.hpp"

#include <cstdint>

namespace vp::tcp {

// RFC 6928 initial window, capped by the given segment count.
void cc_init(Connection& c, uint32_t initial_segments);
// SND.UNA has advanced by `acked` bytes (already applied to c.snd_una).
void cc_on_ack(Connection& c, uint32_t acked);
// A duplicate ACK (RFC 5681 §2, or an ACK with new SACK information). Returns true when it
// started a loss recovery (the caller counts a fast retransmit; c.rexmit_una is set). DupThresh
// is lowered for small flights (RFC 5827 Early Retransmit).
bool cc_on_dupack(Connection& c);
// The retransmission timer expired (RFC 5681 §3.1 eq. 4, RFC 6582 §3.2 step 4).
void cc_on_rto(Connection& c);
// RFC 5681 §4.1: restart from the initial window after an idle period longer than the RTO.
void cc_after_idle(Connection& c, uint32_t initial_segments);
// RFC 6675 pipe: bytes believed to be in the network during SACK recovery.
uint32_t cc_pipe(const Connection& c);
// Lost retransmissions (the idea of RFC 8985's RACK, on the scoreboard): when more than
// DupThresh segments sent after the last hole retransmission have been SACKed while holes below
// HighRxt remain, those retransmissions were lost; start the holes over instead of waiting for
// the RTO. Returns true when it did.
bool cc_detect_lost_retransmissions(Connection& c);

} // namespace vp::tcp
