// Management over DPDK's telemetry socket (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2):
// the appliance's statistics and management commands, registered under /vpnplane/..., readable
// with dpdk-telemetry.py, Telegraf's dpdk input, or `vpnctl` (which prints tables).
#pragma once

#include <functional>
#include <string>

namespace vp::ctl {

class Appliance;

// Registers the /vpnplane/... commands once per process and points them at `appliance`
// (nullptr detaches: commands then answer that the appliance is not running).
// `reload` re-reads the configuration file and applies it; it returns a report or an error text.
void attach_telemetry(Appliance* appliance, std::function<std::string(bool& ok)> reload);

} // namespace vp::ctl
