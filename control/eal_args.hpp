// The EAL command line the daemon derives from the `dpdk` section and the interfaces: lcores,
// memory, file prefix, PCI allow-list (vdevs are hot-plugged later, by the port layer).
#pragma once

#include "control/config/appliance_config.hpp"

#include <string>
#include <vector>

namespace vp::ctl {

std::vector<std::string> eal_arguments(const config::ApplianceConfig& config,
                                       const std::string& argv0);

} // namespace vp::ctl
