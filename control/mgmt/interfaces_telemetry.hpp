// `/vpnplane/interfaces`: the client links (ovpn_clients) as `vpnctl interfaces` shows them,
// like RouterOS's /interface ovpn-client print detail: state, server, tunnel addresses, uptime,
// encoding, routes, traffic and the last error.
#pragma once

#include <rte_telemetry.h>

namespace vp::ctl {

class Appliance;

// Fills `d` (a dict of rows "0", "1", ...); the caller holds the appliance mutex.
void interfaces_dict(Appliance& appliance, rte_tel_data* d);

} // namespace vp::ctl
