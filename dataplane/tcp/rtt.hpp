// Round-trip time estimation and the retransmission timeout of RFC 6298 (§2), in microseconds.
// Karn's rule (§3) is the caller's part: it feeds no sample taken from a retransmitted segment.
#pragma once

#include <cstdint>

namespace vp::tcp {

struct RttLimits {
    uint32_t min_us;
    uint32_t max_us;
    uint32_t granularity_us; // G in RFC 6298: the timer tick
};

struct RttEstimator {
    uint32_t srtt_us = 0;
    uint32_t rttvar_us = 0;
    uint32_t rto_us = 1000000; // RFC 6298 §2.1: 1 s until the first sample
    bool has_sample = false;

    void reset(uint32_t initial_rto_us) {
        srtt_us = rttvar_us = 0;
        rto_us = initial_rto_us;
        has_sample = false;
    }

    // §2.2 and §2.3, with K = 4, alpha = 1/8, beta = 1/4; §2.4/2.5 clamp.
    void sample(uint32_t r_us, const RttLimits& lim) {
        if (!has_sample) {
            srtt_us = r_us;
            rttvar_us = r_us / 2;
            has_sample = true;
        } else {
            uint32_t diff = srtt_us > r_us ? srtt_us - r_us : r_us - srtt_us;
            rttvar_us = rttvar_us - rttvar_us / 4 + diff / 4;
            srtt_us = srtt_us - srtt_us / 8 + r_us / 8;
        }
        uint64_t var = uint64_t{rttvar_us} * 4;
        if (var < lim.granularity_us) var = lim.granularity_us;
        uint64_t rto = uint64_t{srtt_us} + var;
        if (rto < lim.min_us) rto = lim.min_us;
        if (rto > lim.max_us) rto = lim.max_us;
        rto_us = static_cast<uint32_t>(rto);
    }

    // The timeout after `backoff` consecutive expirations (§5.5 doubles it each time).
    uint32_t backed_off(uint8_t backoff, uint32_t max_us) const {
        uint64_t r = uint64_t{rto_us} << (backoff < 16 ? backoff : 16);
        return r > max_us ? max_us : static_cast<uint32_t>(r);
    }
};

} // namespace vp::tcp
