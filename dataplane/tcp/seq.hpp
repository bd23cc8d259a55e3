// TCP sequence-number arithmetic (RFC 9293 §3.4): comparisons modulo 2^32. A sequence number
// "less than" another is one that lies less than 2^31 behind it.
#pragma once

#include <cstdint>

namespace vp::tcp {

inline bool seq_lt(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b) < 0;
}
inline bool seq_leq(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b) <= 0;
}
inline bool seq_gt(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b) > 0;
}
inline bool seq_geq(uint32_t a, uint32_t b) {
    return static_cast<int32_t>(a - b) >= 0;
}
inline uint32_t seq_max(uint32_t a, uint32_t b) {
    return seq_gt(a, b) ? a : b;
}
inline uint32_t seq_min(uint32_t a, uint32_t b) {
    return seq_lt(a, b) ? a : b;
}
// a <= x < b, modulo 2^32.
inline bool seq_in(uint32_t x, uint32_t a, uint32_t b) {
    return seq_leq(a, x) && seq_lt(x, b);
}

} // namespace vp::tcp
