// The limits a grant puts on a session's life, whatever its protocol (OpenVPN, SSTP): RouterOS's
// session-timeout and idle-timeout (profile) and limit-bytes-in / limit-bytes-out (secret). The
// protocol's service starts one when the session becomes active, feeds it the dataplane's
// per-session counters from its timer, and ends the session with the reason check() returns.
// `in` is what the client sends (RouterOS: "bytes the user can transmit"), `out` what it gets.
// Idle means the client sent no data: keepalive pings are not data and do not count.
#pragma once

#include "control/aaa/aaa.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace vp::aaa {

// The session's traffic as its dataplane counts it (inner packets; pings excluded).
struct SessionUsage {
    uint64_t rx_packets = 0; // client -> appliance
    uint64_t rx_bytes = 0;
    uint64_t tx_bytes = 0; // appliance -> client
};

enum class LimitReached : uint8_t { SessionTimeout, IdleTimeout, LimitBytesIn, LimitBytesOut };
// RouterOS's property name: "session-timeout", "idle-timeout", "limit-bytes-in", ...
const char* to_string(LimitReached limit);

class SessionLimits {
public:
    SessionLimits() = default; // no limits
    SessionLimits(const Grant& grant, uint64_t start_ms);

    // The limit the session has reached, if any; call it regularly (it also notes activity).
    std::optional<LimitReached> check(const SessionUsage& usage, uint64_t now_ms);
    // For the log and the history: "session-timeout 3600 s", "limit-bytes-in 1000000 bytes".
    std::string describe(LimitReached limit) const;

    // What is left before limit-bytes-in / -out end the session (nullopt: no limit).
    std::optional<uint64_t> bytes_in_left(const SessionUsage& usage) const;
    std::optional<uint64_t> bytes_out_left(const SessionUsage& usage) const;

private:
    uint32_t session_timeout_s_ = 0;
    uint32_t idle_timeout_s_ = 0;
    std::optional<uint64_t> limit_bytes_in_;
    std::optional<uint64_t> limit_bytes_out_;
    uint64_t start_ms_ = 0;
    uint64_t last_activity_ms_ = 0;
    uint64_t last_rx_packets_ = 0;
};

} // namespace vp::aaa
