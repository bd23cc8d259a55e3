// Connection tracking's settings and states as the configuration sees them (no DPDK): the
// connection_state bits the filter matches and the per-protocol timeouts.
#pragma once

#include <cstdint>

namespace vp::dp::ct {

// connection-state bits, as the filter's connection_state matcher sees them.
enum StateBit : uint8_t {
    state_new = 1,
    state_established = 2,
    state_related = 4,
    state_invalid = 8,
};

// Per-protocol timeouts, seconds (RouterOS's /ip firewall connection tracking).
struct Timeouts {
    uint32_t tcp_established = 86400;
    uint32_t tcp_transitory = 120; // handshake not complete, or FIN/RST seen
    uint32_t udp = 30;
    uint32_t udp_stream = 180; // replied UDP flows
    uint32_t icmp = 10;
    uint32_t generic = 600;
};

} // namespace vp::dp::ct
