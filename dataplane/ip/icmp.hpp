// ICMP constants and the in-place echo reply builder.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vp::dp::icmp {

inline constexpr uint8_t echo_reply = 0;
inline constexpr uint8_t dest_unreachable = 3;
inline constexpr uint8_t echo_request = 8;
inline constexpr uint8_t time_exceeded = 11;

inline constexpr uint8_t net_unreachable = 0;
inline constexpr uint8_t host_unreachable = 1;
inline constexpr uint8_t fragmentation_needed = 4;

// RFC 1812 §4.3.2.3: an ICMP error carries as much of the offending datagram as fits in 576 bytes.
inline constexpr size_t max_error_datagram = 576;

// Errors must never be sent about ICMP errors (RFC 1812 §4.3.2.7).
inline bool is_error_type(uint8_t type) {
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

} // namespace vp::dp::icmp
