// A grant's rate-limit as the dataplane's session meters take it (dataplane/session/
// session_meter.hpp): the one conversion every protocol's publisher uses (OpenVPN today, SSTP
// next), so that the same `rate_limit` means the same policing whatever the protocol.
#pragma once

#include "control/aaa/aaa.hpp"
#include "dataplane/session/session_meter.hpp"

namespace vp::ctl {

inline dp::MeterRate to_meter_rate(const aaa::RateDirection& d) {
    return dp::MeterRate{d.rate_bps, d.burst_bps, d.threshold_bps, d.burst_time_s};
}

inline dp::SessionRateLimit to_session_rate_limit(const aaa::RateLimit& limit) {
    return dp::SessionRateLimit{to_meter_rate(limit.rx), to_meter_rate(limit.tx)};
}

} // namespace vp::ctl
