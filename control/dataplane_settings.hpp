// From the configuration to the dataplane's settings: ports, TCP engines (with the listeners
// the services ask for), rings and table sizes.
#pragma once

#include "base/result.hpp"
#include "control/config/appliance_config.hpp"
#include "dataplane/dataplane.hpp"

#include <vector>

namespace vp::ctl {

// Converts the interfaces section into the dataplane's port settings.
std::vector<dp::PortSettings> port_settings(const config::ApplianceConfig& config);
// The TCP engines' settings from the `tcp` section.
tcp::EngineConfig tcp_engine_config(const config::ApplianceConfig& config);
// Everything dp::Dataplane::create needs; TCP engines run when a service takes TCP streams.
Result<dp::DataplaneSettings> dataplane_settings(const config::ApplianceConfig& config);

} // namespace vp::ctl
