// NewReno with SACK-based recovery. See congestion.hpp.
#include "dataplane/tcp/congestion.hpp"

#include "dataplane/tcp/seq.hpp"

#include <algorithm>

namespace vp::tcp {

namespace {
constexpr uint32_t kCwndCap = 1u << 30;

uint32_t initial_window(uint32_t mss, uint32_t segments) {
    // RFC 6928: min(10*MSS, max(2*MSS, 14600)); a smaller configured count wins.
    uint32_t iw = std::min(10 * mss, std::max(2 * mss, 14600u));
    return std::min(iw, segments * mss);
}
} // namespace

void cc_init(Connection& c, uint32_t initial_segments) {
    c.cc = Congestion{};
    c.cc.cwnd = initial_window(c.snd_mss, initial_segments);
    c.cc.ssthresh = UINT32_MAX;
    c.cc.recover = c.iss;
    c.cc.high_rxt = c.snd_una;
}

void cc_after_idle(Connection& c, uint32_t initial_segments) {
    c.cc.cwnd = std::min(c.cc.cwnd, initial_window(c.snd_mss, initial_segments));
}

void cc_on_ack(Connection& c, uint32_t acked) {
    Congestion& cc = c.cc;
    uint32_t mss = c.snd_mss;
    cc.last_advance = acked;
    cc.lt_bytes = 0;
    if (cc.in_recovery) {
        if (seq_geq(c.snd_una, cc.recover)) {
            // Full acknowledgment (RFC 6582 §3.2 step 3, option 1): deflate to ssthresh, but
            // not so far above what is in flight that a burst follows.
            uint32_t flight = c.snd_max - c.snd_una;
            cc.cwnd = std::min(cc.ssthresh, std::max(flight, mss) + mss);
            cc.in_recovery = false;
            cc.dupacks = 0;
            cc.bytes_acked = 0;
            return;
        }
        // Partial acknowledgment.
        if (c.sack_ok) {
            if (seq_lt(cc.high_rxt, c.snd_una)) cc.high_rxt = c.snd_una;
        } else {
            // RFC 6582 §3.2 step 3: retransmit the first unacknowledged segment, deflate by the
            // amount acknowledged, add back one MSS if that was at least one MSS.
            c.rexmit_una = true;
            cc.cwnd = cc.cwnd > acked ? cc.cwnd - acked : 0;
            if (acked >= mss) cc.cwnd += mss;
            if (cc.cwnd < mss) cc.cwnd = mss;
        }
        return;
    }
    cc.dupacks = 0;
    if (!cc.cwnd_limited) return; // RFC 7661: an application-limited window does not grow
    if (cc.cwnd < cc.ssthresh) {
        // Slow start with appropriate byte counting, L = 2*SMSS (RFC 3465).
        cc.cwnd += std::min(acked, 2 * mss);
    } else {
        // Congestion avoidance: one MSS per window of acknowledged bytes (RFC 5681 §3.1).
        cc.bytes_acked += acked;
        if (cc.bytes_acked >= cc.cwnd) {
            cc.bytes_acked -= cc.cwnd;
            cc.cwnd += mss;
        }
    }
    if (cc.cwnd > kCwndCap) cc.cwnd = kCwndCap;
}

bool cc_on_dupack(Connection& c) {
    Congestion& cc = c.cc;
    uint32_t mss = c.snd_mss;
    if (cc.dupacks < 255) ++cc.dupacks;
    if (cc.in_recovery) {
        if (!c.sack_ok) cc.cwnd += mss; // RFC 6582 §3.2 step 4: inflate
        return false;
    }
    // DupThresh is 3, but with fewer than four segments outstanding three duplicates can never
    // come: Early Retransmit (RFC 5827) lowers it to one less than the segments outstanding.
    uint32_t flight = c.snd_max - c.snd_una;
    uint32_t oseg = (flight + mss - 1) / mss;
    uint32_t thresh = oseg < 4 ? std::max(oseg, 2u) - 1 : 3;
    bool lost = cc.dupacks >= thresh;
    // RFC 6675 §5 IsLost(SND.UNA): more than (DupThresh - 1) * SMSS bytes SACKed above it.
    if (c.sack_ok && c.scoreboard.sacked_above(c.snd_una) > (thresh - 1) * mss) lost = true;
    if (!lost) return false;
    // RFC 6582 §3.2 step 1: no new recovery until everything sent before the last one (or the
    // last timeout) is acknowledged, so one window's losses cost one reduction - unless the
    // ACK heuristic of §4.2 says these duplicates come from a new loss (the ACKs before them
    // advanced by at most 4 segments, so they are not echoes of a go-back-N resend).
    bool fresh = seq_gt(c.snd_una, cc.recover) || cc.recover == c.iss;
    bool heuristic = cc.cwnd > mss && cc.last_advance <= 4 * mss;
    if (!fresh && !heuristic) {
        if (!c.sack_ok) return false;
        // With SACK the scoreboard proves these holes were lost, in a window already reduced
        // once (typically the go-back-N after a timeout): repair them without reducing again.
        cc.in_recovery = true;
        cc.high_rxt = c.snd_una;
        cc.rxt_mark = c.snd_max;
        c.rexmit_una = true;
        return true;
    }
    // RFC 3042 §2: segments sent by Limited Transmit do not count in the FlightSize halved.
    uint32_t counted = flight > cc.lt_bytes ? flight - cc.lt_bytes : flight;
    cc.ssthresh = std::max(counted / 2, 2 * mss);
    cc.recover = c.snd_max;
    cc.in_recovery = true;
    cc.high_rxt = c.snd_una;
    cc.rxt_mark = c.snd_max;
    cc.bytes_acked = 0;
    cc.cwnd = c.sack_ok ? cc.ssthresh : cc.ssthresh + 3 * mss;
    c.rexmit_una = true;
    return true;
}

void cc_on_rto(Connection& c) {
    Congestion& cc = c.cc;
    uint32_t mss = c.snd_mss;
    // A second timeout of the same data does not halve again (RFC 5681 §3.1, on eq. 4).
    if (c.backoff == 0) {
        uint32_t flight = c.snd_max - c.snd_una;
        cc.ssthresh = std::max(flight / 2, 2 * mss);
    }
    cc.cwnd = mss; // loss window
    cc.in_recovery = false;
    cc.dupacks = 0;
    cc.bytes_acked = 0;
    cc.recover = c.snd_max;
    cc.high_rxt = c.snd_una;
    // RFC 2018 §8: after a timeout the sender must not rely on earlier SACKs (the receiver may
    // have reneged); start the retransmission from SND.UNA.
    c.scoreboard.clear();
    c.rexmit_una = false;
    c.tlp_out = false;
}

uint32_t cc_pipe(const Connection& c) {
    uint32_t high = c.scoreboard.high(c.snd_una);
    uint32_t beyond = seq_gt(c.snd_nxt, high) ? c.snd_nxt - high : 0;
    uint32_t rxt_end = seq_min(c.cc.high_rxt, high);
    return beyond + c.scoreboard.unsacked_between(c.snd_una, rxt_end);
}

bool cc_detect_lost_retransmissions(Connection& c) {
    Congestion& cc = c.cc;
    if (!cc.in_recovery || !c.sack_ok || !seq_gt(cc.high_rxt, c.snd_una)) return false;
    if (c.scoreboard.sacked_above(cc.rxt_mark) <= 2u * c.snd_mss) return false;
    uint32_t hs, he;
    if (!c.scoreboard.next_hole(c.snd_una, hs, he) || !seq_lt(hs, cc.high_rxt)) return false;
    cc.high_rxt = c.snd_una;
    cc.rxt_mark = c.snd_nxt;
    return true;
}

} // namespace vp::tcp
