// A session's rate limit in the fast path: two DPDK trTCM meters (RFC 2698, rte_meter), one per
// direction, run by the session's owner worker on every inner packet; a packet that is not green
// is dropped and counted. The control plane builds the meter from the session's `rate-limit`
// (RouterOS syntax, parsed in control/aaa) and the publisher hangs it on the Session; the
// Session owns it, so it is freed with the session after the RCU grace period.
//
// RouterOS's rate-limit onto trTCM (docs/configuration.md, "rate_limit", says the same):
//   - CIR = rate: the long-term average never exceeds it.
//   - without a burst: PIR = CIR; both buckets hold 0.1 s of the rate (RouterOS's bucket-size)
//     plus kQueueBytes, what RouterOS's default queue (pfifo, 50 packets) absorbs instead.
//   - with a burst: PIR = burst-rate with such a bucket, and CBS grows by the bytes a RouterOS
//     burst sends above the rate: RouterOS allows burst-rate while the average over burst-time
//     is below burst-threshold, i.e. for threshold * burst-time / burst-rate seconds from idle,
//     so the extra is (burst-rate - rate) * threshold * burst-time / burst-rate. An idle
//     session earns the burst back at the rate (RouterOS: as its average falls below the
//     threshold), which is the one place the two differ in timing.
#pragma once

#include "base/result.hpp"
#include "dataplane/worker/counters.hpp"

#include <rte_common.h>
#include <rte_meter.h>

#include <cstdint>
#include <memory>

namespace vp::dp {

// One direction of a rate-limit, bits per second (control/aaa's RateDirection, dataplane side).
struct MeterRate {
    uint64_t rate_bps = 0;      // 0: unlimited
    uint64_t burst_bps = 0;     // 0: no burst
    uint64_t threshold_bps = 0; // with a burst
    uint32_t burst_time_s = 0;  // with a burst
    bool operator==(const MeterRate&) const = default;
};

struct SessionRateLimit {
    MeterRate rx; // client -> appliance (RouterOS rx)
    MeterRate tx; // appliance -> client
    bool operator==(const SessionRateLimit&) const = default;
};

inline constexpr uint64_t kQueueBytes = 50 * 1500; // RouterOS pfifo: 50 full-size packets

// The trTCM parameters (bytes, bytes/s) for a rate; refuses what rte_meter cannot do.
Result<rte_meter_trtcm_params> meter_params(const MeterRate& rate);

// One direction's meter. An unlimited direction admits everything without touching a bucket.
class DirectionMeter {
public:
    // `now_tsc` starts the buckets full at that time (tests drive the clock themselves).
    Status configure(const MeterRate& rate, uint64_t now_tsc);
    bool limited() const { return limited_; }
    // Whether a packet of `bytes` (the inner IPv4 length) at `tsc` is within the limit.
    bool admit(uint64_t tsc, uint32_t bytes) {
        return !limited_ ||
               rte_meter_trtcm_color_blind_check(&state_, &profile_, tsc, bytes) == RTE_COLOR_GREEN;
    }

private:
    bool limited_ = false;
    rte_meter_trtcm_profile profile_{};
    rte_meter_trtcm state_{};
};

// Written by the owner worker only; the control plane reads the counters.
struct alignas(RTE_CACHE_LINE_SIZE) SessionMeter {
    DirectionMeter rx;
    DirectionMeter tx;
    Counter rx_dropped;     // client -> appliance packets over the limit
    Counter tx_dropped;     // appliance -> client
    SessionRateLimit limit; // as configured
};

Result<std::unique_ptr<SessionMeter>> make_session_meter(const SessionRateLimit& limit,
                                                         uint64_t now_tsc);

} // namespace vp::dp
