// The appliance: the dataplane plus the control-plane services around it, built from one
// configuration. It installs what the configuration says (connected and static routes, static
// ARP, the workers' policy), runs the control loop (punted packets, timers, RCU reclamation) and
// applies reloads. The protocol servers are Services in a ServiceRegistry (control/service.hpp);
// the appliance only wires them: punts go to the service the registry names, timers, session
// listings, disconnects and reloads go to every service. Everything here runs on control
// threads; `mutex()` serialises the control loop with management requests (telemetry callbacks).
#pragma once

#include "base/result.hpp"
#include "control/aaa/local_aaa.hpp"
#include "control/address_lists.hpp"
#include "control/config/appliance_config.hpp"
#include "control/dataplane_settings.hpp"
#include "control/ip/neighbor_manager.hpp"
#include "control/ovpn/server.hpp"
#include "control/ovpn/worker_dataplane.hpp"
#include "control/service.hpp"
#include "control/service_registry.hpp"
#include "control/services.hpp"
#include "dataplane/dataplane.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vp::ctl {

class OvpnService;
class SstpService;

// Control-plane counters of punted traffic.
struct ControlCounters {
    uint64_t punted = 0;
    uint64_t punted_unhandled = 0; // punt reasons with no service behind them
    uint64_t loop_iterations = 0;
};

class Appliance {
public:
    // The EAL must be initialised. Ports are opened, tables filled, the protocol servers built
    // (from the config's protocol sections), workers not yet launched.
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
    aaa::LocalAaa& aaa() { return *aaa_; }
    const ServiceRegistry& registry() const { return registry_; }
    // The protocol sections as last applied (the telemetry's profiles and secrets tables).
    const ServicesConfig& services() const { return services_; }
    // The OpenVPN server's counters for `vpnctl ovpn` (nullptr while it is not enabled).
    ovpn::Server* ovpn_server();
    const ovpn::WorkerDataplane* ovpn_dataplane() const;
    const OvpnService* ovpn_service() const;
    // The SSTP server for `/vpnplane/sstp` (nullptr while it is not registered).
    const SstpService* sstp_service() const;

    // Management (call with mutex() held, as the telemetry commands do).
    std::vector<ActiveSession> sessions();
    std::vector<ActiveSession> ended_sessions() const; // recently ended, with their reason
    // Ends a session by id or every session of a user; returns how many were ended.
    size_t disconnect(const std::string& id_or_user);
    const ControlCounters& counters() const { return counters_; }
    uint64_t uptime_ms() const { return now_ms() - started_ms_; }
    static uint64_t now_ms();
    // Recompilations of the filter set for dynamic address list entries (address_lists.hpp).
    const AddressListStats& address_list_stats() const { return list_stats_; }
    // Timed address list entries: with a timeout, or added by rules (address_lists.hpp).
    const AddressListStore& address_list_store() const { return list_store_; }

private:
    Appliance() = default;
    Status install_interface_routes();
    Status apply_static_routes(const std::vector<config::StaticRoute>& routes);
    dp::WorkerPolicy make_policy(const config::ApplianceConfig& c) const;
    // The firewall's compiled filter rules (null when there are none: nothing is classified).
    Result<std::unique_ptr<dp::fw::FilterSet>> make_filter(const config::ApplianceConfig& c) const;
    void apply_logging(const config::SystemConfig& s);
    void handle_punt(const dp::PuntEntry& e, uint64_t now);
    void rotate_cookie_secrets();
    // Recompiles the filter set when sessions joined or left a profile's address list
    // (control/address_lists.cpp).
    void update_address_lists(uint64_t now);
    void on_address_list_add(const dp::PuntEntry& e, uint64_t now);

    config::ApplianceConfig config_;
    std::unique_ptr<dp::Dataplane> dp_;
    std::unique_ptr<NeighborManager> neighbors_;
    std::unique_ptr<aaa::LocalAaa> aaa_;
    ServiceRegistry registry_; // the protocol servers
    ServicesConfig services_;
    uint64_t next_cookie_rotation_ms_ = 0;
    std::vector<config::StaticRoute> installed_static_;
    std::mutex mutex_;
    ControlCounters counters_;
    uint64_t started_ms_ = 0;
    uint64_t next_timer_ms_ = 0;
    // Rate-limits a reload gave live sessions (control/rate_limit_reload.hpp), shown by
    // sessions() instead of the text the session's service kept from connect.
    struct ReloadedRateLimit {
        std::string user;
        net::Ipv4 address = 0;
        std::string text;
    };
    std::map<uint32_t, ReloadedRateLimit> reloaded_rate_limits_;
    // Dynamic address lists: the AAA generation the published filter set reflects.
    uint64_t list_generation_ = 0;
    uint64_t next_list_rebuild_ms_ = 0;
    AddressListStats list_stats_;
    AddressListStore list_store_;
};

} // namespace vp::ctl
