// Engine timers: what happens when a connection's deadline passes - retransmission (RFC 6298
// §5), SYN and SYN-ACK retries, zero-window probes, delayed ACKs, keepalive (RFC 9293 §3.8.4),
// TIME-WAIT and FIN-WAIT-2 expiry. The wheel calls on_timer(); it handles every deadline that
// is due and re-arms the wheel for the next.
#include "dataplane/tcp/congestion.hpp"
#include "dataplane/tcp/engine.hpp"
#include "dataplane/tcp/seq.hpp"

namespace vp::tcp {

void Engine::on_timer(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    if (!c.in_use || c.state == TcpState::Closed) return;
    uint64_t now = now_us_;
    if (c.delack_deadline_us && now >= c.delack_deadline_us) {
        c.delack_deadline_us = 0;
        if (c.rcv_unacked) {
            ++counters_.delayed_acks;
            c.ack_now = true;
            mark_dirty(idx);
        }
    }
    if (c.state_deadline_us && now >= c.state_deadline_us) {
        c.state_deadline_us = 0;
        if (c.state == TcpState::TimeWait) {
            enter_closed(idx, CloseReason::Normal);
            return;
        }
        if (c.state == TcpState::FinWait2) {
            ++counters_.conn_timeouts;
            ++counters_.conn_reset_tx;
            c.abort_rst = true;
            enter_closed(idx, CloseReason::Timeout);
            return;
        }
    }
    if (c.rtx_deadline_us && now >= c.rtx_deadline_us) {
        c.rtx_deadline_us = 0;
        if (c.rtx_is_pto) {
            c.rtx_is_pto = false;
            send_tail_loss_probe(idx, out);
            mark_dirty(idx);
        } else {
            on_rto(idx, out);
        }
        if (c.state == TcpState::Closed) return;
    }
    if (c.ka_deadline_us && now >= c.ka_deadline_us) {
        c.ka_deadline_us = 0;
        on_keepalive(idx, out);
        if (c.state == TcpState::Closed) return;
    }
    arm_timer(idx);
}

void Engine::on_rto(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    if (c.state == TcpState::SynSent || c.state == TcpState::SynReceived) {
        uint8_t limit = c.state == TcpState::SynSent ? cfg_.syn_retries : cfg_.synack_retries;
        if (++c.syn_tries > limit) {
            if (c.state == TcpState::SynReceived && c.passive)
                ++counters_.synrecv_timeouts;
            else
                ++counters_.conn_timeouts;
            enter_closed(idx, CloseReason::Timeout);
            return;
        }
        c.syn_retransmitted = true;
        if (c.backoff < 16) ++c.backoff;
        c.need_syn = true;
        ++counters_.retransmits;
        c.rtx_deadline_us = now_us_ + rto_now(c);
        mark_dirty(idx);
        return;
    }
    if (c.in_persist) {
        if (c.probes >= cfg_.max_retransmits) { // probes went unanswered (RFC 9293 §3.8.6.1)
            ++counters_.conn_timeouts;
            ++counters_.conn_reset_tx;
            c.abort_rst = true;
            enter_closed(idx, CloseReason::Timeout);
            return;
        }
        send_persist_probe(idx, out);
        mark_dirty(idx);
        return;
    }
    if (c.snd_una == c.snd_max) return; // nothing outstanding: a stale deadline
    if (c.backoff >= cfg_.max_retransmits) {
        ++counters_.conn_timeouts;
        ++counters_.conn_reset_tx;
        c.abort_rst = true;
        enter_closed(idx, CloseReason::Timeout);
        return;
    }
    ++counters_.rto_expirations;
    cc_on_rto(c);
    // RFC 6298 §5.4-5.6: retransmit the earliest unacknowledged segment (the go-back-N output
    // from SND.UNA does), double the timeout, restart the timer; Karn: stop timing.
    c.snd_nxt = c.snd_una;
    c.rtt_timing = false;
    if (c.backoff < 16) ++c.backoff;
    c.rtx_deadline_us = now_us_ + rto_now(c);
    mark_dirty(idx);
}

void Engine::on_keepalive(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    if (!cfg_.keepalive_idle_ms) return;
    if (c.state != TcpState::Established && c.state != TcpState::CloseWait) return;
    uint64_t idle = uint64_t{cfg_.keepalive_idle_ms} * 1000;
    if (c.snd_una != c.snd_max || c.in_persist) { // the retransmission timer watches the peer
        c.ka_deadline_us = now_us_ + idle;
        return;
    }
    if (c.ka_probes == 0 && now_us_ - c.last_rx_us < idle) {
        c.ka_deadline_us = c.last_rx_us + idle;
        return;
    }
    if (c.ka_probes >= cfg_.keepalive_probes) {
        ++counters_.conn_timeouts;
        ++counters_.conn_reset_tx;
        c.abort_rst = true;
        enter_closed(idx, CloseReason::Timeout);
        return;
    }
    // A probe is an ACK with SEQ = SND.UNA - 1 and no data; the peer must answer it.
    OptionsOut o;
    fill_options(c, o, false);
    if (emit(c, c.snd_una - 1, 0, flag::Ack, o, out)) ++counters_.keepalive_probes;
    ++c.ka_probes;
    c.ka_deadline_us = now_us_ + uint64_t{cfg_.keepalive_interval_ms} * 1000;
}

} // namespace vp::tcp
