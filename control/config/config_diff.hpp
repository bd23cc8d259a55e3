// What a reload changes in the foundation's sections, setting by setting, and whether each change
// is applied live or waits for a restart (docs/operations.md, "Reload"). Appliance::reload reports
// the list; `vpnctl reload` prints it and exits 3 when something needs a restart.
#pragma once

#include "control/config/appliance_config.hpp"

#include <string>
#include <vector>

namespace vp::config {

struct SettingChange {
    std::string setting; // dotted, e.g. "dpdk.lcores", "interfaces.wan0.mtu"
    bool live = false;   // applied by the reload; false: kept as running until a restart
};

// The settings of `next` that differ from `running`, in the order of the sections. Firewall
// settings are live only while the interfaces (their index) stay as they are.
std::vector<SettingChange> diff_config(const ApplianceConfig& running, const ApplianceConfig& next);

// One line per change: "SETTING: applied" or "SETTING: needs a restart (not applied)".
std::string describe(const SettingChange& c);
inline constexpr std::string_view kNeedsRestart = "needs a restart (not applied)";

} // namespace vp::config
