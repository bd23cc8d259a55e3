// IPv4 header checks shared by the input stage and its tests: a pure function over the bytes
// after the Ethernet header, so that it can be fuzzed.
#pragma once

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

// True for sources no host may use: 0/8, 127/8, 224/4 and above (multicast, reserved, broadcast).
inline bool martian_source(uint32_t src_host_order) {
    uint8_t first = static_cast<uint8_t>(src_host_order >> 24);
    return first == 0 || first == 127 || first >= 224;
}

} // namespace vp::dp
