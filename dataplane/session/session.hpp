// A VPN session as the workers see it. Built by the control plane, published into the
// SessionTable, immutable in its identity fields; the mutable per-packet state (last-seen
// times, counters) is written only by the owner worker. Protocol-specific sessions (OpenVPN,
// SSTP) derive from Session and are told apart by `kind`, which indexes the workers' protocol
// table (dataplane/session/protocol.hpp).
//
// Layout: the first cache line is read by every worker that routes into the session (identity,
// addresses, MTU); the second is written by the owner worker only, so that the other workers'
// copies of the first line stay valid.
#pragma once

#include "dataplane/contract.hpp"
#include "dataplane/session/session_meter.hpp"
#include "dataplane/tables/rcu_owned.hpp"
#include "dataplane/worker/counters.hpp"

#include <rte_common.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace vp::dp {

enum class SessionKind : uint8_t { Ovpn, Sstp };
inline constexpr size_t session_kind_count = 2;

// Traffic counters of one session, written by its owner worker only.
struct SessionCounters {
    Counter rx_packets; // client -> appliance, decrypted and accepted
    Counter rx_bytes;   // inner IPv4 bytes
    Counter tx_packets; // appliance -> client, encrypted and sent
    Counter tx_bytes;
    Counter rx_dropped; // authentication, replay, anti-spoofing failures
};

struct alignas(RTE_CACHE_LINE_SIZE) Session {
    Session(SessionId id_, SessionKind kind_, WorkerId owner_)
        : id(id_), kind(kind_), owner(owner_) {}
    virtual ~Session() = default; // destroyed by the control plane after an RCU grace period
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // ---- read by every worker (first cache line) ----
    const SessionId id;
    const SessionKind kind;
    const WorkerId owner;      // the worker that holds this session's sequence state
    PortId wan_port = 0;       // the port the session's outer packets use
    uint16_t mtu = 1500;       // inner MTU: MSS clamping and DF checks towards the client
    uint32_t tunnel_ip_be = 0; // the client's tunnel address
    // The server side of the tunnel: ICMP errors about the session's packets come from it
    // (0: from the egress port's address).
    uint32_t tunnel_local_ip_be = 0;
    bool clamp_mss = true;

    // ---- written by the owner worker (second cache line) ----
    // TSC of the last authenticated packet from the client (owner writes; control reads for
    // keepalive expiry and idle timeouts).
    alignas(RTE_CACHE_LINE_SIZE) std::atomic<uint64_t> last_rx_tsc{0};
    std::atomic<uint64_t> last_tx_tsc{0};
    SessionCounters counters;
    // The rate limit (null: unlimited), set by the publisher before the session is visible;
    // its buckets and drop counters are the owner worker's. A reload replaces it (RcuOwned: the
    // old meter is freed after a grace period), control/rate_limit_reload.hpp.
    RcuOwned<SessionMeter> meter;
};
static_assert(sizeof(Session) == 2 * RTE_CACHE_LINE_SIZE);

} // namespace vp::dp
