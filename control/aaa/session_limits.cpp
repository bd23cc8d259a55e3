// Session-timeout, idle-timeout and byte limits of a granted session (session_limits.hpp).
#include "control/aaa/session_limits.hpp"

namespace vp::aaa {

const char* to_string(LimitReached limit) {
    switch (limit) {
    case LimitReached::SessionTimeout:
        return "session-timeout";
    case LimitReached::IdleTimeout:
        return "idle-timeout";
    case LimitReached::LimitBytesIn:
        return "limit-bytes-in";
    case LimitReached::LimitBytesOut:
        return "limit-bytes-out";
    }
    return "limit";
}

SessionLimits::SessionLimits(const Grant& grant, uint64_t start_ms)
    : session_timeout_s_(grant.session_timeout_s), idle_timeout_s_(grant.idle_timeout_s),
      limit_bytes_in_(grant.limit_bytes_in), limit_bytes_out_(grant.limit_bytes_out),
      start_ms_(start_ms), last_activity_ms_(start_ms) {}

std::optional<LimitReached> SessionLimits::check(const SessionUsage& usage, uint64_t now_ms) {
    if (usage.rx_packets != last_rx_packets_) {
        last_rx_packets_ = usage.rx_packets;
        last_activity_ms_ = now_ms;
    }
    if (limit_bytes_in_ && usage.rx_bytes >= *limit_bytes_in_) return LimitReached::LimitBytesIn;
    if (limit_bytes_out_ && usage.tx_bytes >= *limit_bytes_out_) return LimitReached::LimitBytesOut;
    if (session_timeout_s_ && now_ms >= start_ms_ + uint64_t{session_timeout_s_} * 1000)
        return LimitReached::SessionTimeout;
    if (idle_timeout_s_ && now_ms >= last_activity_ms_ + uint64_t{idle_timeout_s_} * 1000)
        return LimitReached::IdleTimeout;
    return std::nullopt;
}

std::string SessionLimits::describe(LimitReached limit) const {
    switch (limit) {
    case LimitReached::SessionTimeout:
        return "session-timeout " + std::to_string(session_timeout_s_) + " s";
    case LimitReached::IdleTimeout:
        return "idle-timeout " + std::to_string(idle_timeout_s_) + " s";
    case LimitReached::LimitBytesIn:
        return "limit-bytes-in " + std::to_string(limit_bytes_in_.value_or(0)) + " bytes";
    case LimitReached::LimitBytesOut:
        return "limit-bytes-out " + std::to_string(limit_bytes_out_.value_or(0)) + " bytes";
    }
    return to_string(limit);
}

std::optional<uint64_t> SessionLimits::bytes_in_left(const SessionUsage& usage) const {
    if (!limit_bytes_in_) return std::nullopt;
    return usage.rx_bytes >= *limit_bytes_in_ ? 0 : *limit_bytes_in_ - usage.rx_bytes;
}

std::optional<uint64_t> SessionLimits::bytes_out_left(const SessionUsage& usage) const {
    if (!limit_bytes_out_) return std::nullopt;
    return usage.tx_bytes >= *limit_bytes_out_ ? 0 : *limit_bytes_out_ - usage.tx_bytes;
}

} // namespace vp::aaa
