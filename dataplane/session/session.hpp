// A VPN session as the workers see it. Built by the control plane, published into the
// SessionTable, immutable in its identity fields; the mutable per-packet state (sequence
// numbers, replay windows, counters, last-seen time) is written only by the owner worker.
// Protocol-specific sessions (OpenVPN, SSTP) derive from Session and are told apart by `kind`.
#pragma once

#include "dataplane/contract.hpp"
#include "dataplane/worker/counters.hpp"

#include <rte_common.h>

#include <atomic>
#include <cstdint>

namespace vp::dp {

enum class SessionKind : uint8_t { Ovpn, Sstp };

// Traffic counters of one session, written by its owner worker only.
struct alignas(RTE_CACHE_LINE_SIZE) SessionCounters {
    Counter rx_packets; // client -> appliance, decrypted and accepted
    Counter rx_bytes;   // inner IPv4 bytes
    Counter tx_packets; // appliance -> client, encrypted and sent
    Counter tx_bytes;
    Counter rx_dropped; // authentication, replay, anti-spoofing failures
};

struct Session {
    Session(SessionId id_, SessionKind kind_, WorkerId owner_)
        : id(id_), kind(kind_), owner(owner_) {}
    virtual ~Session() = default; // destroyed by the control plane after an RCU grace period
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const SessionId id;
    const SessionKind kind;
    const WorkerId owner;      // the worker that holds this session's sequence state
    PortId wan_port = 0;       // the port the session's outer packets use
    uint16_t mtu = 1500;       // inner MTU: MSS clamping and DF checks towards the client
    uint32_t tunnel_ip_be = 0; // the client's tunnel address
    bool clamp_mss = true;

    // TSC of the last authenticated packet from the client (owner writes; control reads for
    // keepalive expiry and idle timeouts).
    std::atomic<uint64_t> last_rx_tsc{0};
    std::atomic<uint64_t> last_tx_tsc{0};

    SessionCounters counters;
};

} // namespace vp::dp
