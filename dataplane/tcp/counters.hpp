// Named per-worker counters of the TCP engine. One struct per engine (each engine belongs to one
// worker), cache-line aligned; the worker is the only writer and the telemetry thread reads, so
// each field is a vp::Relaxed (base/relaxed.hpp). A reader sums the workers' copies. The
// list is an X-macro so that the field, its name and its one-line description are written once.
#pragma once

#include "base/relaxed.hpp"

#include <cstddef>
#include <cstdint>

namespace vp::tcp {

#define VP_TCP_COUNTERS(X)                                                                         \
    X(rx_segments, "segments handed to the engine")                                                \
    X(rx_payload_bytes, "payload bytes accepted in sequence")                                      \
    X(tx_segments, "segments emitted")                                                             \
    X(tx_payload_bytes, "payload bytes emitted, retransmissions included")                         \
    X(tx_pure_acks, "segments emitted without payload, SYN or FIN")                                \
    X(retransmits, "segments retransmitted (any cause)")                                           \
    X(retransmit_bytes, "payload bytes retransmitted")                                             \
    X(fast_retransmits, "loss recoveries entered on duplicate ACKs or SACK (RFC 6582/6675)")       \
    X(rto_expirations, "retransmission timeouts (RFC 6298 §5.4)")                                  \
    X(lost_retransmits, "retransmissions found lost from later SACKs and sent again")              \
    X(tlp_probes, "tail-loss probes sent (RFC 8985 §7)")                                           \
    X(dup_acks, "duplicate ACKs received (RFC 5681 §2)")                                           \
    X(ooo_segments, "segments received out of order and queued")                                   \
    X(sack_blocks_rx, "SACK blocks received and applied to the scoreboard")                        \
    X(delayed_acks, "ACKs sent when the delayed-ACK timer expired")                                \
    X(window_updates, "pure ACKs sent because the receive window opened")                          \
    X(window_probes, "zero-window probes sent")                                                    \
    X(keepalive_probes, "keepalive probes sent")                                                   \
    X(challenge_acks, "challenge ACKs sent (RFC 5961)")                                            \
    X(conn_passive, "connections opened by a SYN to a listening port")                             \
    X(conn_active, "connections opened by connect()")                                              \
    X(conn_established, "connections that reached ESTABLISHED")                                    \
    X(conn_closed, "connections released (any cause)")                                             \
    X(conn_reset_rx, "connections reset by the peer")                                              \
    X(conn_reset_tx, "connections the engine reset (abort, timeout, protocol error)")              \
    X(conn_timeouts, "connections dropped after retransmission or keepalive limits")               \
    X(conn_aborted, "connections aborted by their consumer")                                       \
    X(synrecv_timeouts, "embryonic connections dropped after SYN-ACK retries")                     \
    X(time_wait_recycled, "TIME-WAIT entries reused before 2*MSL to bound their number")           \
    X(time_wait_reopened, "TIME-WAIT entries replaced by a new SYN (RFC 6191)")                    \
    X(syn_cookies_sent, "SYN-ACKs carrying a SYN cookie (RFC 4987)")                               \
    X(syn_cookies_accepted, "ACKs that validated a SYN cookie and opened a connection")            \
    X(syn_cookies_rejected, "ACKs to a listening port whose cookie did not validate")              \
    X(rst_sent, "RSTs sent for segments that match no connection")                                 \
    X(drop_truncated, "dropped: shorter than its headers claim")                                   \
    X(drop_not_ipv4, "dropped: not IPv4")                                                          \
    X(drop_bad_ip_header, "dropped: bad IPv4 header length or total length")                       \
    X(drop_not_tcp, "dropped: IPv4 protocol is not TCP")                                           \
    X(drop_fragment, "dropped: IPv4 fragment")                                                     \
    X(drop_bad_data_offset, "dropped: TCP data offset out of range")                               \
    X(drop_bad_options, "dropped: malformed TCP options")                                          \
    X(drop_bad_address, "dropped: multicast, broadcast, zero or loopback address")                 \
    X(drop_bad_port, "dropped: port zero")                                                         \
    X(drop_bad_flags, "dropped: impossible flag combination")                                      \
    X(drop_bad_checksum, "dropped: TCP checksum wrong")                                            \
    X(drop_no_listener, "dropped: no connection and no listener (answered with RST)")              \
    X(drop_rst_rate_limited, "RSTs not sent because of the per-worker RST rate limit")             \
    X(drop_rst_no_conn, "dropped: RST for no connection")                                          \
    X(drop_paws, "dropped: timestamp older than TS.Recent (PAWS, RFC 7323)")                       \
    X(drop_out_of_window, "dropped: sequence number outside the receive window")                   \
    X(drop_ack_unsent, "dropped: ACK of data never sent")                                          \
    X(drop_ack_too_old, "dropped: ACK older than the send window allows (RFC 5961 §5)")            \
    X(drop_no_ack_flag, "dropped: synchronized state and no ACK flag")                             \
    X(drop_syn_sent_bad, "dropped: unacceptable segment in SYN-SENT")                              \
    X(drop_listen_bad, "dropped: segment to a listening port that is neither SYN nor ACK")         \
    X(drop_table_full, "dropped: connection table full")                                           \
    X(drop_syn_backlog_full, "dropped: SYN backlog full and SYN cookies disabled")                 \
    X(drop_rcv_buf_full, "dropped: payload beyond the receive buffer")                             \
    X(drop_ooo_full, "dropped: out-of-order data refused or evicted, queue full")                  \
    X(drop_rcv_mbuf_limit, "dropped: receive buffer mbuf limit reached")                           \
    X(drop_data_after_fin, "dropped: payload after the peer's FIN or after shutdown")              \
    X(drop_no_mbuf, "segments not built: mbuf pool empty")                                         \
    X(drop_tx_batch_full, "control segments not sent: output batch full")                          \
    X(drop_challenge_ack_limited, "challenge ACKs not sent because of the rate limit")             \
    X(drop_stale_handle, "API calls on a connection handle that is no longer valid")

struct alignas(64) EngineCounters {
#define VP_TCP_COUNTER_FIELD(name, desc) Relaxed<uint64_t> name;
    VP_TCP_COUNTERS(VP_TCP_COUNTER_FIELD)
#undef VP_TCP_COUNTER_FIELD

    EngineCounters& operator+=(const EngineCounters& o);
};

struct CounterInfo {
    const char* name;
    const char* description;
    Relaxed<uint64_t> EngineCounters::*field;
};

// Every counter with its name and description, in declaration order.
const CounterInfo* counter_table(size_t& count);

// Connections of one engine in each state (gauges, not counters).
struct EngineGauges {
    Relaxed<uint32_t> connections; // every slot in use, TIME-WAIT included
    Relaxed<uint32_t> syn_received;
    Relaxed<uint32_t> established;
    Relaxed<uint32_t> time_wait;
};

} // namespace vp::tcp
