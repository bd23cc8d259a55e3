// The appliance's counters and gauges as Prometheus metrics: every number the telemetry
// commands show (control/mgmt/telemetry.cpp) under a Prometheus name (vpnplane_ prefix, _total
// for counters, units in the name), for `vpnctl metrics` and the mgmt.prometheus_listen endpoint.
#pragma once

#include <string>

namespace vp::ctl {

class Appliance;

// The exposition text (format 0.0.4). Call with the appliance's mutex held. `sessions` adds one
// series per active session (labels id, user, address, protocol).
std::string collect_metrics(Appliance& a, bool sessions);

} // namespace vp::ctl
