// MSS clamping of TCP SYN and SYN-ACK segments (RouterOS's `change-tcp-mss` / the seeds'
// `change-mss` mangle rule, built in): lowers the MSS option to what fits the path's MTU so that
// TCP through a tunnel never needs fragmentation. A pure function over the TCP header bytes, so
// it can be fuzzed; it never reads past `tcp_len`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vp::dp {

enum class MssClampResult : uint8_t {
    NotSyn,    // not a SYN segment: nothing to do
    Unchanged, // SYN whose MSS was already small enough (or without an MSS option)
    Clamped,   // MSS option lowered, checksum updated
    Malformed, // options overrun the header; left untouched
};

// `tcp` points at the TCP header, `tcp_len` bytes are readable (header + payload in this
// segment). When an MSS option above `max_mss` is found it is rewritten and the TCP checksum is
// updated incrementally.
MssClampResult clamp_mss(uint8_t* tcp, size_t tcp_len, uint16_t max_mss);

// The general form (a mangle rule's `change-mss`): an MSS option whose value lies in
// [lo, hi] and differs from `new_mss` is set to `new_mss`. clamp_mss(m) is change_mss(m, m + 1,
// 65535, m).
MssClampResult change_mss(uint8_t* tcp, size_t tcp_len, uint16_t new_mss, uint16_t lo, uint16_t hi);

} // namespace vp::dp
