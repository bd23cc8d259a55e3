// The per-worker TCP engine: a connection table, the RFC 9293 state machine, timers and the
// stream-consumer seam. One Engine per worker core, used only from that core. The worker hands
// it validated IPv4 packets carrying TCP to one of our addresses and flushes the segments it
// emits; nothing here knows about ports, ARP or routes.
//
// Hot-path calls (input, poll, flush and the stream operations) never allocate from the heap,
// lock, throw or log; mbufs come from the pool given at creation, and everything else is sized
// from EngineConfig in create().
#pragma once

#include "base/result.hpp"
#include "dataplane/tcp/config.hpp"
#include "dataplane/tcp/connection.hpp"
#include "dataplane/tcp/counters.hpp"
#include "dataplane/tcp/segment.hpp"
#include "dataplane/tcp/stream_types.hpp"
#include "dataplane/tcp/syn_cookie.hpp"
#include "dataplane/tcp/timer_wheel.hpp"

#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <span>

struct rte_hash;

namespace vp::tcp {

// Where the engine puts the segments it emits: mbufs whose data starts at the IPv4 header, IPv4
// and TCP headers complete (checksums computed unless offload is configured), with at least
// RTE_PKTMBUF_HEADROOM - or 14 bytes at the very least - of headroom for the Ethernet header.
// The worker transmits and resets `count` after each stage.
struct TxBatch {
    rte_mbuf** pkts = nullptr;
    uint16_t capacity = 0;
    uint16_t count = 0;

    bool full() const { return count >= capacity; }
    void push(rte_mbuf* m) { pkts[count++] = m; }
};

template <uint16_t N>
struct TxBatchArray : TxBatch {
    rte_mbuf* storage[N];
    TxBatchArray() : TxBatch{storage, N, 0} {}
    TxBatchArray(const TxBatchArray&) = delete;
    TxBatchArray& operator=(const TxBatchArray&) = delete;
};

struct ListenParams {
    uint16_t port = 0;
    ConsumerKind consumer = ConsumerKind::Discard;
    PuntMode punt;
    uint64_t user_data = 0; // initial user_data of every connection accepted on this port
};

struct ConnectParams {
    FlowKey flow; // local_ip/local_port: ours. RSS must bring the reply to this worker.
    ConsumerKind consumer = ConsumerKind::Punt;
    PuntMode punt;
    uint64_t user_data = 0;
};

// What punt_poll() hands the worker for forwarding to the control plane.
struct PuntEvent {
    // Writable: room opened in the send buffer after a send() was refused.
    enum class Kind : uint8_t { Opened, Data, PeerClosed, Writable, Closed };
    Kind kind = Kind::Opened;
    CloseReason reason = CloseReason::Normal; // Closed only
    ConnHandle conn;
    FlowKey flow;
    uint64_t user_data = 0;
    rte_mbuf* data = nullptr; // Data only: a chain the receiver now owns
};

// A snapshot of one connection, for tests and the management interface.
struct ConnInfo {
    TcpState state;
    FlowKey flow;
    uint32_t snd_una, snd_nxt, snd_max, snd_wnd, rcv_nxt, rcv_wnd;
    uint32_t cwnd, ssthresh, srtt_us, rto_us;
    uint32_t snd_queued, rcv_queued, ooo_bytes;
    uint16_t snd_mss;
    uint8_t snd_wscale, rcv_wscale, backoff;
    bool ts_ok, sack_ok, in_recovery, from_cookie;
};

class Stream;

class Engine {
public:
    // Control path: allocates the table, wheel and hash. `name` must be unique in the process
    // (it names the rte_hash). now_us starts the clock.
    static Result<std::unique_ptr<Engine>> create(const EngineConfig& config, rte_mempool* pool,
                                                  int socket_id, const char* name, uint64_t now_us);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Control path, before traffic: accept connections on `port` (any local address the worker
    // sends us) for a consumer.
    Status listen(const ListenParams& params);
    // Per-consumer-kind context the consumers reach through Stream::context().
    void set_consumer_context(ConsumerKind kind, void* context);
    // The SYN cookie secret; rotate it every few minutes. Until one is set, cookies are off.
    Status set_syn_cookie_secret(const uint8_t key[16]);

    // ---- Hot path ----
    // Takes one packet whose data starts at a validated IPv4 header of a TCP packet to one of
    // our addresses. The engine owns the mbuf from here on. Segments it emits go to `out`.
    void input(rte_mbuf* m, uint64_t now_us, TxBatch& out);
    // Once per loop iteration: runs due timers and sends what is pending.
    void poll(uint64_t now_us, TxBatch& out);
    // Delivers pending consumer events and sends pending output (input and poll call it; call
    // it after stream operations when they should not wait for the next poll).
    void flush(TxBatch& out);

    // ---- Stream operations (owner worker: its consumers, its inject ring) ----
    // Active open. Returns an invalid handle when the table is full or the flow exists.
    ConnHandle connect(const ConnectParams& params);
    // Queues a chain for sending; the engine owns it on success. On failure (no room, stale
    // handle, closed for sending) the caller keeps it.
    bool send(ConnHandle h, rte_mbuf* chain);
    // Copies as much as fits; returns the bytes queued.
    uint32_t send_copy(ConnHandle h, std::span<const uint8_t> bytes);
    uint32_t send_space(ConnHandle h) const;
    // Graceful close: FIN after the queued bytes. Receiving goes on until the peer's FIN.
    void close(ConnHandle h);
    // RST now; queued bytes are dropped. The consumer still gets Closed(Aborted).
    void abort(ConnHandle h);
    // Moves the connection to another consumer (e.g. Punt -> SSTP after the TLS handshake);
    // bytes already received are offered to the new consumer.
    bool set_consumer(ConnHandle h, ConsumerKind kind, uint64_t user_data, PuntMode punt = {});
    // Stepwise punting: allow the next unit.
    void punt_resume(ConnHandle h);
    // Collects events of punt-consumer connections, in order per connection. Data events carry
    // chains the caller owns. A connection's slot is released after its Closed event.
    size_t punt_poll(PuntEvent* events, size_t max);

    // Reading, for the owner worker outside consumer callbacks (tests, injectors).
    Stream stream(ConnHandle h);
    bool valid(ConnHandle h) const;

    // ---- Introspection ----
    const EngineCounters& counters() const { return counters_; }
    EngineGauges gauges() const;
    bool info(ConnHandle h, ConnInfo& out) const;
    ConnHandle lookup(const FlowKey& flow) const;
    const EngineConfig& config() const { return cfg_; }
    uint64_t now_us() const { return now_us_; }

private:
    friend class Stream;
    Engine(const EngineConfig& config, rte_mempool* pool);
    Status init(int socket_id, const char* name, uint64_t now_us);

    struct Listener {
        uint16_t port = 0; // 0: unused
        ConsumerKind consumer = ConsumerKind::Discard;
        PuntMode punt;
        uint64_t user_data = 0;
    };

    // engine.cpp: slots, lists, events.
    uint32_t alloc_slot(const FlowKey& flow);
    void free_slot(uint32_t idx);
    void enter_closed(uint32_t idx, CloseReason reason);
    void enter_time_wait(uint32_t idx);
    void mark_dirty(uint32_t idx);
    void punt_mark(uint32_t idx);
    void deliver_events(uint32_t idx);
    bool handle_ok(ConnHandle h) const;
    void init_connection(Connection& c, const FlowKey& flow);
    void arm_timer(uint32_t idx);
    uint32_t rx_free_space(const Connection& c) const;
    void reset_buffers(Connection& c);
    bool rate_ok(uint32_t& count, uint64_t& second, uint32_t limit);

    // engine_input.cpp
    void input_listen(rte_mbuf* m, const TcpSegment& seg, const FlowKey& flow, TxBatch& out);
    bool open_from_cookie(const TcpSegment& seg, const FlowKey& flow, const Listener& l,
                          uint32_t& idx);
    void input_syn_sent(uint32_t idx, rte_mbuf* m, const TcpSegment& seg, TxBatch& out);
    void input_time_wait(uint32_t idx, rte_mbuf* m, const TcpSegment& seg, TxBatch& out);
    void input_synchronized(uint32_t idx, rte_mbuf* m, const TcpSegment& seg, TxBatch& out);
    bool process_ack(uint32_t idx, const TcpSegment& seg);
    bool process_data(uint32_t idx, rte_mbuf* m, const TcpSegment& seg);
    void process_fin(uint32_t idx);
    void negotiate_syn_options(Connection& c, const TcpSegment& seg);
    void established(uint32_t idx);
    void send_rst_for(const TcpSegment& seg, TxBatch& out);
    void challenge_ack(uint32_t idx, TxBatch& out);

    // engine_output.cpp
    bool output(uint32_t idx, TxBatch& out);
    bool send_at(Connection& c, uint32_t seq, uint32_t max_len, bool retransmission, TxBatch& out,
                 uint32_t& sent_len, bool& fin_sent);
    bool emit(Connection& c, uint32_t seq, uint32_t len, uint8_t flags, const OptionsOut& o,
              TxBatch& out);
    void send_persist_probe(uint32_t idx, TxBatch& out);
    void send_tail_loss_probe(uint32_t idx, TxBatch& out);
    void arm_retransmit(Connection& c);
    void send_abort_rst(Connection& c, TxBatch& out);
    uint32_t rto_now(const Connection& c) const;
    bool emit_raw(const FlowKey& flow, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                  const OptionsOut* opts, TxBatch& out);
    void send_ack(uint32_t idx, TxBatch& out);
    uint16_t window_field(Connection& c, bool syn);
    bool window_update_due(const Connection& c) const;
    uint32_t payload_limit(const Connection& c) const;
    uint32_t ts_now(const Connection& c) const;
    void fill_options(Connection& c, OptionsOut& o, bool syn);
    bool attach_payload(Connection& c, rte_mbuf* hdr, uint32_t seq, uint32_t len);

    // engine_timers.cpp
    void on_timer(uint32_t idx, TxBatch& out);
    void on_rto(uint32_t idx, TxBatch& out);
    void on_keepalive(uint32_t idx, TxBatch& out);

    EngineConfig cfg_;
    rte_mempool* pool_;
    rte_hash* table_ = nullptr;
    Connection* conns_ = nullptr;
    uint32_t* free_stack_ = nullptr;
    uint32_t free_top_ = 0;
    TimerWheel wheel_;
    static constexpr size_t kMaxListeners = 16;
    Listener listeners_[kMaxListeners];
    const Listener* find_listener(uint16_t port) const;
    void maybe_free(uint32_t idx);
    void count_parse_error(ParseError e);
    void* consumer_ctx_[static_cast<size_t>(ConsumerKind::Count)] = {};
    SynCookies cookies_;
    IsnGenerator isn_;

    uint64_t now_us_ = 0;
    uint64_t cookies_last_sent_us_ = 0;
    IndexQueue<Connection, &Connection::dirty_next> dirty_;
    IndexQueue<Connection, &Connection::punt_next> punt_;
    IndexList<Connection, &Connection::tw_prev, &Connection::tw_next> time_wait_; // oldest first
    uint32_t rcv_wscale_ = 0;
    uint32_t max_rcv_segs_ = 0;
    uint16_t ip_id_ = 0;
    EngineGauges gauges_;
    uint32_t rst_count_ = 0;
    uint64_t rst_second_ = 0;
    uint32_t challenge_count_ = 0;
    uint64_t challenge_second_ = 0;
    EngineCounters counters_;
};

} // namespace vp::tcp
