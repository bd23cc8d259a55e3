// The control-plane service interface: what the appliance asks of every protocol server (the
// OpenVPN server, the TCP test services, the perf mode, SSTP next). A service says where its
// traffic comes from (bindings: UDP ports, TCP stream ports, session kinds) and the
// ServiceRegistry routes punted packets and events to it; timers, `vpnctl sessions`,
// disconnect, reload and the worker policy iterate over every registered service. All calls
// come from the control thread with the appliance mutex held.
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/policy.hpp"
#include "dataplane/session/session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vp::ctl {

struct ServicesConfig;

// A VPN session as `vpnctl sessions` lists it (RouterOS /ppp active print).
struct ActiveSession {
    uint32_t id = 0;
    std::string user;
    std::string service;
    std::string caller;
    net::Ipv4 address = 0;
    uint64_t uptime_s = 0;
    std::string encoding;
    std::string state;
    uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0; // client -> / -> client
    // The grant's limits (control/aaa/session_limits.hpp): rate-limit in RouterOS notation ("":
    // none), what limit-bytes-in/-out leave, packets the rate-limit dropped.
    std::string rate_limit;
    std::optional<uint64_t> bytes_in_left, bytes_out_left;
    uint64_t rate_dropped_rx = 0, rate_dropped_tx = 0;
    std::string end_reason; // ended_sessions() only: why it ended
};

// Where a service's punted traffic comes from. Two services may not claim the same UDP port,
// TCP port or session kind.
struct ServiceBindings {
    std::vector<uint16_t> udp_ports;            // datagrams for these local UDP ports
    std::vector<uint16_t> tcp_ports;            // streams of these listening TCP ports
    std::vector<dp::SessionKind> session_kinds; // events of sessions of these kinds
};

class Service {
public:
    virtual ~Service() = default;

    virtual std::string_view name() const = 0;
    // Read by the registry at start-up and after every reload (a server enabled by a reload
    // starts claiming its port then).
    virtual ServiceBindings bindings() const = 0;

    // A punted datagram, stream event or session event routed here by the registry. The
    // service owns e.mbuf (which may be nullptr for events) and must free or keep it.
    virtual void on_punt(const dp::PuntEntry& e, uint64_t now_ms) = 0;
    // Called on every control-loop step; services keep their own cadence.
    virtual void on_timer(uint64_t now_ms) { (void)now_ms; }

    // Management: rows for `vpnctl sessions`, and ending sessions by id or user name (returns
    // how many were ended).
    virtual std::vector<ActiveSession> sessions(uint64_t now_ms) const {
        (void)now_ms;
        return {};
    }
    // Recently ended sessions with their end_reason, oldest first (`vpnctl sessions` history).
    virtual std::vector<ActiveSession> ended_sessions() const { return {}; }
    virtual size_t disconnect(const std::string& id_or_user, uint64_t now_ms) {
        (void)id_or_user;
        (void)now_ms;
        return 0;
    }

    // Reload in two steps so that an error changes nothing: check_reload() may refuse `next`
    // and appends to `restart` the settings it cannot apply live; reload() then applies it.
    virtual Status check_reload(const ServicesConfig& next,
                                std::vector<std::string>& restart) const {
        (void)next;
        (void)restart;
        return {};
    }
    virtual Status reload(const ServicesConfig& next, uint64_t now_ms) {
        (void)next;
        (void)now_ms;
        return {};
    }

    // What the workers must let through for this service (its ports in the input allow-list).
    virtual void add_policy(dp::WorkerPolicy& policy) const { (void)policy; }
    // True once after what add_policy() or bindings() give changed on the service's own (a port
    // a reload replaced has lost its last session): the appliance publishes a new policy.
    virtual bool take_policy_change() { return false; }
};

} // namespace vp::ctl
