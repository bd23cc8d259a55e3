// Stream: the consumer-facing operations on one connection. See stream.hpp.
#include "dataplane/tcp/engine.hpp"
#include "dataplane/tcp/seq.hpp"
#include "dataplane/tcp/stream.hpp"

namespace vp::tcp {

namespace {
bool can_send(const Connection& c) {
    if (c.fin_queued) return false;
    switch (c.state) {
    case TcpState::SynSent:
    case TcpState::SynReceived:
    case TcpState::Established:
    case TcpState::CloseWait:
        return true;
    default:
        return false;
    }
}
} // namespace

bool Stream::valid() const {
    return index_ != kNoIndex && engine_->conns_[index_].in_use;
}

ConnHandle Stream::handle() const {
    return ConnHandle{index_, engine_->conns_[index_].generation};
}

const FlowKey& Stream::flow() const {
    return engine_->conns_[index_].key;
}

TcpState Stream::state() const {
    return engine_->conns_[index_].state;
}

uint64_t Stream::user_data() const {
    return engine_->conns_[index_].user_data;
}

void Stream::set_user_data(uint64_t v) {
    engine_->conns_[index_].user_data = v;
}

void* Stream::context() const {
    return engine_->consumer_ctx_[static_cast<size_t>(engine_->conns_[index_].consumer)];
}

uint32_t Stream::rx_bytes() const {
    return engine_->conns_[index_].rcv_q.bytes();
}

uint32_t Stream::rx_copy(uint32_t offset, uint8_t* dst, uint32_t len) const {
    return engine_->conns_[index_].rcv_q.copy_out(offset, dst, len);
}

rte_mbuf* Stream::rx_take(uint32_t max_bytes) {
    Connection& c = engine_->conns_[index_];
    rte_mbuf* m = c.rcv_q.take_front(max_bytes, engine_->pool_);
    if (m && c.state != TcpState::Closed) engine_->mark_dirty(index_); // window may open
    return m;
}

void Stream::rx_consume(uint32_t n) {
    Connection& c = engine_->conns_[index_];
    if (n == 0) return;
    c.rcv_q.drop_front(n);
    if (c.state != TcpState::Closed) engine_->mark_dirty(index_);
}

bool Stream::peer_closed() const {
    return engine_->conns_[index_].fin_received;
}

bool Stream::rx_finished() const {
    const Connection& c = engine_->conns_[index_];
    return c.fin_received && c.rcv_q.empty();
}

uint32_t Stream::tx_space() const {
    const Connection& c = engine_->conns_[index_];
    if (!can_send(c)) return 0;
    uint32_t used = c.snd_q.bytes();
    uint32_t cap = engine_->cfg_.snd_buf_bytes;
    return used < cap ? cap - used : 0;
}

bool Stream::send(rte_mbuf* chain) {
    Connection& c = engine_->conns_[index_];
    if (!chain) return true;
    uint64_t len = 0;
    for (rte_mbuf* s = chain; s; s = s->next)
        len += s->data_len;
    if (!can_send(c) || len > tx_space()) {
        if (can_send(c)) c.want_writable = true;
        return false;
    }
    c.snd_q.append(chain);
    engine_->mark_dirty(index_);
    return true;
}

uint32_t Stream::send_copy(std::span<const uint8_t> bytes) {
    Connection& c = engine_->conns_[index_];
    uint32_t room = tx_space();
    uint32_t n = bytes.size() < room ? static_cast<uint32_t>(bytes.size()) : room;
    if (n < bytes.size() && can_send(c)) c.want_writable = true;
    if (n == 0) return 0;
    if (!c.snd_q.append_copy(bytes.data(), n, engine_->pool_)) {
        ++engine_->counters_.drop_no_mbuf;
        c.want_writable = true;
        return 0;
    }
    engine_->mark_dirty(index_);
    return n;
}

void Stream::want_writable() {
    engine_->conns_[index_].want_writable = true;
}

void Stream::close() {
    Engine& e = *engine_;
    Connection& c = e.conns_[index_];
    switch (c.state) {
    case TcpState::SynSent:
        // RFC 9293 §3.10.4: with nothing queued the TCB goes; otherwise the FIN follows the
        // data once the connection is established.
        if (c.snd_q.empty()) {
            e.enter_closed(index_, CloseReason::Normal);
            return;
        }
        c.fin_queued = true;
        break;
    case TcpState::SynReceived:
        c.fin_queued = true;
        break; // FIN-WAIT-1 once established
    case TcpState::Established:
        c.fin_queued = true;
        c.state = TcpState::FinWait1;
        break;
    case TcpState::CloseWait:
        c.fin_queued = true;
        c.state = TcpState::LastAck;
        break;
    default:
        return; // already closing
    }
    e.mark_dirty(index_);
}

void Stream::abort() {
    Engine& e = *engine_;
    Connection& c = e.conns_[index_];
    if (c.state == TcpState::Closed) return;
    if (c.state != TcpState::TimeWait && c.state != TcpState::SynSent) {
        // <SEQ=SND.NXT><CTL=RST> (RFC 9293 §3.10.5 ABORT); it goes out with the next flush.
        c.abort_rst = true;
    }
    ++e.counters_.conn_aborted;
    ++e.counters_.conn_reset_tx;
    e.enter_closed(index_, CloseReason::Aborted);
}

bool Stream::set_consumer(ConsumerKind kind, uint64_t user_data, PuntMode punt) {
    Connection& c = engine_->conns_[index_];
    if (kind >= ConsumerKind::Count || c.state == TcpState::Closed) return false;
    c.consumer = kind;
    c.user_data = user_data;
    c.punt = punt;
    c.punt_paused = false;
    c.punt_events = 0;
    if (c.rcv_q.bytes()) c.events |= event::Readable;
    if (c.fin_received) c.events |= event::PeerClosed;
    engine_->mark_dirty(index_);
    return true;
}

void Stream::note_punt(uint8_t bits) {
    Engine& e = *engine_;
    Connection& c = e.conns_[index_];
    c.punt_events |= bits;
    if (bits & event::Closed) c.hold = true;
    e.punt_mark(index_);
}

} // namespace vp::tcp
