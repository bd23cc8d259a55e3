// The protocol services' telemetry dictionaries: `/vpnplane/sstp` and `/vpnplane/ovpn` (the
// services' counters and gauges, and the workers' counters of each protocol summed).
#pragma once

#include <rte_telemetry.h>

namespace vp::ctl {

class Appliance;

// Each fills `d` (a dict, or {"error": ...} when the service is not running); the caller holds
// the appliance mutex.
void sstp_service_dict(Appliance& appliance, rte_tel_data* d);
void ovpn_service_dict(Appliance& appliance, rte_tel_data* d);

} // namespace vp::ctl
