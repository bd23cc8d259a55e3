// The appliance: the dataplane plus the control-plane services around it, built from one
// configuration. It installs what the configuration says (connected and static routes, static
// ARP, the workers' policy), runs the control loop (punted packets, timers, RCU reclamation) and
// applies reloads. Everything here runs on control threads; `mutex()` serialises the control
// loop with management requests (telemetry callbacks).
#pragma once

#include "control/base/result.hpp"
#include "control/config/appliance_config.hpp"
#include "control/ip/neighbor_manager.hpp"
#include "dataplane/dataplane.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vp::ctl {

// Control-plane counters of punted traffic.
struct ControlCounters {
    uint64_t punted = 0;
    uint64_t punted_unhandled = 0; // punt reasons with no service behind them
    uint64_t loop_iterations = 0;
};

class Appliance {
public:
    // The EAL must be initialised. Ports are opened, tables filled, workers not yet launched.
    static Result<std::unique_ptr<Appliance>> create(const config::ApplianceConfig& config);
    ~Appliance();

    Status start(); // launch workers on their lcores
    void stop();    // stop and join workers
    // One control-loop step: drains the punt ring, runs due timers. Returns work done.
    uint32_t poll();
    // Applies a new configuration where it can be applied live; the returned text lists what
    // changed and what needs a restart. Errors leave the running configuration untouched.
    Result<std::string> reload(const config::ApplianceConfig& next);

    std::mutex& mutex() { return mutex_; }
    dp::Dataplane& dataplane() { return *dp_; }
    const config::ApplianceConfig& config() const { return config_; }
    const NeighborManager& neighbors() const { return *neighbors_; }
    const ControlCounters& counters() const { return counters_; }
    uint64_t uptime_ms() const { return now_ms() - started_ms_; }
    static uint64_t now_ms();

private:
    Appliance() = default;
    Status install_interface_routes();
    Status apply_static_routes(const std::vector<config::StaticRoute>& routes);
    dp::WorkerPolicy make_policy(const config::ApplianceConfig& c) const;
    void apply_logging(const config::SystemConfig& s);
    void handle_punt(const dp::PuntEntry& e, uint64_t now);

    config::ApplianceConfig config_;
    std::unique_ptr<dp::Dataplane> dp_;
    std::unique_ptr<NeighborManager> neighbors_;
    std::vector<config::StaticRoute> installed_static_;
    std::mutex mutex_;
    ControlCounters counters_;
    uint64_t started_ms_ = 0;
    uint64_t next_timer_ms_ = 0;
};

// Converts the interfaces section into the dataplane's port settings.
std::vector<dp::PortSettings> port_settings(const config::ApplianceConfig& config);

} // namespace vp::ctl
