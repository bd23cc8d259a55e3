// The SSTP stage on a worker (see stage.hpp): the record layer's mbuf side (records in, sealed
// records out) and the first stage's punt of outbound packets.
#include "dataplane/sstp/stage.hpp"

#include "dataplane/sstp/sstp_session.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <array>
#include <cstring>
#include <new>
#include <vector>

namespace vp::dp::sstp {

namespace {

constexpr uint32_t kMaxSeals = 64;
constexpr uint32_t kMaxOpens = 64; // in-place opens batched across sessions

DropReason drop_of(RecordError e) {
    switch (e) {
    case RecordError::BadHeader:
        return DropReason::sstp_bad_header;
    case RecordError::BadLength:
        return DropReason::sstp_bad_length;
    case RecordError::BadTag:
        return DropReason::sstp_bad_tag;
    case RecordError::KeyUpdate:
        return DropReason::sstp_key_update;
    case RecordError::Alert:
        return DropReason::sstp_alert;
    case RecordError::BadContent:
        return DropReason::sstp_bad_content;
    case RecordError::BadPacket:
        return DropReason::sstp_bad_packet;
    case RecordError::None:
    case RecordError::CloseNotify: // not a drop: counted as sstp_close_notify
    case RecordError::EngineError:
        break;
    }
    return DropReason::crypto_error;
}

class Stage final {
public:
    explicit Stage(Worker& w) : w_(w) { dirty_.reserve(64); }
    ~Stage() {
        for (uint32_t i = 0; i < n_seals_; ++i)
            rte_pktmbuf_free(seals_[i].m);
        for (uint32_t i = 0; i < n_opens_; ++i)
            rte_pktmbuf_free(opens_[i].m);
        for (uint16_t i = 0; i < n_in_; ++i)
            rte_pktmbuf_free(in_pkts_[i]);
    }

    bool stream_input(const StreamUnit& u);
    void output(SstpSession& s, rte_mbuf* m);
    void control(SstpSession& s, rte_mbuf* m);
    void flush_input();
    void flush_output();

private:
    // What opened records carry, for one session.
    class Sink final : public RecordSink {
    public:
        Sink(Stage& st, SstpSession& s) : st_(st), s_(s) {}
        void ip_packet(ByteSpan ip) override;
        void control_packet(ByteSpan packet) override;

    private:
        Stage& st_;
        SstpSession& s_;
    };

    void open(SstpSession& s);
    // The in-place opens queued by stream_input, in one engine batch across sessions.
    void flush_opens();
    // An inner IPv4 packet (at offset 14) out of `s`: counted, batched for session_input_burst.
    void push_input(SstpSession& s, rte_mbuf* m);
    void flush_session_input();
    void report_failure(SstpSession& s);
    // After records of `s` were opened: our KeyUpdate if the client requested one, and the
    // control plane asked for the keys after those switched to.
    void after_key_update(SstpSession& s);
    // Makes `m` (consumed) one contiguous mbuf holding `head` free bytes, then the `len` bytes
    // at `from`, then `tail` free bytes; returns it with its data starting at the free head.
    rte_mbuf* frame(rte_mbuf* m, uint32_t from, uint32_t len, uint32_t head, uint32_t tail);
    void queue_seal(SstpSession& s, rte_mbuf* m, const crypto::TlsRecordOp& op);
    // Whether the session's stream takes `bytes` more after the records queued for it: a sealed
    // record is a sequence number spent, and one the stream refused would leave a gap that the
    // peer's TLS cannot get past (bad record mac). Without room the packet is dropped unsealed.
    bool stream_room(const SstpSession& s, uint32_t bytes) const;
    void first_stage_output(Session& s, rte_mbuf* m);

    struct Seal {
        rte_mbuf* m;
        uint64_t conn;
        bool control;
    };

    Worker& w_;
    std::vector<SstpSession*> dirty_;
    std::array<crypto::TlsRecordOp, kMaxSeals> seal_ops_{};
    std::array<Seal, kMaxSeals> seals_{};
    uint32_t n_seals_ = 0;
    struct Open {
        rte_mbuf* m;
        SstpSession* s;
    };
    std::array<crypto::TlsRecordOp, kMaxOpens> open_ops_{};
    std::array<Open, kMaxOpens> opens_{};
    uint32_t n_opens_ = 0;
    std::array<Session*, max_burst> in_sessions_{};
    std::array<rte_mbuf*, max_burst> in_pkts_{};
    uint16_t n_in_ = 0;
};

SstpSession* as_sstp(Session& s) {
    return s.kind == SessionKind::Sstp ? static_cast<SstpSession*>(&s) : nullptr;
}

void Stage::Sink::ip_packet(ByteSpan ip) {
    Worker& w = st_.w_;
    rte_mbuf* m = rte_pktmbuf_alloc(w.dataplane().pool());
    char* p = m && ip.size() <= UINT16_MAX - sizeof(rte_ether_hdr)
                  ? rte_pktmbuf_append(m, static_cast<uint16_t>(sizeof(rte_ether_hdr) + ip.size()))
                  : nullptr;
    if (!p) {
        if (m) rte_pktmbuf_free(m);
        w.count_drop(DropReason::mbuf_exhausted);
        return;
    }
    std::memcpy(p + sizeof(rte_ether_hdr), ip.data(), ip.size());
    st_.push_input(s_, m);
}

void Stage::push_input(SstpSession& s, rte_mbuf* m) {
    s.counters.rx_packets.inc();
    s.counters.rx_bytes.add(rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr));
    s.last_rx_tsc.store(w_.now_tsc(), std::memory_order_relaxed);
    in_sessions_[n_in_] = &s;
    in_pkts_[n_in_] = m;
    if (++n_in_ == max_burst) flush_session_input();
}

void Stage::flush_session_input() {
    if (n_in_ == 0) return;
    w_.session_input_burst(in_sessions_.data(), in_pkts_.data(), n_in_);
    n_in_ = 0;
}

void Stage::flush_opens() {
    if (n_opens_ == 0) return;
    w_.crypto().process_records({open_ops_.data(), n_opens_});
    uint32_t opened = 0;
    for (uint32_t i = 0; i < n_opens_; ++i) {
        const crypto::TlsRecordOp& op = open_ops_[i];
        rte_mbuf* m = opens_[i].m;
        SstpSession& s = *opens_[i].s;
        RecordLayer& rl = *s.records;
        if (rl.failed()) { // a record before it in this batch stopped the layer
            w_.drop(m, DropReason::sstp_after_error);
            continue;
        }
        if (op.status == crypto::TlsRecordStatus::Ok) ++opened;
        Sink sink(*this, s);
        ByteSpan ip = rl.finish_open(op, sink);
        if (ip.empty()) { // handed to the sink (copied), or the layer stopped
            rte_pktmbuf_free(m);
            after_key_update(s);
            if (rl.failed()) report_failure(s);
            continue;
        }
        // The one IPv4 packet, forwarded where it lies: IPv4 at offset 14.
        auto off = static_cast<uint32_t>(ip.data() - rte_pktmbuf_mtod(m, const uint8_t*));
        char* start =
            off >= sizeof(rte_ether_hdr)
                ? rte_pktmbuf_adj(m, static_cast<uint16_t>(off - sizeof(rte_ether_hdr)))
                : rte_pktmbuf_prepend(m, static_cast<uint16_t>(sizeof(rte_ether_hdr) - off));
        bool placed = start != nullptr;
        if (!placed) { // no headroom: the copying path
            sink.ip_packet(ip);
            rte_pktmbuf_free(m);
            continue;
        }
        rte_pktmbuf_trim(
            m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - sizeof(rte_ether_hdr) - ip.size()));
        push_input(s, m);
    }
    n_opens_ = 0;
    w_.count(WorkerCounter::sstp_records_opened, opened);
    flush_session_input();
}

void Stage::Sink::control_packet(ByteSpan packet) {
    Worker& w = st_.w_;
    rte_mbuf* m = rte_pktmbuf_alloc(w.dataplane().pool());
    char* p = m ? rte_pktmbuf_append(m, static_cast<uint16_t>(packet.size())) : nullptr;
    if (!p) {
        if (m) rte_pktmbuf_free(m);
        w.count_drop(DropReason::mbuf_exhausted);
        return;
    }
    std::memcpy(p, packet.data(), packet.size());
    w.count(WorkerCounter::sstp_control_punted);
    w.punt(m, PuntReason::SessionEvent, s_.wan_port,
           {.session_event = {s_.id, sstp_event_code(SstpEvent::Control)}});
}

void Stage::report_failure(SstpSession& s) {
    if (s.failure_reported) return;
    s.failure_reported = true;
    RecordError e = s.records->error();
    if (e == RecordError::CloseNotify)
        w_.count(WorkerCounter::sstp_close_notify);
    else
        w_.count_drop(drop_of(e));
    w_.punt(nullptr, PuntReason::SessionEvent, s.wan_port,
            {.session_event = {
                 s.id, sstp_event_code(SstpEvent::RecordFailed, static_cast<uint16_t>(e))}});
}

void Stage::after_key_update(SstpSession& s) {
    RecordLayer& rl = *s.records;
    if (rl.key_update_reply_owed() && !rl.failed()) {
        // Our KeyUpdate (update_not_requested), sealed under the current key after everything
        // queued before it, then the switch (RFC 8446 §7.2: before our next data record).
        const crypto::TlsRecordKey& k = rl.seal_key();
        uint32_t len = k.seal_offset() + kKeyUpdateBytes + k.seal_tail();
        rte_mbuf* m = rte_pktmbuf_alloc(w_.dataplane().pool());
        char* p = m && len <= rte_pktmbuf_tailroom(m)
                      ? rte_pktmbuf_append(m, static_cast<uint16_t>(len))
                      : nullptr;
        if (!p) {
            if (m) rte_pktmbuf_free(m);
            w_.count_drop(DropReason::mbuf_exhausted);
            rl.key_update_reply_failed();
        } else {
            crypto::TlsRecordOp op;
            rl.prepare_seal_key_update(rte_pktmbuf_mtod(m, uint8_t*), op);
            queue_seal(s, m, op);
            seals_[n_seals_ - 1].control = true;
            flush_output(); // no op may refer to the old key once it is spent
            rl.switch_seal_key();
        }
    }
    if (uint16_t switched = rl.take_switched()) {
        w_.count(WorkerCounter::sstp_key_updates);
        w_.punt(nullptr, PuntReason::SessionEvent, s.wan_port,
                {.session_event = {s.id, sstp_event_code(SstpEvent::KeyUpdated, switched)}});
    }
}

void Stage::open(SstpSession& s) {
    Sink sink(*this, s);
    uint32_t n = s.records->open(w_.crypto(), sink);
    w_.count(WorkerCounter::sstp_records_opened, n);
    flush_session_input();
    after_key_update(s);
    if (s.records->failed()) report_failure(s);
}

bool Stage::stream_input(const StreamUnit& u) {
    if (u.tag == 0) return false; // not handed over: the control plane's
    Session* base = w_.dataplane().sessions().get(u.tag - 1);
    SstpSession* s = base ? as_sstp(*base) : nullptr;
    if (!s || s->owner != w_.id() || !s->records || s->conn != u.conn) {
        w_.drop(u.m, DropReason::sstp_stream_mismatch);
        return true;
    }
    RecordLayer& rl = *s->records;
    if (rl.failed()) {
        w_.drop(u.m, DropReason::sstp_after_error);
        return true;
    }
    // The fast path: one whole record in one segment while the layer holds no bytes is opened
    // where it lies, batched with the other sessions' (flush_opens).
    crypto::TlsRecordOp op;
    if (u.m->nb_segs == 1 &&
        rl.prepare_open(rte_pktmbuf_mtod(u.m, uint8_t*), rte_pktmbuf_data_len(u.m), op)) {
        open_ops_[n_opens_] = op;
        opens_[n_opens_] = {u.m, s};
        if (++n_opens_ == kMaxOpens) flush_opens();
        return true;
    }
    flush_opens(); // the session's queued records go first
    if (rl.failed()) {
        w_.drop(u.m, DropReason::sstp_after_error);
        return true;
    }
    if (rl.room() < rte_pktmbuf_pkt_len(u.m)) open(*s);
    for (rte_mbuf* seg = u.m; seg && !rl.failed(); seg = seg->next)
        rl.append({rte_pktmbuf_mtod(seg, const uint8_t*), seg->data_len});
    rte_pktmbuf_free(u.m);
    if (rl.failed()) {
        report_failure(*s);
        return true;
    }
    if (!s->queued) {
        s->queued = true;
        dirty_.push_back(s);
    }
    return true;
}

void Stage::flush_input() {
    // The sessions are RCU-protected until this worker's next quiescent report: the flush runs
    // in the same loop iteration as the stream input that queued them.
    flush_opens();
    for (SstpSession* s : dirty_) {
        s->queued = false;
        if (!s->records->failed()) open(*s);
    }
    dirty_.clear();
}

rte_mbuf* Stage::frame(rte_mbuf* m, uint32_t from, uint32_t len, uint32_t head, uint32_t tail) {
    bool in_place = m->nb_segs == 1 && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
                    rte_pktmbuf_headroom(m) + from >= head && rte_pktmbuf_tailroom(m) >= tail &&
                    rte_pktmbuf_data_len(m) == from + len;
    if (in_place) {
        rte_pktmbuf_adj(m, static_cast<uint16_t>(from));
        rte_pktmbuf_prepend(m, static_cast<uint16_t>(head));
        rte_pktmbuf_append(m, static_cast<uint16_t>(tail));
        return m;
    }
    rte_mbuf* flat = rte_pktmbuf_alloc(w_.dataplane().pool());
    uint32_t total = head + len + tail;
    char* dst = flat && total <= rte_pktmbuf_tailroom(flat)
                    ? rte_pktmbuf_append(flat, static_cast<uint16_t>(total))
                    : nullptr;
    if (!dst) {
        if (flat) rte_pktmbuf_free(flat);
        w_.drop(m, DropReason::mbuf_exhausted);
        return nullptr;
    }
    const void* src = rte_pktmbuf_read(m, from, len, dst + head);
    if (src && src != dst + head) std::memcpy(dst + head, src, len);
    rte_pktmbuf_free(m);
    return flat;
}

bool Stage::stream_room(const SstpSession& s, uint32_t bytes) const {
    const tcp::Engine* tcp = w_.tcp_engine();
    if (!tcp) return false;
    uint64_t queued = bytes;
    for (uint32_t i = 0; i < n_seals_; ++i)
        if (seals_[i].conn == s.conn) queued += rte_pktmbuf_pkt_len(seals_[i].m);
    return tcp->send_space(tcp::ConnHandle::unpack(s.conn)) >= queued;
}

void Stage::queue_seal(SstpSession& s, rte_mbuf* m, const crypto::TlsRecordOp& op) {
    if (n_seals_ == kMaxSeals) flush_output();
    seal_ops_[n_seals_] = op;
    seals_[n_seals_] = {m, s.conn, false};
    ++n_seals_;
}

void Stage::first_stage_output(Session& s, rte_mbuf* m) {
    w_.count(WorkerCounter::sstp_punted_out);
    w_.punt(m, PuntReason::SessionEvent, s.wan_port,
            {.session_event = {s.id, static_cast<uint32_t>(SstpEvent::Outbound)}});
}

void Stage::output(SstpSession& s, rte_mbuf* m) {
    // Counted here, on the owner (the only writer of the session's counters): what is sealed
    // (or punted to the control plane) is sent unless the stream itself fails.
    uint32_t ip_len = rte_pktmbuf_pkt_len(m) - sizeof(rte_ether_hdr);
    if (!s.records) {
        s.counters.tx_packets.inc();
        s.counters.tx_bytes.add(ip_len);
        s.last_tx_tsc.store(w_.now_tsc(), std::memory_order_relaxed);
        first_stage_output(s, m);
        return;
    }
    RecordLayer& rl = *s.records;
    if (rl.failed()) {
        w_.drop(m, DropReason::sstp_after_error);
        return;
    }
    if (RecordLayer::kDataPrefix + ip_len > vp::sstp::kMaxPacketBytes) {
        w_.drop(m, DropReason::sstp_too_big);
        return;
    }
    if (!stream_room(s, rl.ip_offset() + ip_len + rl.seal_key().seal_tail())) {
        w_.drop(m, DropReason::sstp_stream_full);
        return;
    }
    m = frame(m, sizeof(rte_ether_hdr), ip_len, rl.ip_offset(), rl.seal_key().seal_tail());
    if (!m) return;
    crypto::TlsRecordOp op;
    rl.prepare_seal_ip(rte_pktmbuf_mtod(m, uint8_t*), ip_len, op); // fits: checked above
    s.counters.tx_packets.inc();
    s.counters.tx_bytes.add(ip_len);
    s.last_tx_tsc.store(w_.now_tsc(), std::memory_order_relaxed);
    queue_seal(s, m, op);
}

void Stage::control(SstpSession& s, rte_mbuf* m) {
    uint32_t len = rte_pktmbuf_pkt_len(m);
    if (!s.records || len > vp::sstp::kMaxPacketBytes || len < vp::sstp::kPacketHeaderBytes) {
        w_.drop(m, DropReason::inject_invalid);
        return;
    }
    RecordLayer& rl = *s.records;
    if (rl.failed()) {
        w_.drop(m, DropReason::sstp_after_error);
        return;
    }
    if (!stream_room(s, rl.seal_key().seal_offset() + len + rl.seal_key().seal_tail())) {
        w_.drop(m, DropReason::sstp_stream_full);
        return;
    }
    m = frame(m, 0, len, rl.seal_key().seal_offset(), rl.seal_key().seal_tail());
    if (!m) return;
    crypto::TlsRecordOp op;
    rl.prepare_seal_packet(rte_pktmbuf_mtod(m, uint8_t*), len, op);
    queue_seal(s, m, op);
    seals_[n_seals_ - 1].control = true;
    // Control packets are rare: out now, so that a TcpClose queued behind this inject on the
    // ring cannot overtake the record.
    flush_output();
}

void Stage::flush_output() {
    if (n_seals_ == 0) return;
    w_.crypto().process_records({seal_ops_.data(), n_seals_});
    for (uint32_t i = 0; i < n_seals_; ++i) {
        const crypto::TlsRecordOp& op = seal_ops_[i];
        rte_mbuf* m = seals_[i].m;
        if (op.status != crypto::TlsRecordStatus::Ok) {
            w_.drop(m, DropReason::crypto_error);
            continue;
        }
        rte_pktmbuf_trim(m, static_cast<uint16_t>(rte_pktmbuf_data_len(m) - op.out_len));
        if (!w_.tcp_stream_send(seals_[i].conn, m)) { // freed either way
            w_.count_drop(DropReason::sstp_stream_full);
            continue;
        }
        w_.count(WorkerCounter::sstp_records_sealed);
        if (seals_[i].control) w_.count(WorkerCounter::sstp_control_sealed);
    }
    n_seals_ = 0;
}

} // namespace

ProtocolStage protocol_stage() {
    ProtocolStage p;
    p.create = [](Worker& w, std::string& error) -> void* {
        auto* stage = new (std::nothrow) Stage(w);
        if (!stage) error = "SSTP stage: out of memory";
        return stage;
    };
    p.destroy = [](void* state) { delete static_cast<Stage*>(state); };
    p.tcp_port = &WorkerPolicy::sstp_tcp_port;
    p.stream_input = [](void* state, const StreamUnit& u) {
        return static_cast<Stage*>(state)->stream_input(u);
    };
    p.output = [](void* state, Session& s, rte_mbuf* m) {
        static_cast<Stage*>(state)->output(static_cast<SstpSession&>(s), m);
    };
    p.control = [](void* state, Session& s, rte_mbuf* m) {
        SstpSession* ss = as_sstp(s);
        if (!ss) {
            rte_pktmbuf_free(m);
            return;
        }
        static_cast<Stage*>(state)->control(*ss, m);
    };
    p.flush_input = [](void* state) { static_cast<Stage*>(state)->flush_input(); };
    p.flush_output = [](void* state) { static_cast<Stage*>(state)->flush_output(); };
    return p;
}

} // namespace vp::dp::sstp
