// The reply of `/vpnplane/reload`: the reload's report (Appliance::reload: a summary line, then
// one line per changed setting) as telemetry values, each within DPDK's 127-byte strings.
#pragma once

#include <rte_telemetry.h>

#include <string>

namespace vp::ctl {

// {"result" (or "error"): summary, "changes": {"0": "SETTING: applied", "1": "SETTING: needs a
// restart (not applied)", ...}, "restart_needed": how many changes wait for a restart}; a
// refused reload: {"error": first line, "details": {"0": next line, ...}}.
void reload_reply(const std::string& report, bool ok, rte_tel_data* d);

} // namespace vp::ctl
