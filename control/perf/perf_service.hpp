// The perf mode as a control-plane service: installs the synthetic OpenVPN sessions of a
// vpnperf session file (control/perf/session_file.hpp) straight into the dataplane, spread over
// the workers, and opens their UDP port in the worker policy. There is no handshake: it claims
// no port and no session kind, so control packets to its port count as unhandled.
#pragma once

#include "control/config/appliance_config.hpp"
#include "control/service.hpp"
#include "control/services.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/ovpn/publish.hpp"

#include <memory>

namespace vp::ctl {

class PerfService final : public Service {
public:
    // Reads `perf.sessions_file` and publishes its sessions, with replay protection as the file
    // says (off for replayed traffic).
    static Result<std::unique_ptr<PerfService>> create(const config::ApplianceConfig& config,
                                                       const ServicesConfig& services,
                                                       dp::Dataplane& dataplane);

    std::string_view name() const override { return "perf"; }
    ServiceBindings bindings() const override { return {}; }
    void on_punt(const dp::PuntEntry& e, uint64_t now_ms) override;
    void add_policy(dp::WorkerPolicy& policy) const override { policy.ovpn_udp_port = port_; }

private:
    explicit PerfService(dp::Dataplane& dataplane) : publisher_(dataplane) {}

    dp::OvpnPublisher publisher_;
    uint16_t port_ = 0;
};

} // namespace vp::ctl
