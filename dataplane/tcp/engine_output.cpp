// Engine output: deciding what a connection sends (RFC 9293 §3.8.6 windows, RFC 5681/6582/6675
// congestion and recovery, RFC 6298 timer start) and building the segments.
#include "dataplane/tcp/congestion.hpp"
#include "dataplane/tcp/engine.hpp"
#include "dataplane/tcp/seq.hpp"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include <algorithm>
#include <cstring>

namespace vp::tcp {

uint32_t Engine::ts_now(const Connection& c) const {
    return static_cast<uint32_t>(now_us_ / 1000) + c.ts_offset;
}

uint32_t Engine::rto_now(const Connection& c) const {
    return c.rtt.backed_off(c.backoff, cfg_.rto_max_ms * 1000);
}

uint32_t Engine::payload_limit(const Connection& c) const {
    // RFC 6691: the MSS excludes options, so the options we always carry come off the payload.
    return c.snd_mss - (c.ts_ok ? 12u : 0u);
}

void Engine::fill_options(Connection& c, OptionsOut& o, bool syn) {
    o = OptionsOut{};
    if (syn) {
        o.mss = cfg_.mss;
        if (c.state == TcpState::SynSent) { // offer everything configured
            o.wscale = cfg_.window_scaling ? static_cast<int8_t>(rcv_wscale_) : int8_t{-1};
            o.sack_permitted = cfg_.sack;
            o.timestamps = cfg_.timestamps;
        } else { // answer only what the peer offered (RFC 7323 §2.2, RFC 2018 §2)
            o.wscale = c.ws_ok ? static_cast<int8_t>(c.rcv_wscale) : int8_t{-1};
            o.sack_permitted = c.sack_ok;
            o.timestamps = c.ts_ok;
        }
    } else {
        o.timestamps = c.ts_ok;
        if (c.sack_ok && !c.ooo.empty())
            o.sack_count = c.ooo.sack_blocks(o.sack, static_cast<uint8_t>(kMaxSackBlocks));
    }
    if (o.timestamps) {
        o.ts_val = ts_now(c);
        o.ts_ecr = (c.state == TcpState::SynSent) ? 0 : c.ts_recent;
    }
}

uint16_t Engine::window_field(Connection& c, bool syn) {
    uint32_t free = rx_free_space(c);
    if (syn) { // never scaled on a SYN (RFC 7323 §2.2)
        uint32_t w = std::min(free, 65535u);
        if (seq_gt(c.rcv_nxt + w, c.rcv_adv) || c.rcv_adv == 0) c.rcv_adv = c.rcv_nxt + w;
        return static_cast<uint16_t>(w);
    }
    uint32_t cur = seq_gt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
    uint32_t target = cur;
    // Receiver SWS avoidance (RFC 9293 §3.8.6.2.2): move the right edge only by at least
    // min(buffer/2, MSS). The edge never moves left.
    uint32_t sws = std::min(cfg_.rcv_buf_bytes / 2, uint32_t{cfg_.mss});
    if (free > cur && free - cur >= sws) target = free;
    uint32_t shift = c.rcv_wscale;
    uint32_t field = (target + (1u << shift) - 1) >> shift;
    if (field > 65535) field = 65535;
    uint32_t right = c.rcv_nxt + (field << shift);
    if (seq_gt(right, c.rcv_adv)) c.rcv_adv = right;
    return static_cast<uint16_t>(field);
}

bool Engine::window_update_due(const Connection& c) const {
    // As Linux does: announce an opened window when the one the peer knows is at most half the
    // buffer and the new one is at least twice it (and an SWS step larger).
    uint32_t cur = seq_gt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
    uint32_t free = rx_free_space(c);
    uint32_t sws = std::min(cfg_.rcv_buf_bytes / 2, uint32_t{cfg_.mss});
    return 2 * cur <= cfg_.rcv_buf_bytes && free >= 2 * cur && free - cur >= sws;
}

bool Engine::attach_payload(Connection& c, rte_mbuf* hdr, uint32_t seq, uint32_t len) {
    rte_mbuf* s;
    uint32_t in_seg;
    uint32_t seg_start;
    if (c.cursor_seg && seq_geq(seq, c.cursor_seq)) {
        s = c.cursor_seg;
        seg_start = c.cursor_seq;
        in_seg = seq - seg_start;
        while (s && in_seg >= s->data_len) {
            in_seg -= s->data_len;
            seg_start += s->data_len;
            s = s->next;
        }
    } else {
        s = c.snd_q.seek(seq - c.snd_q_seq, in_seg);
        seg_start = seq - in_seg;
    }
    rte_mbuf* tail = hdr;
    uint32_t remaining = len;
    while (remaining && s) {
        c.cursor_seg = s;
        c.cursor_seq = seg_start;
        uint32_t piece = std::min(uint32_t{s->data_len} - in_seg, remaining);
        if (cfg_.tx_zero_copy && piece >= cfg_.tx_zero_copy_min_bytes) {
            // By reference: an indirect mbuf pointing into the send buffer's segment.
            rte_mbuf* mi = rte_pktmbuf_alloc(pool_);
            if (!mi) return false;
            rte_pktmbuf_attach(mi, s);
            mi->data_off = static_cast<uint16_t>(s->data_off + in_seg);
            mi->data_len = static_cast<uint16_t>(piece);
            mi->pkt_len = piece;
            tail->next = mi;
            tail = mi;
            ++hdr->nb_segs;
        } else {
            const uint8_t* src = rte_pktmbuf_mtod_offset(s, const uint8_t*, in_seg);
            uint32_t left = piece;
            while (left) {
                uint32_t room = RTE_MBUF_DIRECT(tail) ? rte_pktmbuf_tailroom(tail) : 0;
                if (room == 0) {
                    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
                    if (!m) return false;
                    m->data_off = 0;
                    tail->next = m;
                    tail = m;
                    ++hdr->nb_segs;
                    continue;
                }
                uint32_t n = std::min(room, left);
                memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t*, tail->data_len), src, n);
                tail->data_len = static_cast<uint16_t>(tail->data_len + n);
                if (tail != hdr) tail->pkt_len = tail->data_len;
                src += n;
                left -= n;
            }
        }
        hdr->pkt_len += piece;
        remaining -= piece;
        in_seg = 0;
        seg_start += s->data_len;
        s = s->next;
    }
    return remaining == 0;
}

namespace {
void write_headers(rte_mbuf* m, const FlowKey& flow, uint32_t seq, uint32_t ack, uint8_t flags,
                   uint16_t window, const OptionsOut* opts, uint16_t ip_id, bool offload,
                   uint32_t payload_len) {
    size_t optlen = opts ? options_length(*opts) : 0;
    auto* ip = rte_pktmbuf_mtod(m, rte_ipv4_hdr*);
    auto* th = reinterpret_cast<rte_tcp_hdr*>(reinterpret_cast<uint8_t*>(ip) + 20);
    ip->version_ihl = 0x45;
    ip->type_of_service = 0;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(40 + optlen + payload_len));
    ip->packet_id = rte_cpu_to_be_16(ip_id);
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->hdr_checksum = 0;
    ip->src_addr = rte_cpu_to_be_32(flow.local_ip);
    ip->dst_addr = rte_cpu_to_be_32(flow.remote_ip);
    th->src_port = rte_cpu_to_be_16(flow.local_port);
    th->dst_port = rte_cpu_to_be_16(flow.remote_port);
    th->sent_seq = rte_cpu_to_be_32(seq);
    th->recv_ack = rte_cpu_to_be_32(ack);
    th->data_off = static_cast<uint8_t>(((20 + optlen) / 4) << 4);
    th->tcp_flags = flags;
    th->rx_win = rte_cpu_to_be_16(window);
    th->cksum = 0;
    th->tcp_urp = 0;
    if (optlen) write_options(*opts, reinterpret_cast<uint8_t*>(th) + 20);
    m->l3_len = 20;
    m->l4_len = static_cast<uint16_t>(20 + optlen);
    m->packet_type = RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
    if (offload) {
        m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
        th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
    } else {
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        uint16_t raw = 0;
        rte_raw_cksum_mbuf(m, 20, static_cast<uint32_t>(20 + optlen + payload_len), &raw);
        uint16_t sum = fold_checksum(uint32_t{raw} + rte_ipv4_phdr_cksum(ip, 0));
        th->cksum = static_cast<uint16_t>(~sum);
    }
}
} // namespace

bool Engine::emit_raw(const FlowKey& flow, uint32_t seq, uint32_t ack, uint8_t flags,
                      uint16_t window, const OptionsOut* opts, TxBatch& out) {
    if (out.full()) {
        ++counters_.drop_tx_batch_full;
        return false;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) {
        ++counters_.drop_no_mbuf;
        return false;
    }
    size_t optlen = opts ? options_length(*opts) : 0;
    if (!rte_pktmbuf_append(m, static_cast<uint16_t>(40 + optlen))) {
        rte_pktmbuf_free(m);
        ++counters_.drop_no_mbuf;
        return false;
    }
    write_headers(m, flow, seq, ack, flags, window, opts, ip_id_++, cfg_.tx_checksum_offload, 0);
    out.push(m);
    ++counters_.tx_segments;
    if (!(flags & (flag::Syn | flag::Fin))) ++counters_.tx_pure_acks;
    return true;
}

bool Engine::emit(Connection& c, uint32_t seq, uint32_t len, uint8_t flags, const OptionsOut& o,
                  TxBatch& out) {
    if (out.full()) {
        if (!len && !(flags & (flag::Syn | flag::Fin))) ++counters_.drop_tx_batch_full;
        return false;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (!m) {
        ++counters_.drop_no_mbuf;
        return false;
    }
    size_t optlen = options_length(o);
    if (!rte_pktmbuf_append(m, static_cast<uint16_t>(40 + optlen)) ||
        (len && !attach_payload(c, m, seq, len))) {
        rte_pktmbuf_free(m);
        ++counters_.drop_no_mbuf;
        return false;
    }
    bool syn = flags & flag::Syn;
    uint16_t window = window_field(c, syn);
    uint32_t ack = (flags & flag::Ack) ? c.rcv_nxt : 0;
    write_headers(m, c.key, seq, ack, flags, window, &o, ip_id_++, cfg_.tx_checksum_offload, len);
    if (flags & flag::Ack) {
        c.last_ack_sent = c.rcv_nxt;
        c.delack_deadline_us = 0;
        c.rcv_unacked = 0;
        c.ack_now = false;
    }
    c.last_tx_us = now_us_;
    out.push(m);
    ++counters_.tx_segments;
    counters_.tx_payload_bytes += len;
    if (!len && !(flags & (flag::Syn | flag::Fin))) ++counters_.tx_pure_acks;
    return true;
}

bool Engine::send_at(Connection& c, uint32_t seq, uint32_t max_len, bool retransmission,
                     TxBatch& out, uint32_t& sent_len, bool& fin_sent) {
    OptionsOut o;
    fill_options(c, o, false);
    // SACK blocks beyond the timestamps come off this segment's payload.
    uint32_t extra = static_cast<uint32_t>(options_length(o)) - (c.ts_ok ? 12u : 0u);
    uint32_t seg_limit = payload_limit(c) > extra ? payload_limit(c) - extra : 1;
    uint32_t limit = std::min(max_len, seg_limit);
    uint32_t data_end = c.fin_seq();
    uint32_t avail = seq_lt(seq, data_end) ? data_end - seq : 0;
    uint32_t len = std::min(avail, limit);
    bool fin = c.fin_queued && seq + len == data_end;
    uint8_t flags = flag::Ack;
    if (fin) flags |= flag::Fin;
    if (len && seq + len == data_end) flags |= flag::Psh;
    if (!len && !fin) return false;
    if (!emit(c, seq, len, flags, o, out)) return false;
    sent_len = len;
    fin_sent = fin;
    if (retransmission) {
        ++counters_.retransmits;
        counters_.retransmit_bytes += len;
        c.rtt_timing = false; // Karn: no sample from anything retransmitted meanwhile
    }
    return true;
}

void Engine::send_ack(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    OptionsOut o;
    fill_options(c, o, false);
    emit(c, c.snd_nxt, 0, flag::Ack, o, out);
}

void Engine::send_abort_rst(Connection& c, TxBatch& out) {
    // <SEQ=SND.NXT><CTL=RST> with the ACK field, as Linux sends it.
    emit_raw(c.key, c.snd_nxt, c.rcv_nxt, flag::Rst | flag::Ack, 0, nullptr, out);
}

void Engine::arm_retransmit(Connection& c) {
    uint32_t rto = rto_now(c);
    c.rtx_is_pto = false;
    // RFC 8985 §7.2: outside recovery, probe the tail after 2*SRTT (plus a delayed-ACK allowance
    // for a lone segment) instead of waiting for the RTO, so that a lost last segment or a
    // lost run of ACKs is repaired by SACK recovery rather than by a timeout.
    if (!c.cc.in_recovery && !c.in_persist && c.backoff == 0 && !c.tlp_out && c.rtt.has_sample) {
        uint64_t pto = 2ull * c.rtt.srtt_us;
        if (c.snd_max - c.snd_una <= c.snd_mss) pto += 200000;
        if (pto < 10000) pto = 10000;
        if (pto < rto) {
            c.rtx_deadline_us = now_us_ + pto;
            c.rtx_is_pto = true;
            return;
        }
    }
    c.rtx_deadline_us = now_us_ + rto;
}

void Engine::send_tail_loss_probe(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    if (c.snd_una == c.snd_max) return;
    uint32_t lim = payload_limit(c);
    uint32_t data_end = c.fin_seq();
    uint32_t avail = seq_lt(c.snd_nxt, data_end) ? data_end - c.snd_nxt : 0;
    uint32_t wnd_end = c.snd_una + c.snd_wnd;
    uint32_t wnd_room = seq_gt(wnd_end, c.snd_nxt) ? wnd_end - c.snd_nxt : 0;
    uint32_t sent = 0;
    bool fin = false;
    if (avail && wnd_room && c.snd_nxt == c.snd_max) {
        // New data makes the best probe (RFC 8985 §7.3).
        if (send_at(c, c.snd_nxt, std::min({avail, wnd_room, lim}), false, out, sent, fin)) {
            c.snd_nxt += sent + (fin ? 1 : 0);
            c.snd_max = c.snd_nxt;
        }
    } else {
        // Otherwise the last segment again.
        uint32_t last_end = seq_min(c.snd_max, data_end);
        uint32_t start = last_end - std::min(lim, last_end - c.snd_una);
        send_at(c, start, last_end - start, true, out, sent, fin);
    }
    ++counters_.tlp_probes;
    c.tlp_out = true;
    c.tlp_high = c.snd_max;
    c.rtx_deadline_us = now_us_ + rto_now(c);
}

void Engine::send_persist_probe(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    uint32_t data_end = c.fin_seq();
    uint32_t avail = seq_lt(c.snd_una, data_end) ? data_end - c.snd_una : 0;
    if (avail == 0 && !c.fin_queued) {
        c.in_persist = false;
        return;
    }
    if (c.snd_wnd > 0) {
        // The sender-SWS override (RFC 9293 §3.8.6.2.1): a small window, nothing in flight;
        // send what fits instead of waiting for a larger one.
        c.in_persist = false;
        uint32_t len = std::min({avail, c.snd_wnd, payload_limit(c)});
        uint32_t sent = 0;
        bool fin = false;
        if (send_at(c, c.snd_nxt, len, false, out, sent, fin)) {
            c.snd_nxt += sent + (fin ? 1 : 0);
            if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
            c.rtx_deadline_us = now_us_ + rto_now(c);
        }
        return;
    }
    // Zero window: probe with one byte beyond it (RFC 9293 §3.8.6.1). SND.NXT stays; SND.MAX
    // covers the byte so that an ACK of it is not "unsent".
    uint32_t sent = 0;
    bool fin = false;
    if (send_at(c, c.snd_una, 1, false, out, sent, fin)) {
        ++counters_.window_probes;
        uint32_t end = c.snd_una + sent + (fin ? 1 : 0);
        if (seq_gt(end, c.snd_max)) c.snd_max = end;
    }
    if (c.backoff < 16) ++c.backoff;
    ++c.probes;
    c.rtx_deadline_us = now_us_ + rto_now(c);
}

bool Engine::output(uint32_t idx, TxBatch& out) {
    Connection& c = conns_[idx];
    switch (c.state) {
    case TcpState::Closed:
        return false;
    case TcpState::SynSent:
    case TcpState::SynReceived: {
        // An ACK owed in SYN-RECEIVED (a challenge, an out-of-window segment) is the SYN-ACK
        // again: it carries the ACK number the peer needs.
        if (c.ack_now && c.state == TcpState::SynReceived) c.need_syn = true;
        c.ack_now = false;
        if (!c.need_syn) return false;
        OptionsOut o;
        fill_options(c, o, true);
        uint8_t flags = c.state == TcpState::SynSent ? flag::Syn : (flag::Syn | flag::Ack);
        if (!emit(c, c.iss, 0, flags, o, out)) return true;
        c.need_syn = false;
        return false;
    }
    case TcpState::TimeWait:
        if (c.ack_now) send_ack(idx, out);
        return false;
    default:
        break;
    }

    uint32_t budget = cfg_.max_burst_segments;
    bool sent_any = false;
    uint32_t lim = payload_limit(c);
    if (c.snd_una == c.snd_max && now_us_ - c.last_tx_us > c.rtt.rto_us)
        cc_after_idle(c, cfg_.initial_cwnd_segments);

    // Fast retransmit, or NewReno's retransmission on a partial ACK: not limited by cwnd.
    if (c.rexmit_una && seq_lt(c.snd_una, c.snd_max)) {
        if (out.full()) return true;
        uint32_t sent = 0;
        bool fin = false;
        if (!send_at(c, c.snd_una, lim, true, out, sent, fin)) return true;
        c.rexmit_una = false;
        if (c.cc.in_recovery && c.sack_ok) {
            c.cc.high_rxt = seq_max(c.cc.high_rxt, c.snd_una + sent + (fin ? 1 : 0));
            c.cc.rxt_mark = c.snd_nxt;
        }
        if (!c.rtx_deadline_us) c.rtx_deadline_us = now_us_ + rto_now(c);
        --budget;
        sent_any = true;
    }
    c.rexmit_una = false;

    // SACK recovery: fill holes below the highest SACKed byte while the pipe allows.
    if (c.cc.in_recovery && c.sack_ok) {
        while (budget) {
            if (out.full()) return true;
            if (cc_pipe(c) + lim > c.cc.cwnd) break;
            uint32_t hs, he;
            if (!c.scoreboard.next_hole(seq_max(c.cc.high_rxt, c.snd_una), hs, he)) break;
            uint32_t sent = 0;
            bool fin = false;
            if (!send_at(c, hs, std::min(he - hs, lim), true, out, sent, fin)) return true;
            c.cc.high_rxt = hs + sent + (fin ? 1 : 0);
            c.cc.rxt_mark = c.snd_nxt;
            --budget;
            sent_any = true;
        }
    }

    // New data, or the go-back-N resend after a timeout, from SND.NXT.
    bool window_blocked = false;
    while (budget) {
        uint32_t data_end = c.fin_seq();
        uint32_t avail = seq_lt(c.snd_nxt, data_end) ? data_end - c.snd_nxt : 0;
        bool fin_due = c.fin_queued && seq_leq(c.snd_nxt, data_end);
        if (!avail && !fin_due) {
            c.cc.cwnd_limited = false;
            break;
        }
        if (out.full()) return true;
        uint32_t used;
        if (c.cc.in_recovery && c.sack_ok)
            used = cc_pipe(c);
        else
            used = c.snd_nxt - c.snd_una;
        // Limited Transmit (RFC 3042): each of the first two duplicate ACKs lets one new
        // segment out beyond cwnd, so that a small window still earns the duplicates that
        // fast retransmit needs.
        uint32_t cwnd = c.cc.cwnd;
        if (!c.cc.in_recovery && c.cc.dupacks)
            cwnd += std::min<uint32_t>(c.cc.dupacks, 2) * c.snd_mss;
        uint32_t cwnd_room = cwnd > used ? cwnd - used : 0;
        uint32_t wnd_end = c.snd_una + c.snd_wnd;
        uint32_t wnd_room = seq_gt(wnd_end, c.snd_nxt) ? wnd_end - c.snd_nxt : 0;
        uint32_t room = std::min(cwnd_room, wnd_room);
        uint32_t len = std::min({avail, room, lim});
        if (avail && len < std::min(avail, lim)) {
            // Sender SWS avoidance without Nagle (RFC 9293 §3.8.6.2.1): send a full segment,
            // or everything queued, or at least half the largest window the peer offered.
            bool ok = len > 0 && len >= c.max_snd_wnd / 2;
            if (!ok) {
                c.cc.cwnd_limited = cwnd_room < wnd_room;
                window_blocked = wnd_room <= cwnd_room;
                break;
            }
        }
        bool retrans = seq_lt(c.snd_nxt, c.snd_max);
        uint32_t seq = c.snd_nxt;
        uint32_t sent = 0;
        bool fin = false;
        if (!send_at(c, seq, len, retrans, out, sent, fin)) return true;
        if (!retrans && used + sent > c.cc.cwnd && !c.cc.in_recovery) c.cc.lt_bytes += sent;
        c.snd_nxt = seq + sent + (fin ? 1 : 0);
        if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
        if (!c.ts_ok && !c.rtt_timing && !retrans && sent) {
            c.rtt_timing = true;
            c.rtt_seq = c.snd_nxt;
            c.rtt_start_us = now_us_;
        }
        if (!c.rtx_deadline_us || c.in_persist) {
            c.in_persist = false;
            arm_retransmit(c);
        }
        --budget;
        sent_any = true;
        if (fin) break;
    }

    // Persist: data waits, nothing is in flight and the window (zero, or too small to use)
    // blocks it. The timer probes or overrides SWS avoidance.
    if (window_blocked && c.snd_nxt == c.snd_una && !c.in_persist) {
        c.in_persist = true;
        c.probes = 0;
        c.rtx_deadline_us = now_us_ + rto_now(c);
    }

    if (!sent_any && (c.ack_now || window_update_due(c))) {
        if (!c.ack_now) ++counters_.window_updates;
        if (out.full()) return true;
        send_ack(idx, out);
    }
    return budget == 0;
}

} // namespace vp::tcp
