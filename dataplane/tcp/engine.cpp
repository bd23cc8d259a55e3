// Engine: creation, the connection slots and their lists, consumer event delivery, and the
// stream operations of the public API. Segment arrival is in engine_input.cpp, segment
// building in engine_output.cpp, timers in engine_timers.cpp.
#include "dataplane/tcp/engine.hpp"

#include "dataplane/tcp/congestion.hpp"
#include "dataplane/tcp/consumers/consumer_list.hpp"
#include "dataplane/tcp/seq.hpp"
#include "dataplane/tcp/stream.hpp"

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <new>
#include <string>

namespace vp::tcp {

const char* to_string(TcpState s) {
    switch (s) {
    case TcpState::Closed:
        return "CLOSED";
    case TcpState::SynSent:
        return "SYN-SENT";
    case TcpState::SynReceived:
        return "SYN-RECEIVED";
    case TcpState::Established:
        return "ESTABLISHED";
    case TcpState::FinWait1:
        return "FIN-WAIT-1";
    case TcpState::FinWait2:
        return "FIN-WAIT-2";
    case TcpState::CloseWait:
        return "CLOSE-WAIT";
    case TcpState::Closing:
        return "CLOSING";
    case TcpState::LastAck:
        return "LAST-ACK";
    case TcpState::TimeWait:
        return "TIME-WAIT";
    }
    return "?";
}

const char* to_string(CloseReason r) {
    switch (r) {
    case CloseReason::Normal:
        return "normal";
    case CloseReason::Reset:
        return "reset";
    case CloseReason::Timeout:
        return "timeout";
    case CloseReason::Aborted:
        return "aborted";
    case CloseReason::Refused:
        return "refused";
    }
    return "?";
}

Engine::Engine(const EngineConfig& config, rte_mempool* pool) : cfg_(config), pool_(pool) {}

Result<std::unique_ptr<Engine>> Engine::create(const EngineConfig& config, rte_mempool* pool,
                                               int socket_id, const char* name, uint64_t now_us) {
    if (auto st = config.validate(); !st) return st.error();
    if (!pool) return make_error("tcp: no mbuf pool given");
    std::unique_ptr<Engine> e(new Engine(config, pool));
    if (auto st = e->init(socket_id, name, now_us); !st) return st.error();
    return e;
}

Status Engine::init(int socket_id, const char* name, uint64_t now_us) {
    now_us_ = now_us;
    uint32_t n = cfg_.max_connections;
    rte_hash_parameters hp{};
    std::string hname = std::string("tcp_") + name;
    hp.name = hname.c_str();
    hp.entries = n < 8 ? 8 : n;
    hp.key_len = sizeof(FlowKey);
    hp.hash_func = rte_hash_crc;
    // A random seed keeps peers from choosing tuples that collide in the table.
    hp.hash_func_init_val = static_cast<uint32_t>(rte_rand());
    hp.socket_id = socket_id;
    // The extendable table guarantees room for `entries` keys whatever their distribution.
    hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    table_ = rte_hash_create(&hp);
    if (!table_) return make_error("tcp: cannot create connection table '" + hname + "'");

    conns_ = static_cast<Connection*>(
        rte_zmalloc_socket("tcp_conns", sizeof(Connection) * n, RTE_CACHE_LINE_SIZE, socket_id));
    free_stack_ = static_cast<uint32_t*>(
        rte_zmalloc_socket("tcp_free", sizeof(uint32_t) * n, RTE_CACHE_LINE_SIZE, socket_id));
    if (!conns_ || !free_stack_)
        return make_error("tcp: cannot allocate " + std::to_string(n) + " connections");
    for (uint32_t i = 0; i < n; ++i) {
        new (&conns_[i]) Connection();
        conns_[i].ooo.set_max_ranges(cfg_.ooo_max_ranges);
        free_stack_[i] = n - 1 - i;
    }
    free_top_ = n;
    wheel_.init(n, cfg_.wheel_slots, now_us / cfg_.tick_us);

    // Our window scale: the smallest shift that lets the whole receive buffer be offered.
    rcv_wscale_ = 0;
    while (rcv_wscale_ < 14 && (65535u << rcv_wscale_) < cfg_.rcv_buf_bytes)
        ++rcv_wscale_;
    // With small payloads copied together (rx_coalesce_bytes), a full buffer needs about
    // rcv_buf / rx_coalesce mbufs; allow twice that before refusing data.
    uint32_t unit = cfg_.rx_coalesce_bytes ? cfg_.rx_coalesce_bytes : 512;
    max_rcv_segs_ = 2 * (cfg_.rcv_buf_bytes / unit) + 64;
    return isn_.init();
}

Engine::~Engine() {
    if (conns_) {
        for (uint32_t i = 0; i < cfg_.max_connections; ++i)
            conns_[i].~Connection();
        rte_free(conns_);
    }
    rte_free(free_stack_);
    if (table_) rte_hash_free(table_);
}

Status Engine::listen(const ListenParams& p) {
    if (p.port == 0) return make_error("tcp: cannot listen on port 0");
    for (auto& l : listeners_) {
        if (l.port == p.port || l.port == 0) {
            l.port = p.port;
            l.consumer = p.consumer;
            l.punt = p.punt;
            l.user_data = p.user_data;
            return {};
        }
    }
    return make_error("tcp: at most " + std::to_string(kMaxListeners) + " listening ports");
}

const Engine::Listener* Engine::find_listener(uint16_t port) const {
    for (const auto& l : listeners_)
        if (l.port == port) return &l;
    return nullptr;
}

void Engine::set_consumer_context(ConsumerKind kind, void* context) {
    consumer_ctx_[static_cast<size_t>(kind)] = context;
}

Status Engine::set_syn_cookie_secret(const uint8_t key[16]) {
    return cookies_.set_secret(key);
}

// ---- Slots ----

void Engine::init_connection(Connection& c, const FlowKey& flow) {
    // Keep what must survive reuse: the generation and the list links (a freed slot may still
    // sit on the dirty or punt list; those walks skip slots not in use).
    uint32_t gen = c.generation;
    bool in_dirty = c.in_dirty, in_punt = c.in_punt;
    uint32_t dn = c.dirty_next, pn = c.punt_next;
    c.~Connection();
    new (&c) Connection();
    c.generation = gen;
    c.in_dirty = in_dirty;
    c.in_punt = in_punt;
    c.dirty_next = dn;
    c.punt_next = pn;
    c.ooo.set_max_ranges(cfg_.ooo_max_ranges);
    c.key = flow;
    c.in_use = true;
    c.last_rx_us = c.last_tx_us = now_us_;
    c.rtt.reset(cfg_.rto_initial_ms * 1000);
}

uint32_t Engine::alloc_slot(const FlowKey& flow) {
    if (free_top_ == 0 && !time_wait_.empty()) {
        // Out of slots: the oldest TIME-WAIT entry gives way (its job is only to absorb stray
        // segments of a finished connection).
        uint32_t old = time_wait_.front();
        ++counters_.time_wait_recycled;
        enter_closed(old, CloseReason::Normal);
        maybe_free(old);
    }
    if (free_top_ == 0) return kNoIndex;
    uint32_t idx = free_stack_[free_top_ - 1];
    if (rte_hash_add_key_data(table_, &flow, reinterpret_cast<void*>(uintptr_t{idx})) < 0)
        return kNoIndex;
    --free_top_;
    init_connection(conns_[idx], flow);
    ++gauges_.connections;
    return idx;
}

void Engine::free_slot(uint32_t idx) {
    Connection& c = conns_[idx];
    wheel_.cancel(idx);
    init_connection(c, FlowKey{});
    c.in_use = false;
    ++c.generation;
    free_stack_[free_top_++] = idx;
    --gauges_.connections;
}

void Engine::maybe_free(uint32_t idx) {
    Connection& c = conns_[idx];
    if (c.in_use && c.state == TcpState::Closed && !c.hold && c.events == 0 && !c.in_punt)
        free_slot(idx);
}

void Engine::reset_buffers(Connection& c) {
    c.snd_q.clear();
    c.rcv_q.clear();
    c.ooo.clear();
    c.cursor_seg = nullptr;
}

void Engine::enter_closed(uint32_t idx, CloseReason reason) {
    Connection& c = conns_[idx];
    if (c.state == TcpState::Closed) return;
    rte_hash_del_key(table_, &c.key);
    if (c.state == TcpState::SynReceived) --gauges_.syn_received;
    if (c.state == TcpState::TimeWait) {
        time_wait_.unlink(conns_, idx);
        --gauges_.time_wait;
    } else if (c.synchronized()) {
        --gauges_.established;
    }
    c.state = TcpState::Closed;
    c.rtx_deadline_us = c.delack_deadline_us = c.state_deadline_us = c.ka_deadline_us = 0;
    wheel_.cancel(idx);
    c.snd_q.clear();
    c.cursor_seg = nullptr;
    if (reason != CloseReason::Normal) {
        c.rcv_q.clear();
        c.ooo.clear();
    }
    ++counters_.conn_closed;
    // The consumer hears of the end once: connections it never saw (embryonic passive opens)
    // end silently.
    if (!c.closed_notified && (c.opened || !c.passive)) {
        c.close_reason = reason;
        c.events |= event::Closed;
        c.closed_notified = true;
    }
    mark_dirty(idx);
}

void Engine::enter_time_wait(uint32_t idx) {
    Connection& c = conns_[idx];
    if (c.synchronized()) --gauges_.established;
    c.state = TcpState::TimeWait;
    ++gauges_.time_wait;
    c.rtx_deadline_us = c.delack_deadline_us = c.ka_deadline_us = 0;
    c.state_deadline_us = now_us_ + uint64_t{cfg_.time_wait_ms} * 1000;
    // Nothing more is sent or reassembled; bytes received in order stay until the consumer
    // has been told of the end (flush, or punt_poll for punt consumers) - then they go too, so
    // a TIME-WAIT entry holds no mbufs.
    c.snd_q.clear();
    c.ooo.clear();
    c.cursor_seg = nullptr;
    time_wait_.push_back(conns_, idx);
    if (!c.closed_notified && (c.opened || !c.passive)) {
        c.close_reason = CloseReason::Normal;
        c.events |= event::Closed;
        c.closed_notified = true;
    }
    mark_dirty(idx);
    if (gauges_.time_wait > cfg_.time_wait_max && time_wait_.front() != idx) {
        uint32_t old = time_wait_.front();
        ++counters_.time_wait_recycled;
        enter_closed(old, CloseReason::Normal);
    }
}

void Engine::mark_dirty(uint32_t idx) {
    Connection& c = conns_[idx];
    if (c.in_dirty) return;
    c.in_dirty = true;
    dirty_.push_back(conns_, idx);
}

void Engine::punt_mark(uint32_t idx) {
    Connection& c = conns_[idx];
    if (c.in_punt) return;
    c.in_punt = true;
    punt_.push_back(conns_, idx);
}

void punt_note(Stream& s, uint8_t bits) {
    s.note_punt(bits);
}

bool Engine::rate_ok(uint32_t& count, uint64_t& second, uint32_t limit) {
    uint64_t now_s = now_us_ / 1000000;
    if (now_s != second) {
        second = now_s;
        count = 0;
    }
    if (count >= limit) return false;
    ++count;
    return true;
}

uint32_t Engine::rx_free_space(const Connection& c) const {
    uint32_t used = c.rcv_q.bytes();
    return used < cfg_.rcv_buf_bytes ? cfg_.rcv_buf_bytes - used : 0;
}

void Engine::arm_timer(uint32_t idx) {
    const Connection& c = conns_[idx];
    uint64_t next = 0;
    for (uint64_t d :
         {c.rtx_deadline_us, c.delack_deadline_us, c.state_deadline_us, c.ka_deadline_us})
        if (d && (next == 0 || d < next)) next = d;
    if (next == 0) return; // a stale entry, if any, finds nothing to do when it fires
    uint64_t tick = (next + cfg_.tick_us - 1) / cfg_.tick_us;
    if (!wheel_.scheduled(idx) || tick < wheel_.expiry(idx)) wheel_.schedule(idx, tick);
}

// ---- Events ----

void Engine::deliver_events(uint32_t idx) {
    Connection& c = conns_[idx];
    Stream s(*this, idx);
    // Callbacks may raise further events (a send that fills up, an abort); loop a few rounds.
    for (int round = 0; round < 4 && c.events; ++round) {
        uint8_t ev = c.events;
        c.events = 0;
        Consumers::visit(c.consumer, [&]<class C>() {
            bool gone = false;
            auto alive = [&] { return !gone && c.state != TcpState::Closed; };
            if (ev & event::Opened) {
                c.opened = true;
                C::on_opened(s);
            }
            if ((ev & event::Readable) && alive() && c.rcv_q.bytes()) C::on_readable(s);
            if ((ev & event::PeerClosed) && alive()) C::on_peer_closed(s);
            if ((ev & event::Writable) && alive()) C::on_writable(s);
            if (ev & event::Closed) {
                C::on_closed(s, c.close_reason);
                gone = true;
            }
        });
    }
}

void Engine::flush(TxBatch& out) {
    uint32_t head = dirty_.take_all();
    while (head != kNoIndex) {
        uint32_t idx = head;
        Connection& c = conns_[idx];
        head = c.dirty_next;
        c.dirty_next = kNoIndex;
        if (!c.in_use) {
            c.in_dirty = false;
            continue;
        }
        // Still marked while we work on it, so callbacks do not queue it again.
        deliver_events(idx);
        bool more = false;
        if (c.state != TcpState::Closed) more = output(idx, out);
        if (c.abort_rst) {
            c.abort_rst = false;
            send_abort_rst(c, out);
        }
        if (c.state == TcpState::TimeWait && !c.hold && !c.events) c.rcv_q.clear();
        c.in_dirty = false;
        if (c.events) more = true;
        if (more) mark_dirty(idx);
        if (c.state != TcpState::Closed) arm_timer(idx);
        maybe_free(idx);
    }
}

void Engine::poll(uint64_t now_us, TxBatch& out) {
    if (now_us > now_us_) now_us_ = now_us;
    wheel_.advance(now_us_ / cfg_.tick_us, [&](uint32_t idx) { on_timer(idx, out); });
    flush(out);
}

// ---- Public stream operations ----

bool Engine::handle_ok(ConnHandle h) const {
    return h.index < cfg_.max_connections && conns_[h.index].in_use &&
           conns_[h.index].generation == h.generation;
}

bool Engine::valid(ConnHandle h) const {
    return handle_ok(h);
}

Stream Engine::stream(ConnHandle h) {
    return Stream(*this, handle_ok(h) ? h.index : kNoIndex);
}

ConnHandle Engine::connect(const ConnectParams& p) {
    if (rte_hash_lookup(table_, &p.flow) >= 0) return {}; // that flow exists already
    uint32_t idx = alloc_slot(p.flow);
    if (idx == kNoIndex) {
        ++counters_.drop_table_full;
        return {};
    }
    Connection& c = conns_[idx];
    c.passive = false;
    c.consumer = p.consumer;
    c.punt = p.punt;
    c.user_data = p.user_data;
    c.state = TcpState::SynSent;
    c.iss = isn_.isn(p.flow, now_us_);
    c.ts_offset = isn_.ts_offset(p.flow);
    c.snd_una = c.iss;
    c.snd_nxt = c.snd_max = c.iss + 1;
    c.snd_q_seq = c.iss + 1;
    c.snd_mss = cfg_.mss;
    c.need_syn = true;
    c.rtx_deadline_us = now_us_ + uint64_t{cfg_.rto_initial_ms} * 1000;
    c.rtt_start_us = now_us_;
    ++counters_.conn_active;
    mark_dirty(idx);
    return ConnHandle{idx, c.generation};
}

bool Engine::send(ConnHandle h, rte_mbuf* chain) {
    if (!handle_ok(h)) {
        ++counters_.drop_stale_handle;
        return false;
    }
    Stream s(*this, h.index);
    return s.send(chain);
}

uint32_t Engine::send_copy(ConnHandle h, std::span<const uint8_t> bytes) {
    if (!handle_ok(h)) {
        ++counters_.drop_stale_handle;
        return 0;
    }
    Stream s(*this, h.index);
    return s.send_copy(bytes);
}

uint32_t Engine::send_space(ConnHandle h) const {
    if (!handle_ok(h)) return 0;
    return Stream(const_cast<Engine&>(*this), h.index).tx_space();
}

void Engine::close(ConnHandle h) {
    if (!handle_ok(h)) {
        ++counters_.drop_stale_handle;
        return;
    }
    Stream(*this, h.index).close();
}

void Engine::abort(ConnHandle h) {
    if (!handle_ok(h)) {
        ++counters_.drop_stale_handle;
        return;
    }
    Stream(*this, h.index).abort();
}

bool Engine::set_consumer(ConnHandle h, ConsumerKind kind, uint64_t user_data, PuntMode punt) {
    if (!handle_ok(h)) {
        ++counters_.drop_stale_handle;
        return false;
    }
    return Stream(*this, h.index).set_consumer(kind, user_data, punt);
}

void Engine::punt_resume(ConnHandle h) {
    if (!handle_ok(h)) {
        ++counters_.drop_stale_handle;
        return;
    }
    Connection& c = conns_[h.index];
    c.punt_paused = false;
    if (c.rcv_q.bytes() && c.consumer == ConsumerKind::Punt) {
        c.punt_events |= event::Readable;
        punt_mark(h.index);
    }
}

namespace {
uint16_t be16_at(const MbufList& q, uint32_t off) {
    uint8_t b[2];
    q.copy_out(off, b, 2);
    return static_cast<uint16_t>((b[0] << 8) | b[1]);
}

// Bytes of the next whole unit at the head of the queue, or 0 if it has not all arrived.
uint32_t punt_unit(const MbufList& q, PuntFraming f) {
    uint32_t have = q.bytes();
    switch (f) {
    case PuntFraming::Raw:
        return have;
    case PuntFraming::TlsRecords: {
        if (have < 5) return 0;
        uint32_t need = 5u + be16_at(q, 3);
        return have >= need ? need : 0;
    }
    case PuntFraming::Length16: {
        if (have < 2) return 0;
        uint32_t need = 2u + be16_at(q, 0);
        return have >= need ? need : 0;
    }
    }
    return 0;
}
} // namespace

size_t Engine::punt_poll(PuntEvent* ev, size_t max) {
    size_t n = 0;
    while (!punt_.empty() && n < max) {
        uint32_t idx = punt_.front();
        Connection& c = conns_[idx];
        auto pop = [&] {
            punt_.pop_front(conns_);
            c.in_punt = false;
        };
        if (!c.in_use) {
            pop();
            continue;
        }
        auto make = [&](PuntEvent::Kind k) -> PuntEvent& {
            PuntEvent& e = ev[n++];
            e = PuntEvent{};
            e.kind = k;
            e.conn = ConnHandle{idx, c.generation};
            e.flow = c.key;
            e.user_data = c.user_data;
            return e;
        };
        if (c.punt_events & event::Opened) {
            make(PuntEvent::Kind::Opened);
            c.punt_events &= static_cast<uint8_t>(~event::Opened);
            continue; // re-check room
        }
        bool punting = c.consumer == ConsumerKind::Punt;
        // At the end of the stream a partial unit goes out as it is.
        bool eof = c.fin_received || c.state == TcpState::Closed;
        uint32_t unit = punting && !c.punt_paused ? punt_unit(c.rcv_q, c.punt.framing) : 0;
        if (punting && !c.punt_paused && unit == 0 && eof) unit = c.rcv_q.bytes();
        if (unit) {
            rte_mbuf* chain = c.rcv_q.take_front(unit, pool_);
            if (!chain) break; // pool exhausted: try again next time
            PuntEvent& e = make(PuntEvent::Kind::Data);
            e.data = chain;
            if (c.punt.stepwise) c.punt_paused = true;
            if (c.state != TcpState::Closed) mark_dirty(idx); // the window opened
            continue;
        }
        if (c.punt_events & event::Writable) {
            make(PuntEvent::Kind::Writable);
            c.punt_events &= static_cast<uint8_t>(~event::Writable);
            continue;
        }
        bool drained = c.rcv_q.empty() || !punting;
        if ((c.punt_events & event::PeerClosed) && drained) {
            make(PuntEvent::Kind::PeerClosed);
            c.punt_events &= static_cast<uint8_t>(~event::PeerClosed);
            continue;
        }
        if ((c.punt_events & event::Closed) && drained && !(c.punt_events & event::PeerClosed)) {
            PuntEvent& e = make(PuntEvent::Kind::Closed);
            e.reason = c.close_reason;
            c.punt_events = 0;
            c.hold = false;
            if (c.state == TcpState::TimeWait) c.rcv_q.clear();
            pop();
            maybe_free(idx);
            continue;
        }
        pop(); // nothing deliverable now (paused, or waiting for the rest of a unit)
        maybe_free(idx);
    }
    return n;
}

// ---- Introspection ----

EngineGauges Engine::gauges() const {
    return gauges_;
}

ConnHandle Engine::lookup(const FlowKey& flow) const {
    void* d = nullptr;
    if (rte_hash_lookup_data(table_, &flow, &d) < 0) return {};
    uint32_t idx = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(d));
    return ConnHandle{idx, conns_[idx].generation};
}

bool Engine::info(ConnHandle h, ConnInfo& o) const {
    if (!handle_ok(h)) return false;
    const Connection& c = conns_[h.index];
    o.state = c.state;
    o.flow = c.key;
    o.snd_una = c.snd_una;
    o.snd_nxt = c.snd_nxt;
    o.snd_max = c.snd_max;
    o.snd_wnd = c.snd_wnd;
    o.rcv_nxt = c.rcv_nxt;
    o.rcv_wnd = seq_gt(c.rcv_adv, c.rcv_nxt) ? c.rcv_adv - c.rcv_nxt : 0;
    o.cwnd = c.cc.cwnd;
    o.ssthresh = c.cc.ssthresh;
    o.srtt_us = c.rtt.srtt_us;
    o.rto_us = c.rtt.rto_us;
    o.snd_queued = c.snd_q.bytes();
    o.rcv_queued = c.rcv_q.bytes();
    o.ooo_bytes = c.ooo.bytes();
    o.snd_mss = c.snd_mss;
    o.snd_wscale = c.snd_wscale;
    o.rcv_wscale = c.rcv_wscale;
    o.backoff = c.backoff;
    o.ts_ok = c.ts_ok;
    o.sack_ok = c.sack_ok;
    o.in_recovery = c.cc.in_recovery;
    o.from_cookie = c.from_cookie;
    return true;
}

} // namespace vp::tcp
