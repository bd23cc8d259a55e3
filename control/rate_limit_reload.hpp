// Hitless rate-limit reload: after `vpnctl reload` / SIGHUP, established sessions whose profile's
// or secret's rate_limit changed get a new meter without reconnecting. The meter hangs on the
// dataplane Session as an RcuOwned pointer (dataplane/tables/rcu_owned.hpp): the new one is
// published with release order, the owner worker picks it up at its next packet, the old one is
// freed after an RCU grace period. The drop counters carry over; the buckets start full.
#pragma once

#include "control/aaa/local_aaa.hpp"
#include "control/service.hpp"
#include "dataplane/dataplane.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vp::ctl {

struct RateLimitReload {
    size_t changed = 0;              // sessions given a new meter (or none: now unlimited)
    std::vector<std::string> errors; // limits rte_meter refused (the session kept its meter)
    // Session id -> the rate-limit text (RouterOS notation, "": none) now in force, for the
    // sessions listing (the services show the text their grant had at connect).
    std::map<uint32_t, std::string> texts;
};

// `sessions`: the live sessions (ids and tunnel addresses); `limits`: AAA's reload summary.
RateLimitReload apply_rate_limits(dp::Dataplane& dp, const std::vector<ActiveSession>& sessions,
                                  const std::vector<aaa::ReloadSummary::GrantRateLimit>& limits);

} // namespace vp::ctl
