// The catalog of control-plane services: which services the configuration asks for, built and
// registered in one place. A new protocol adds its service here (and its TCP listeners, if it
// takes streams from the workers' TCP engines); the appliance's dispatch does not change.
#pragma once

#include "base/result.hpp"
#include "control/aaa/local_aaa.hpp"
#include "control/config/appliance_config.hpp"
#include "control/service_registry.hpp"
#include "control/services.hpp"
#include "dataplane/dataplane.hpp"

#include <vector>

namespace vp::ctl {

// The TCP listeners the services need from the workers' engines; needed before the dataplane
// exists (the services themselves are built on top of it).
std::vector<dp::TcpSettings::Listener> service_tcp_listeners(const config::ApplianceConfig& config);

// Builds the services the configuration enables, registers them and binds the registry.
Status register_services(ServiceRegistry& registry, const config::ApplianceConfig& config,
                         const ServicesConfig& services, dp::Dataplane& dataplane,
                         aaa::LocalAaa& aaa, uint64_t now_ms);

} // namespace vp::ctl
