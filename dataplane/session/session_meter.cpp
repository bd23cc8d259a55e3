// Building a session's rate-limit meters: RouterOS's rate-limit mapped onto rte_meter's trTCM
// (the mapping is explained in session_meter.hpp).
#include "dataplane/session/session_meter.hpp"

#include <string>

namespace vp::dp {

namespace {
// RouterOS's bucket and, as a policer cannot delay, the queue it would have held: without it
// TCP through the limit loses too often to reach the rate (half of it in tests/e2e).
uint64_t bucket(uint64_t bytes_per_s) {
    return bytes_per_s / 10 + kQueueBytes;
}
} // namespace

Result<rte_meter_trtcm_params> meter_params(const MeterRate& rate) {
    if (rate.rate_bps == 0) return make_error("an unlimited direction has no meter");
    if (rate.rate_bps < 8) return make_error("a rate below 8 bit/s cannot be metered");
    rte_meter_trtcm_params p{};
    p.cir = rate.rate_bps / 8;
    p.cbs = bucket(p.cir);
    p.pir = p.cir;
    p.pbs = p.cbs;
    if (rate.burst_bps == 0) return p;
    if (rate.burst_bps <= rate.rate_bps || rate.threshold_bps == 0 ||
        rate.threshold_bps > rate.rate_bps || rate.burst_time_s == 0)
        return make_error("burst-rate must exceed the rate, with a threshold in (0, rate] and a "
                          "burst-time of at least 1 s");
    p.pir = rate.burst_bps / 8;
    p.pbs = bucket(p.pir);
    long double extra_bits = static_cast<long double>(rate.burst_bps - rate.rate_bps) *
                             static_cast<long double>(rate.threshold_bps) *
                             static_cast<long double>(rate.burst_time_s) /
                             static_cast<long double>(rate.burst_bps);
    p.cbs += static_cast<uint64_t>(extra_bits / 8);
    return p;
}

Status DirectionMeter::configure(const MeterRate& rate, uint64_t now_tsc) {
    limited_ = rate.rate_bps != 0;
    if (!limited_) return {};
    auto params = meter_params(rate);
    if (!params) return params.error();
    if (int rc = rte_meter_trtcm_profile_config(&profile_, &*params); rc != 0)
        return make_error("rte_meter refused the rate " + std::to_string(rate.rate_bps) +
                          " bit/s (error " + std::to_string(rc) + ")");
    if (int rc = rte_meter_trtcm_config(&state_, &profile_); rc != 0)
        return make_error("rte_meter_trtcm_config failed (error " + std::to_string(rc) + ")");
    state_.time_tc = state_.time_tp = now_tsc; // full buckets from now, on the caller's clock
    return {};
}

Result<std::unique_ptr<SessionMeter>> make_session_meter(const SessionRateLimit& limit,
                                                         uint64_t now_tsc) {
    auto meter = std::make_unique<SessionMeter>();
    meter->limit = limit;
    if (auto st = meter->rx.configure(limit.rx, now_tsc); !st)
        return make_error("rx rate-limit: " + st.message());
    if (auto st = meter->tx.configure(limit.tx, now_tsc); !st)
        return make_error("tx rate-limit: " + st.message());
    return meter;
}

} // namespace vp::dp
