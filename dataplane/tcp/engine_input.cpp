// Engine input: segment arrival (RFC 9293 §3.10.7) for LISTEN (with SYN cookies), SYN-SENT,
// the synchronized states and TIME-WAIT, with the RFC 5961 checks, RFC 7323 PAWS, and the
// receive side (reassembly, delayed ACKs).
#include "dataplane/tcp/congestion.hpp"
#include "dataplane/tcp/engine.hpp"
#include "dataplane/tcp/seq.hpp"

#include <rte_hash.h>
#include <rte_ip.h>

#include <algorithm>

namespace vp::tcp {

namespace {
// RFC 7323 §5.5: TS.Recent older than 24 days is no basis for PAWS.
constexpr uint64_t kPawsIdleUs = 24ull * 24 * 3600 * 1000000;

// Keeps [off, off + len) of a received packet chain as stream segments; frees the rest.
void take_payload(rte_mbuf* m, uint32_t off, uint32_t len, MbufList& out) {
    uint32_t skip = off;
    while (m) {
        rte_mbuf* next = m->next;
        m->next = nullptr;
        uint32_t dl = m->data_len;
        if (skip >= dl || len == 0) {
            skip -= std::min(skip, dl);
            rte_pktmbuf_free_seg(m);
        } else {
            uint32_t take = std::min(dl - skip, len);
            m->data_off = static_cast<uint16_t>(m->data_off + skip);
            m->data_len = static_cast<uint16_t>(take);
            skip = 0;
            len -= take;
            out.append(m);
        }
        m = next;
    }
}
} // namespace

void Engine::count_parse_error(ParseError e) {
    switch (e) {
    case ParseError::Truncated:
        ++counters_.drop_truncated;
        break;
    case ParseError::NotIpv4:
        ++counters_.drop_not_ipv4;
        break;
    case ParseError::BadIpHeader:
        ++counters_.drop_bad_ip_header;
        break;
    case ParseError::NotTcp:
        ++counters_.drop_not_tcp;
        break;
    case ParseError::Fragment:
        ++counters_.drop_fragment;
        break;
    case ParseError::BadDataOffset:
        ++counters_.drop_bad_data_offset;
        break;
    case ParseError::BadOptions:
        ++counters_.drop_bad_options;
        break;
    case ParseError::BadAddress:
        ++counters_.drop_bad_address;
        break;
    case ParseError::BadPort:
        ++counters_.drop_bad_port;
        break;
    case ParseError::BadFlags:
        ++counters_.drop_bad_flags;
        break;
    case ParseError::None:
    case ParseError::Count:
        break;
    }
}

void Engine::input(rte_mbuf* m, uint64_t now_us, TxBatch& out) {
    if (now_us > now_us_) now_us_ = now_us;
    ++counters_.rx_segments;
    TcpSegment seg;
    const uint8_t* data = rte_pktmbuf_mtod(m, const uint8_t*);
    ParseError e = parse_segment({data, m->data_len}, m->pkt_len, seg);
    if (e != ParseError::None) {
        count_parse_error(e);
        rte_pktmbuf_free(m);
        return;
    }
    bool ok;
    uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
        ok = true;
    else if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)
        ok = false;
    else if (m->nb_segs == 1)
        ok = tcp_checksum_ok({data, m->data_len}, seg);
    else {
        uint16_t raw = 0;
        uint32_t l4_len = seg.ip_total_len - seg.ip_header_len;
        ok = rte_raw_cksum_mbuf(m, seg.ip_header_len, l4_len, &raw) == 0 &&
             fold_checksum(uint32_t{raw} +
                           rte_ipv4_phdr_cksum(reinterpret_cast<const rte_ipv4_hdr*>(data), 0)) ==
                 0xffff;
    }
    if (!ok) {
        ++counters_.drop_bad_checksum;
        rte_pktmbuf_free(m);
        return;
    }
    FlowKey flow{seg.src_ip, seg.dst_ip, seg.src_port, seg.dst_port};
    void* d = nullptr;
    if (rte_hash_lookup_data(table_, &flow, &d) < 0) {
        input_listen(m, seg, flow, out);
    } else {
        uint32_t idx = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(d));
        switch (conns_[idx].state) {
        case TcpState::SynSent:
            input_syn_sent(idx, m, seg, out);
            break;
        case TcpState::TimeWait:
            input_time_wait(idx, m, seg, out);
            break;
        default:
            input_synchronized(idx, m, seg, out);
            break;
        }
    }
    flush(out);
}

void Engine::send_rst_for(const TcpSegment& seg, TxBatch& out) {
    if (!rate_ok(rst_count_, rst_second_, cfg_.rst_per_s)) {
        ++counters_.drop_rst_rate_limited;
        return;
    }
    FlowKey reply{seg.src_ip, seg.dst_ip, seg.src_port, seg.dst_port};
    bool sent;
    if (seg.has(flag::Ack))
        sent = emit_raw(reply, seg.ack, 0, flag::Rst, 0, nullptr, out);
    else
        sent = emit_raw(reply, 0, seg.seq + seg.seq_len(), flag::Rst | flag::Ack, 0, nullptr, out);
    if (sent) ++counters_.rst_sent;
}

void Engine::challenge_ack(uint32_t idx, TxBatch&) {
    if (!rate_ok(challenge_count_, challenge_second_, cfg_.challenge_acks_per_s)) {
        ++counters_.drop_challenge_ack_limited;
        return;
    }
    ++counters_.challenge_acks;
    conns_[idx].ack_now = true;
    mark_dirty(idx);
}

void Engine::negotiate_syn_options(Connection& c, const TcpSegment& seg) {
    uint32_t peer = seg.opt.has_mss && seg.opt.mss ? seg.opt.mss : 536u;
    uint32_t mss = std::min<uint32_t>(peer, cfg_.mss);
    c.snd_mss = static_cast<uint16_t>(std::max<uint32_t>(mss, cfg_.min_snd_mss));
    c.ws_ok = cfg_.window_scaling && seg.opt.has_wscale;
    c.snd_wscale = c.ws_ok ? std::min<uint8_t>(seg.opt.wscale, 14) : 0;
    c.rcv_wscale = c.ws_ok ? static_cast<uint8_t>(rcv_wscale_) : 0;
    c.sack_ok = cfg_.sack && seg.opt.sack_permitted;
    c.ts_ok = cfg_.timestamps && seg.opt.has_timestamps;
    if (c.ts_ok) {
        c.ts_recent = seg.opt.ts_val;
        c.ts_recent_us = now_us_;
    }
}

void Engine::established(uint32_t idx) {
    Connection& c = conns_[idx];
    if (c.state == TcpState::SynReceived) --gauges_.syn_received;
    c.state = TcpState::Established;
    ++gauges_.established;
    ++counters_.conn_established;
    cc_init(c, cfg_.initial_cwnd_segments);
    c.events |= event::Opened;
    c.rtx_deadline_us = 0;
    c.backoff = 0;
    c.syn_tries = 0;
    c.need_syn = false;
    if (cfg_.keepalive_idle_ms)
        c.ka_deadline_us = now_us_ + uint64_t{cfg_.keepalive_idle_ms} * 1000;
    // RFC 6298 §5.7: a SYN that timed out without a later RTT sample leaves RTO at 3 s.
    if (c.syn_retransmitted && !c.rtt.has_sample)
        c.rtt.rto_us = std::min(std::max(c.rtt.rto_us, 3000000u), cfg_.rto_max_ms * 1000);
    if (c.fin_queued) c.state = TcpState::FinWait1; // close() came before the handshake ended
    mark_dirty(idx);
}

// ---- LISTEN ----

void Engine::input_listen(rte_mbuf* m, const TcpSegment& seg, const FlowKey& flow, TxBatch& out) {
    const Listener* l = find_listener(seg.dst_port);
    if (seg.has(flag::Rst)) {
        ++counters_.drop_rst_no_conn;
        rte_pktmbuf_free(m);
        return;
    }
    if (!l) {
        ++counters_.drop_no_listener;
        send_rst_for(seg, out);
        rte_pktmbuf_free(m);
        return;
    }
    if (seg.has(flag::Ack) && !seg.has(flag::Syn)) {
        // An ACK for no connection: the third segment of a handshake we answered with a cookie,
        // or junk (RFC 9293: answer with RST).
        bool recent = cookies_last_sent_us_ && now_us_ - cookies_last_sent_us_ <
                                                   uint64_t{SynCookies::kStepSeconds} *
                                                       (SynCookies::kMaxAgeSteps + 1) * 1000000;
        if (recent && cookies_.ready()) {
            uint32_t idx = kNoIndex;
            if (open_from_cookie(seg, flow, *l, idx)) {
                if (idx == kNoIndex) { // valid, but no room: the peer will retry
                    rte_pktmbuf_free(m);
                    return;
                }
                input_synchronized(idx, m, seg, out);
                return;
            }
            // While cookies are in use, a segment that fails the check may be a cookie
            // connection's later segment whose first ones were lost (only the first carries
            // SEQ = ISN + 1, which the cookie covers): drop it quietly, the peer resends. An
            // RST here would kill such connections, and would answer spoofed ACKs.
            ++counters_.syn_cookies_rejected;
            rte_pktmbuf_free(m);
            return;
        }
        send_rst_for(seg, out);
        rte_pktmbuf_free(m);
        return;
    }
    if (!seg.has(flag::Syn) || seg.has(flag::Ack)) {
        ++counters_.drop_listen_bad;
        rte_pktmbuf_free(m);
        return;
    }

    // A SYN. Hold state for it while the backlog has room; else answer statelessly.
    uint32_t idx = kNoIndex;
    if (gauges_.syn_received < cfg_.syn_backlog) idx = alloc_slot(flow);
    if (idx == kNoIndex) {
        if (cfg_.syn_cookies && cookies_.ready()) {
            uint16_t peer_mss = seg.opt.has_mss && seg.opt.mss ? seg.opt.mss : 536;
            uint32_t cookie = cookies_.make(flow, seg.seq, peer_mss, now_us_);
            OptionsOut o;
            o.mss = cfg_.mss;
            if (cfg_.timestamps && seg.opt.has_timestamps) {
                bool ws = cfg_.window_scaling && seg.opt.has_wscale;
                bool sack = cfg_.sack && seg.opt.sack_permitted;
                o.timestamps = true;
                uint32_t clock = static_cast<uint32_t>(now_us_ / 1000) + isn_.ts_offset(flow);
                o.ts_val = SynCookies::encode_ts(clock, ws, seg.opt.wscale, sack);
                o.ts_ecr = seg.opt.ts_val;
                o.wscale = ws ? static_cast<int8_t>(rcv_wscale_) : int8_t{-1};
                o.sack_permitted = sack;
            }
            uint16_t window = static_cast<uint16_t>(std::min(cfg_.rcv_buf_bytes, 65535u));
            if (emit_raw(flow, cookie, seg.seq + 1, flag::Syn | flag::Ack, window, &o, out)) {
                ++counters_.syn_cookies_sent;
                cookies_last_sent_us_ = now_us_;
            }
        } else if (gauges_.syn_received >= cfg_.syn_backlog) {
            ++counters_.drop_syn_backlog_full;
        } else {
            ++counters_.drop_table_full;
        }
        rte_pktmbuf_free(m);
        return;
    }
    Connection& c = conns_[idx];
    c.passive = true;
    c.state = TcpState::SynReceived;
    ++gauges_.syn_received;
    c.consumer = l->consumer;
    c.punt = l->punt;
    c.user_data = l->user_data;
    c.irs = seg.seq;
    c.rcv_nxt = seg.seq + 1;
    c.iss = isn_.isn(flow, now_us_);
    c.ts_offset = isn_.ts_offset(flow);
    c.snd_una = c.iss;
    c.snd_nxt = c.snd_max = c.iss + 1;
    c.snd_q_seq = c.iss + 1;
    negotiate_syn_options(c, seg);
    c.snd_wnd = c.max_snd_wnd = seg.window; // a SYN's window is never scaled
    c.snd_wl1 = seg.seq;
    c.need_syn = true;
    c.rtt_start_us = now_us_;
    c.rtx_deadline_us = now_us_ + uint64_t{cfg_.rto_initial_ms} * 1000;
    ++counters_.conn_passive;
    mark_dirty(idx);
    rte_pktmbuf_free(m); // data on a SYN is not taken (no TFO); the peer resends it
}

bool Engine::open_from_cookie(const TcpSegment& seg, const FlowKey& flow, const Listener& l,
                              uint32_t& idx) {
    uint16_t mss = 0;
    if (!cookies_.check(flow, seg.seq - 1, seg.ack - 1, now_us_, mss)) return false;
    idx = alloc_slot(flow);
    if (idx == kNoIndex) {
        ++counters_.drop_table_full;
        return true;
    }
    Connection& c = conns_[idx];
    c.passive = true;
    c.from_cookie = true;
    c.consumer = l.consumer;
    c.punt = l.punt;
    c.user_data = l.user_data;
    c.iss = seg.ack - 1;
    c.irs = seg.seq - 1;
    c.rcv_nxt = seg.seq;
    c.snd_una = c.snd_nxt = c.snd_max = seg.ack;
    c.snd_q_seq = seg.ack;
    c.snd_mss = static_cast<uint16_t>(
        std::max<uint32_t>(std::min<uint32_t>(mss, cfg_.mss), cfg_.min_snd_mss));
    c.ts_offset = isn_.ts_offset(flow);
    if (cfg_.timestamps && seg.opt.has_timestamps) {
        bool ws = false, sack = false;
        uint8_t wscale = 0;
        SynCookies::decode_ts(seg.opt.ts_ecr, ws, wscale, sack);
        c.ts_ok = true;
        c.ts_recent = seg.opt.ts_val;
        c.ts_recent_us = now_us_;
        c.ws_ok = ws && cfg_.window_scaling;
        c.snd_wscale = c.ws_ok ? wscale : 0;
        c.rcv_wscale = c.ws_ok ? static_cast<uint8_t>(rcv_wscale_) : 0;
        c.sack_ok = sack && cfg_.sack;
    }
    // What our SYN-ACK offered: the window, unscaled.
    c.rcv_adv = c.rcv_nxt + std::min(cfg_.rcv_buf_bytes, 65535u);
    c.snd_wnd = c.max_snd_wnd = uint32_t{seg.window} << c.snd_wscale;
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
    c.state = TcpState::SynReceived; // for the gauge bookkeeping in established()
    ++gauges_.syn_received;
    established(idx);
    ++counters_.syn_cookies_accepted;
    ++counters_.conn_passive;
    return true;
}

// ---- SYN-SENT ----

void Engine::input_syn_sent(uint32_t idx, rte_mbuf* m, const TcpSegment& seg, TxBatch& out) {
    Connection& c = conns_[idx];
    rte_pktmbuf_free(m); // data on a SYN-ACK is not taken; the peer resends it
    bool ack_ok = false;
    if (seg.has(flag::Ack)) {
        if (seq_leq(seg.ack, c.iss) || seq_gt(seg.ack, c.snd_max)) {
            ++counters_.drop_syn_sent_bad;
            if (!seg.has(flag::Rst)) send_rst_for(seg, out);
            return;
        }
        ack_ok = true;
    }
    if (seg.has(flag::Rst)) {
        if (ack_ok) {
            ++counters_.conn_reset_rx;
            enter_closed(idx, CloseReason::Refused);
        } else {
            ++counters_.drop_syn_sent_bad;
        }
        return;
    }
    if (!seg.has(flag::Syn)) {
        ++counters_.drop_syn_sent_bad;
        return;
    }
    c.irs = seg.seq;
    c.rcv_nxt = seg.seq + 1;
    negotiate_syn_options(c, seg);
    c.rcv_adv = c.rcv_nxt + std::min(rx_free_space(c), 65535u); // what our SYN offered
    c.snd_wnd = c.max_snd_wnd = seg.window;
    c.snd_wl1 = seg.seq;
    c.last_rx_us = now_us_;
    if (ack_ok) {
        c.snd_una = seg.ack;
        c.snd_wl2 = seg.ack;
        if (!c.syn_retransmitted)
            c.rtt.sample(static_cast<uint32_t>(now_us_ - c.rtt_start_us),
                         {cfg_.rto_min_ms * 1000, cfg_.rto_max_ms * 1000, cfg_.tick_us});
        established(idx);
        c.ack_now = true;
    } else {
        // Simultaneous open (RFC 9293 §3.5): SYN-RECEIVED, answer with SYN-ACK.
        c.state = TcpState::SynReceived;
        ++gauges_.syn_received;
        c.need_syn = true;
    }
    mark_dirty(idx);
}

// ---- TIME-WAIT ----

void Engine::input_time_wait(uint32_t idx, rte_mbuf* m, const TcpSegment& seg, TxBatch& out) {
    Connection& c = conns_[idx];
    if (seg.has(flag::Rst)) {
        // RFC 1337: an RST must not cut TIME-WAIT short (old duplicates could then be taken
        // by a new incarnation).
        rte_pktmbuf_free(m);
        return;
    }
    if (seg.has(flag::Syn) && !seg.has(flag::Ack)) {
        // A new incarnation may start when its SYN is beyond the old sequence space, or newer
        // by timestamp (RFC 6191).
        bool newer = seq_gt(seg.seq, c.rcv_nxt) ||
                     (c.ts_ok && seg.opt.has_timestamps && seq_gt(seg.opt.ts_val, c.ts_recent));
        if (newer) {
            ++counters_.time_wait_reopened;
            FlowKey flow = c.key;
            enter_closed(idx, CloseReason::Normal);
            input_listen(m, seg, flow, out);
            return;
        }
    }
    if (seg.has(flag::Fin) || seg.payload_len || seg.has(flag::Syn)) {
        // A retransmitted FIN (our ACK was lost) or a stray: ACK again and restart 2*MSL for a
        // FIN (RFC 9293 §3.10.7.4).
        if (seg.has(flag::Fin)) c.state_deadline_us = now_us_ + uint64_t{cfg_.time_wait_ms} * 1000;
        c.ack_now = true;
        mark_dirty(idx);
    }
    rte_pktmbuf_free(m);
}

// ---- Synchronized states ----

void Engine::input_synchronized(uint32_t idx, rte_mbuf* m, const TcpSegment& seg, TxBatch& out) {
    Connection& c = conns_[idx];
    if (c.state == TcpState::SynReceived && seg.has(flag::Syn) && !seg.has(flag::Ack)) {
        if (seg.seq == c.irs) { // our SYN-ACK was lost: send it again
            c.need_syn = true;
            mark_dirty(idx);
        }
        rte_pktmbuf_free(m);
        return;
    }
    // PAWS (RFC 7323 §5.3).
    if (c.ts_ok && seg.opt.has_timestamps && !seg.has(flag::Rst) &&
        seq_lt(seg.opt.ts_val, c.ts_recent) && now_us_ - c.ts_recent_us < kPawsIdleUs) {
        ++counters_.drop_paws;
        c.ack_now = true;
        mark_dirty(idx);
        rte_pktmbuf_free(m);
        return;
    }
    // Acceptability (RFC 9293 §3.10.7.4, first check).
    uint32_t rcv_wnd = seq_gt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
    uint32_t seg_len = seg.seq_len();
    bool acceptable;
    bool ack_only = false;
    if (seg_len == 0) {
        acceptable =
            rcv_wnd == 0 ? seg.seq == c.rcv_nxt : seq_in(seg.seq, c.rcv_nxt, c.rcv_nxt + rcv_wnd);
    } else if (rcv_wnd == 0) {
        acceptable = false;
        // A closed window still takes the ACK, RST and URG of a segment at RCV.NXT.
        ack_only = seg.seq == c.rcv_nxt;
    } else {
        uint32_t end = c.rcv_nxt + rcv_wnd;
        acceptable =
            seq_in(seg.seq, c.rcv_nxt, end) || seq_in(seg.seq + seg_len - 1, c.rcv_nxt, end);
    }
    if (!acceptable && !ack_only) {
        ++counters_.drop_out_of_window;
        if (!seg.has(flag::Rst)) {
            c.ack_now = true;
            mark_dirty(idx);
        }
        rte_pktmbuf_free(m);
        return;
    }
    // RST (RFC 5961 §3): exactly RCV.NXT resets; elsewhere in the window draws a challenge ACK.
    if (seg.has(flag::Rst)) {
        if (seg.seq == c.rcv_nxt) {
            ++counters_.conn_reset_rx;
            enter_closed(idx, CloseReason::Reset);
        } else {
            challenge_ack(idx, out);
        }
        rte_pktmbuf_free(m);
        return;
    }
    // SYN in a synchronized state (RFC 5961 §4): challenge ACK, never a reset.
    if (seg.has(flag::Syn)) {
        challenge_ack(idx, out);
        rte_pktmbuf_free(m);
        return;
    }
    if (!seg.has(flag::Ack)) {
        ++counters_.drop_no_ack_flag;
        rte_pktmbuf_free(m);
        return;
    }
    if (c.state == TcpState::SynReceived) {
        if (!seq_gt(seg.ack, c.snd_una) || seq_gt(seg.ack, c.snd_max)) {
            ++counters_.drop_ack_unsent;
            send_rst_for(seg, out);
            rte_pktmbuf_free(m);
            return;
        }
        if (!c.syn_retransmitted)
            c.rtt.sample(static_cast<uint32_t>(now_us_ - c.rtt_start_us),
                         {cfg_.rto_min_ms * 1000, cfg_.rto_max_ms * 1000, cfg_.tick_us});
        c.snd_wnd = uint32_t{seg.window} << c.snd_wscale;
        c.max_snd_wnd = std::max(c.max_snd_wnd, c.snd_wnd);
        c.snd_wl1 = seg.seq;
        c.snd_wl2 = seg.ack;
        established(idx);
    }
    // TS.Recent (RFC 7323 §4.3).
    if (c.ts_ok && seg.opt.has_timestamps && seq_leq(seg.seq, c.last_ack_sent) &&
        seq_geq(seg.opt.ts_val, c.ts_recent)) {
        c.ts_recent = seg.opt.ts_val;
        c.ts_recent_us = now_us_;
    }
    c.last_rx_us = now_us_;
    c.ka_probes = 0;
    if (ack_only) {
        ++counters_.drop_out_of_window; // its data and FIN: the window is closed
        c.ack_now = true;
    }
    if (!process_ack(idx, seg) || ack_only) {
        rte_pktmbuf_free(m);
        mark_dirty(idx);
        return;
    }
    bool fin_ok = true;
    if (seg.payload_len) {
        if (c.state == TcpState::Established || c.state == TcpState::FinWait1 ||
            c.state == TcpState::FinWait2) {
            fin_ok = process_data(idx, m, seg);
            m = nullptr;
        } else {
            ++counters_.drop_data_after_fin;
            c.ack_now = true;
        }
    }
    if (m) rte_pktmbuf_free(m);
    if (seg.has(flag::Fin) && fin_ok) {
        uint32_t fin_seq = seg.seq + seg.payload_len;
        if (c.fin_received) {
            c.ack_now = true; // a retransmitted FIN: ACK it again
        } else if (fin_seq == c.rcv_nxt) {
            process_fin(idx);
        } else if (seq_gt(fin_seq, c.rcv_nxt)) {
            c.peer_fin_pending = true;
            c.peer_fin_seq = fin_seq;
            c.ack_now = true;
        }
    }
    if (c.peer_fin_pending && !c.fin_received && c.rcv_nxt == c.peer_fin_seq) process_fin(idx);
    mark_dirty(idx);
}

bool Engine::process_ack(uint32_t idx, const TcpSegment& seg) {
    Connection& c = conns_[idx];
    if (seq_gt(seg.ack, c.snd_max)) {
        ++counters_.drop_ack_unsent;
        c.ack_now = true;
        return false;
    }
    // RFC 5961 §5.2: SND.UNA - MAX.SND.WND <= SEG.ACK, else discard with an ACK.
    if (seq_lt(seg.ack, c.snd_una - std::max(c.max_snd_wnd, 65535u))) {
        ++counters_.drop_ack_too_old;
        c.ack_now = true;
        return false;
    }
    uint32_t wnd = uint32_t{seg.window} << c.snd_wscale;
    uint8_t sacked = 0;
    if (c.sack_ok && seg.opt.sack_count) {
        sacked = c.scoreboard.update(seg.opt.sack, seg.opt.sack_count, c.snd_una, c.snd_max);
        counters_.sack_blocks_rx += sacked;
    }
    RttLimits lim{cfg_.rto_min_ms * 1000, cfg_.rto_max_ms * 1000, cfg_.tick_us};
    if (seq_gt(seg.ack, c.snd_una)) {
        uint32_t acked = seg.ack - c.snd_una;
        // RTT: from the echoed timestamp (valid even for retransmissions, RFC 7323 §4), else
        // from the one timed segment, never a retransmitted one (Karn).
        if (c.ts_ok && seg.opt.has_timestamps && seg.opt.ts_ecr) {
            uint32_t r_ms = ts_now(c) - seg.opt.ts_ecr;
            if (r_ms < cfg_.rto_max_ms) {
                c.rtt.sample(r_ms * 1000, lim);
                c.backoff = 0;
            }
        } else if (c.rtt_timing && seq_geq(seg.ack, c.rtt_seq)) {
            c.rtt.sample(static_cast<uint32_t>(now_us_ - c.rtt_start_us), lim);
            c.rtt_timing = false;
            c.backoff = 0;
        }
        uint32_t upto = seq_min(seg.ack, c.fin_seq());
        if (seq_gt(upto, c.snd_q_seq)) {
            c.snd_q.drop_front(upto - c.snd_q_seq);
            c.snd_q_seq = upto;
            if (c.cursor_seg && seq_leq(c.cursor_seq, upto)) c.cursor_seg = nullptr;
        }
        c.snd_una = seg.ack;
        if (seq_lt(c.snd_nxt, c.snd_una)) c.snd_nxt = c.snd_una;
        c.scoreboard.advance(c.snd_una);
        c.probes = 0;
        cc_on_ack(c, acked);
        if (c.snd_una == c.snd_max)
            c.rtx_deadline_us = c.in_persist ? c.rtx_deadline_us : 0;
        else
            arm_retransmit(c); // RFC 6298 §5.3 (or the tail-loss probe before it)
        if (c.tlp_out && seq_geq(c.snd_una, c.tlp_high)) c.tlp_out = false;
        if (c.want_writable && c.snd_q.bytes() <= cfg_.snd_buf_bytes / 2) {
            c.want_writable = false;
            c.events |= event::Writable;
        }
        if (cc_detect_lost_retransmissions(c)) ++counters_.lost_retransmits;
    } else if (seg.ack == c.snd_una && seg.payload_len == 0 && !seg.has(flag::Fin) &&
               c.snd_max != c.snd_una && !c.in_persist &&
               (wnd == c.snd_wnd || (c.sack_ok && sacked))) {
        // A duplicate ACK (RFC 5681 §2), or one bringing new SACK information (RFC 6675).
        ++counters_.dup_acks;
        if (cc_on_dupack(c))
            ++counters_.fast_retransmits;
        else if (cc_detect_lost_retransmissions(c))
            ++counters_.lost_retransmits;
    }
    // Send window update (RFC 9293 §3.10.7.4, SND.WL1/WL2 rule).
    if (seq_lt(c.snd_wl1, seg.seq) || (c.snd_wl1 == seg.seq && seq_leq(c.snd_wl2, seg.ack))) {
        bool was_zero = c.snd_wnd == 0;
        c.snd_wnd = wnd;
        c.snd_wl1 = seg.seq;
        c.snd_wl2 = seg.ack;
        c.max_snd_wnd = std::max(c.max_snd_wnd, wnd);
        if (was_zero && wnd && c.in_persist) {
            c.in_persist = false;
            c.backoff = 0;
            c.probes = 0;
            c.rtx_deadline_us =
                seq_lt(c.snd_nxt, c.snd_max) || c.snd_nxt != c.snd_una ? now_us_ + rto_now(c) : 0;
        }
    }
    bool fin_acked = c.fin_queued && seq_gt(c.snd_una, c.fin_seq());
    switch (c.state) {
    case TcpState::FinWait1:
        if (fin_acked) {
            c.state = TcpState::FinWait2;
            c.rtx_deadline_us = 0;
            c.state_deadline_us = now_us_ + uint64_t{cfg_.fin_wait2_ms} * 1000;
        }
        break;
    case TcpState::Closing:
        if (fin_acked) {
            enter_time_wait(idx);
            return false;
        }
        break;
    case TcpState::LastAck:
        if (fin_acked) {
            enter_closed(idx, CloseReason::Normal);
            return false;
        }
        break;
    default:
        break;
    }
    return true;
}

bool Engine::process_data(uint32_t idx, rte_mbuf* m, const TcpSegment& seg) {
    Connection& c = conns_[idx];
    uint32_t seq = seg.seq;
    uint32_t len = seg.payload_len;
    uint32_t off = seg.payload_offset;
    if (seq_lt(seq, c.rcv_nxt)) { // the front was received already
        uint32_t dup = c.rcv_nxt - seq;
        if (dup >= len) {
            rte_pktmbuf_free(m);
            c.ack_now = true;
            return true;
        }
        off += dup;
        len -= dup;
        seq = c.rcv_nxt;
    }
    bool whole = true;
    if (seq_gt(seq + len, c.rcv_adv)) { // past the window we offered
        if (!seq_lt(seq, c.rcv_adv)) {
            ++counters_.drop_rcv_buf_full;
            rte_pktmbuf_free(m);
            c.ack_now = true;
            return false;
        }
        len = c.rcv_adv - seq;
        whole = false;
    }
    bool small = len < cfg_.rx_coalesce_bytes;
    if (c.rcv_q.segs() + c.ooo.segs() >= max_rcv_segs_ && !(small && seq == c.rcv_nxt)) {
        ++counters_.drop_rcv_mbuf_limit;
        rte_pktmbuf_free(m);
        c.ack_now = true;
        return false;
    }
    if (seq == c.rcv_nxt) {
        bool copied = false;
        if (small) {
            // Tiny payloads are copied into the queue's tail so that they do not each pin an
            // mbuf; fall back to keeping the mbuf if the pool is dry.
            uint8_t buf[1024];
            const uint8_t* p = static_cast<const uint8_t*>(
                rte_pktmbuf_read(m, off, len, len <= sizeof buf ? buf : nullptr));
            if (p && c.rcv_q.append_copy(p, len, pool_)) {
                copied = true;
                rte_pktmbuf_free(m);
            }
        }
        if (!copied) {
            MbufList data;
            take_payload(m, off, len, data);
            c.rcv_q.append(data);
        }
        c.rcv_nxt += len;
        counters_.rx_payload_bytes += len;
        if (!c.ooo.empty()) {
            uint32_t before = c.rcv_nxt;
            c.rcv_nxt = c.ooo.drain(c.rcv_nxt, c.rcv_q);
            counters_.rx_payload_bytes += c.rcv_nxt - before;
            c.ack_now = true; // RFC 5681 §4.2: ACK at once when a gap fills
        }
        c.events |= event::Readable;
        c.rcv_unacked += len;
        if (len > c.rcv_mss) c.rcv_mss = static_cast<uint16_t>(std::min<uint32_t>(len, cfg_.mss));
        // Delayed ACK (RFC 9293 §3.8.6.3): at least every second full-sized segment, and
        // within delayed_ack_ms.
        if (c.rcv_unacked >= 2u * c.rcv_mss || cfg_.delayed_ack_ms == 0)
            c.ack_now = true;
        else if (!c.delack_deadline_us)
            c.delack_deadline_us = now_us_ + uint64_t{cfg_.delayed_ack_ms} * 1000;
    } else {
        // Out of order: queue it and send a duplicate ACK at once, with SACK (RFC 5681 §4.2).
        ++counters_.ooo_segments;
        MbufList data;
        take_payload(m, off, len, data);
        auto r = c.ooo.insert(seq, data);
        if (r == OooQueue::Insert::Full || r == OooQueue::Insert::QueuedEvicting)
            ++counters_.drop_ooo_full;
        c.ack_now = true;
    }
    return whole;
}

void Engine::process_fin(uint32_t idx) {
    Connection& c = conns_[idx];
    c.rcv_nxt += 1;
    c.fin_received = true;
    c.peer_fin_pending = false;
    c.ack_now = true;
    c.events |= event::PeerClosed;
    switch (c.state) {
    case TcpState::SynReceived:
    case TcpState::Established:
        c.state = TcpState::CloseWait;
        break;
    case TcpState::FinWait1:
        c.state = TcpState::Closing;
        break;
    case TcpState::FinWait2:
        enter_time_wait(idx);
        break;
    default:
        break;
    }
}

} // namespace vp::tcp
