// IPv4 header checks shared by the input stage and its tests: a pure function over the bytes
// after the Ethernet header, so that it can be fuzzed.
#pragma once

#include "dataplane/worker/counters.hpp"

#include <cstddef>
#include <cstdint>

namespace vp::dp {

enum class Ipv4Check : uint8_t { Ok, BadHeader, BadChecksum, BadLength, Martian };

struct Ipv4Facts {
    uint16_t header_len; // bytes
    uint16_t total_len;  // from the header; the frame may carry padding beyond it
    bool fragment;       // MF set or a non-zero offset
    bool first_fragment; // offset zero (the L4 header is present)
    bool dont_fragment;
};

// `ip` points at the IPv4 header; `available` bytes follow it in the frame. `verify_checksum`
// is false when the NIC already verified it.
Ipv4Check check_ipv4(const uint8_t* ip, size_t available, bool verify_checksum, Ipv4Facts& facts);

// The drop reason a failed check is counted under (`Ok` has none; callers test it first).
constexpr DropReason drop_reason(Ipv4Check check) {
    switch (check) {
    case Ipv4Check::BadChecksum:
        return DropReason::ipv4_bad_checksum;
    case Ipv4Check::BadLength:
        return DropReason::ipv4_bad_length;
    case Ipv4Check::Martian:
        return DropReason::ipv4_martian;
    case Ipv4Check::Ok:
    case Ipv4Check::BadHeader:
        break;
    }
    return DropReason::ipv4_bad_header;
}

// True for sources no host may use: 0/8, 127/8, 224/4 and above (multicast, reserved, broadcast).
inline bool martian_source(uint32_t src_host_order) {
    uint8_t first = static_cast<uint8_t>(src_host_order >> 24);
    return first == 0 || first == 127 || first >= 224;
}

} // namespace vp::dp
