// Settings of one worker's TCP engine: table sizes, buffer bounds, timers. Fixed when the engine
// is created (everything is allocated then); docs/tcp.md gives the reasons for each default.
#pragma once

#include "base/result.hpp"

#include <cstdint>

namespace vp::tcp {

struct EngineConfig {
    // Connection table. Every connection, embryonic and TIME-WAIT included, takes one slot.
    uint32_t max_connections = 16384;
    // SYN-RECEIVED connections held before SYN cookies take over (RFC 4987).
    uint32_t syn_backlog = 1024;
    bool syn_cookies = true;
    // TIME-WAIT entries kept; past this the oldest is recycled early.
    uint32_t time_wait_max = 4096;

    // Per-connection buffers, in payload bytes. The receive buffer is the most we advertise.
    uint32_t snd_buf_bytes = 256 * 1024;
    uint32_t rcv_buf_bytes = 256 * 1024;
    // Disjoint out-of-order ranges held per connection (each a chain of mbufs); at most 8.
    uint8_t ooo_max_ranges = 8;
    // Received payloads smaller than this are copied into the tail mbuf of the queue instead of
    // holding a whole mbuf each, which bounds the mbufs a connection of tiny segments pins.
    uint16_t rx_coalesce_bytes = 512;
    // Payload sent by reference (indirect mbufs pointing into the send buffer) for pieces of at
    // least tx_zero_copy_min_bytes, instead of copied after the headers. Off by default: with
    // 2 KiB mbufs and MTU-sized segments, an indirect mbuf and its reference counting cost more
    // than copying 1.4 KB (perf/tcp: 11 vs 14 Gbit/s per core sending), and copied segments are
    // single mbufs, which every port can send. Needs RTE_ETH_TX_OFFLOAD_MULTI_SEGS.
    bool tx_zero_copy = false;
    uint16_t tx_zero_copy_min_bytes = 512;
    // Compute checksums in software (default) or leave them to the NIC: with offload, the
    // engine sets RTE_MBUF_F_TX_IPV4|IP_CKSUM|TCP_CKSUM, l3_len, l4_len and the pseudo-header sum,
    // and the worker sets l2_len.
    bool tx_checksum_offload = false;

    // Segment size we advertise: the interface MTU less 40. The peer's MSS is clamped to at
    // least min_snd_mss so that a tiny advertised MSS cannot multiply our per-byte work.
    uint16_t mss = 1460;
    uint16_t min_snd_mss = 88;
    bool window_scaling = true;
    bool timestamps = true;
    bool sack = true;

    // RFC 6298 retransmission timer. RFC 6298 says RTO SHOULD be at least 1 s; like Linux and
    // FreeBSD we allow less (200 ms) because a concentrator's clients are seldom further away
    // than that, and a 1 s floor makes every tail loss cost a second of a tunnel's traffic.
    uint32_t rto_initial_ms = 1000;
    uint32_t rto_min_ms = 200;
    uint32_t rto_max_ms = 60000;
    uint8_t max_retransmits = 10; // consecutive timeouts before the connection is dropped
    uint8_t syn_retries = 5;      // active open
    uint8_t synack_retries = 4;   // passive open

    uint32_t delayed_ack_ms = 40;
    // Keepalive (RFC 9293 §3.8.4): idle time, probe interval, unanswered probes; idle 0 = off.
    uint32_t keepalive_idle_ms = 120000;
    uint32_t keepalive_interval_ms = 15000;
    uint8_t keepalive_probes = 4;
    uint32_t time_wait_ms = 60000;       // 2*MSL
    uint32_t fin_wait2_ms = 60000;       // bound on FIN-WAIT-2 after our FIN was acknowledged
    uint32_t initial_cwnd_segments = 10; // RFC 6928

    // Timer wheel: tick and slot count (a power of two). Deadlines further than
    // tick * slots away go round the wheel more than once.
    uint32_t tick_us = 1000;
    uint32_t wheel_slots = 4096;
    // Segments one connection may emit per flush before others get a turn.
    uint32_t max_burst_segments = 64;
    // Per-worker rate limits, per second.
    uint32_t rst_per_s = 2000;
    uint32_t challenge_acks_per_s = 1000;

    // Checks bounds and consistency; the message names the setting.
    Status validate() const;
};

} // namespace vp::tcp
