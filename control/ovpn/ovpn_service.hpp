// The OpenVPN server as a control-plane service: an adapter that owns ovpn::Server and its
// WorkerDataplane, feeds it the datagrams punted for its UDP port, the control packets of its
// TCP streams (ovpn_streams.cpp) and the events of OpenVPN
// sessions (SessionKind::Ovpn), runs its timers and answers management. Registered always; the
// server itself exists once the configuration enables it (at start-up or by a reload). A reload
// moves its UDP port live (the old one serves its sessions until they end); a change of the
// transports or of a TCP port needs a restart (the TCP listener is opened with the dataplane).
#pragma once

#include "control/aaa/local_aaa.hpp"
#include "control/ovpn/server.hpp"
#include "control/ovpn/worker_dataplane.hpp"
#include "control/service.hpp"
#include "control/services.hpp"
#include "dataplane/dataplane.hpp"

#include <memory>
#include <unordered_map>
#include <utility>

namespace vp::ctl {

// OpenVPN/TCP connections in negotiation (ovpn_streams.cpp), and clients refused on a UDP port a
// reload replaced, for telemetry and Prometheus.
#define VP_OVPN_TCP_COUNTERS(X)                                                                    \
    X(resets_refused_old_port,                                                                     \
      "OpenVPN clients refused on a UDP port a reload replaced (its sessions go on)")              \
    X(tcp_handshakes_started, "OpenVPN/TCP connections accepted into negotiation")                 \
    X(tcp_handshakes_refused,                                                                      \
      "OpenVPN/TCP connections closed at once: max_tcp_handshakes were negotiating")               \
    X(tcp_handshakes_refused_source,                                                               \
      "OpenVPN/TCP connections closed at once: max_tcp_handshakes_per_source from the address")

class OvpnService final : public Service {
public:
    // The TCP listener for `protocol = "tcp"` or "udp,tcp" (Length16 punt framing), read from the
    // raw configuration because the dataplane opens it before the services exist.
    static std::vector<dp::TcpSettings::Listener> listeners(const config::ApplianceConfig& config);

    OvpnService(dp::Dataplane& dataplane, aaa::LocalAaa& aaa);
    ~OvpnService() override;
    OvpnService(const OvpnService&) = delete;
    OvpnService& operator=(const OvpnService&) = delete;

    // Builds (or reconfigures) the server from the ovpn_server section.
    Status configure(const ServicesConfig& services, uint64_t now_ms);

    std::string_view name() const override { return "ovpn"; }
    ServiceBindings bindings() const override;
    void on_punt(const dp::PuntEntry& e, uint64_t now_ms) override;
    void on_timer(uint64_t now_ms) override;
    std::vector<ActiveSession> sessions(uint64_t now_ms) const override;
    std::vector<ActiveSession> ended_sessions() const override;
    size_t disconnect(const std::string& id_or_user, uint64_t now_ms) override;
    Status check_reload(const ServicesConfig& next,
                        std::vector<std::string>& restart) const override;
    Status reload(const ServicesConfig& next, uint64_t now_ms) override;
    void add_policy(dp::WorkerPolicy& policy) const override;
    bool take_policy_change() override { return std::exchange(policy_changed_, false); }
    // The UDP port a reload moved the server away from while sessions remain on it (0: none).
    uint16_t old_udp_port() const { return old_udp_port_; }

    ovpn::Server* server() { return server_.get(); }
    struct TcpCounters {
#define VP_OVPN_TCP_FIELD(name, help) uint64_t name = 0;
        VP_OVPN_TCP_COUNTERS(VP_OVPN_TCP_FIELD)
#undef VP_OVPN_TCP_FIELD
    };
    const TcpCounters& tcp_counters() const {
        return tcp_;
    }
    // OpenVPN/TCP connections whose handshake is not complete (the gauge).
    size_t tcp_handshakes() const {
        return negotiating_.size();
    }
    const ovpn::WorkerDataplane* worker_dataplane() const {
        return worker_dp_.get();
    }

private:
    void on_datagram(const dp::PuntEntry& e, uint64_t now_ms);
    // OpenVPN over TCP (control/ovpn/ovpn_streams.cpp): stream events and control packets.
    void on_stream(const dp::PuntEntry& e, uint64_t now_ms);
    // Whether a new OpenVPN/TCP connection from `source` may negotiate (counted either way).
    bool admit_tcp(uint64_t conn, uint32_t source);
    // The connection's negotiation is over (keys installed, or the connection went).
    void tcp_negotiated(uint64_t conn);

    // OpenVPN/TCP connections still negotiating: connection handle -> source address, and
    // how many each source has.
    std::unordered_map<uint64_t, uint32_t> negotiating_;
    std::unordered_map<uint32_t, uint32_t> negotiating_by_source_;
    uint32_t max_tcp_handshakes_ = 1024;
    uint32_t max_tcp_handshakes_per_source_ = 64;
    TcpCounters tcp_;

    dp::Dataplane& dp_;
    aaa::LocalAaa& aaa_;
    std::unique_ptr<ovpn::WorkerDataplane> worker_dp_;
    std::unique_ptr<ovpn::Server> server_;
    std::shared_ptr<const ovpn::ServerSetup> setup_;
    uint16_t port_ = 0;
    uint16_t old_udp_port_ = 0;
    uint64_t next_old_port_check_ms_ = 0;
    bool policy_changed_ = false;
    ovpn::Transport transport_ = ovpn::Transport::Udp; // fixed with the port (listeners)
    bool enabled_ = false;
    uint64_t next_timer_ms_ = 0;
};

} // namespace vp::ctl
