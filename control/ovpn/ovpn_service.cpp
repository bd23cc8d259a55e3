// The OpenVPN server's service adapter: punt decoding, timers, management and reload.
#include "control/ovpn/ovpn_service.hpp"

#include "base/log.hpp"
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/ovpn/wire.hpp"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

namespace vp::ctl {

namespace {

constexpr uint64_t timer_interval_ms = 100;

// The one place that reads a session event's fields: the peer-id (= session id) and
// the OvpnEvent.
struct OvpnSessionEvent {
    uint32_t peer_id;
    dp::OvpnEvent event;
};
OvpnSessionEvent session_event(const dp::PuntEntry& e) {
    return {e.payload.session_event.session,
            static_cast<dp::OvpnEvent>(e.payload.session_event.event)};
}

// A client's first packet: what a port that takes no new clients refuses.
bool opens_session(uint8_t first_byte) {
    uint8_t op = dp::ovpn::opcode_of(first_byte);
    return op == dp::ovpn::op_control_hard_reset_client_v1 ||
           op == dp::ovpn::op_control_hard_reset_client_v2 ||
           op == dp::ovpn::op_control_hard_reset_client_v3;
}

} // namespace

OvpnService::OvpnService(dp::Dataplane& dataplane, aaa::LocalAaa& aaa)
    : dp_(dataplane), aaa_(aaa) {}

OvpnService::~OvpnService() {
    server_.reset(); // its sessions release their grants and retire their peers
    worker_dp_.reset();
}

Status OvpnService::configure(const ServicesConfig& services, uint64_t now_ms) {
    enabled_ = services.ovpn.enabled;
    // New connections see new bounds; those already negotiating stay.
    max_tcp_handshakes_ = services.ovpn.max_tcp_handshakes;
    max_tcp_handshakes_per_source_ = services.ovpn.max_tcp_handshakes_per_source;
    if (!services.ovpn.enabled) {
        if (server_ && setup_) {
            // Disabling: the server finishes nothing new and disconnects everyone.
            auto off = std::make_shared<ovpn::ServerSetup>(*setup_);
            off->config.enabled = false;
            setup_ = off;
            server_->reload(setup_, now_ms);
        }
        return {};
    }
    auto setup = ovpn_setup(services);
    if (!setup.ok()) return setup.error();
    setup_ = *setup;
    if (server_) {
        server_->reload(setup_, now_ms);
        return {};
    }
    port_ = services.ovpn.port;
    transport_ = services.ovpn.protocol;
    worker_dp_ =
        std::make_unique<ovpn::WorkerDataplane>(dp_, port_, services.ovpn_data_replay_window);
    server_ = std::make_unique<ovpn::Server>(setup_, *worker_dp_, aaa_);
    log::info(log::Topic::Ovpn, "OpenVPN server listening on {} port {}",
              transport_ == ovpn::Transport::UdpTcp ? "UDP and TCP"
              : transport_ == ovpn::Transport::Tcp  ? "TCP"
                                                    : "UDP",
              port_);
    return {};
}

ServiceBindings OvpnService::bindings() const {
    ServiceBindings b;
    if (server_) {
        if (ovpn::serves_udp(transport_)) b.udp_ports.push_back(port_);
        if (old_udp_port_) b.udp_ports.push_back(old_udp_port_); // its sessions' control packets
        if (ovpn::serves_tcp(transport_)) b.tcp_ports.push_back(port_);
        b.session_kinds.push_back(dp::SessionKind::Ovpn);
    }
    return b;
}

void OvpnService::on_punt(const dp::PuntEntry& e, uint64_t now_ms) {
    if (e.reason == dp::PuntReason::SessionEvent) {
        auto ev = session_event(e);
        if (server_ && ev.event == dp::OvpnEvent::ExplicitExit)
            server_->on_explicit_exit(ev.peer_id, now_ms);
        if (e.mbuf) rte_pktmbuf_free(e.mbuf);
        return;
    }
    if (e.reason == dp::PuntReason::TcpStream) {
        on_stream(e, now_ms);
        return;
    }
    on_datagram(e, now_ms);
}

void OvpnService::on_datagram(const dp::PuntEntry& e, uint64_t now_ms) {
    dp::ovpn::OuterUdp outer;
    if (server_ && dp::ovpn::locate_udp_payload(e.mbuf, outer)) {
        auto* ip = rte_pktmbuf_mtod_offset(e.mbuf, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
        ovpn::Endpoint from{rte_be_to_cpu_32(outer.src_ip_be), rte_be_to_cpu_16(outer.src_port_be)};
        uint16_t to_port =
            rte_be_to_cpu_16((reinterpret_cast<rte_udp_hdr*>(outer.payload) - 1)->dst_port);
        if (old_udp_port_ && to_port == old_udp_port_ && outer.payload_len > 0 &&
            opens_session(outer.payload[0])) {
            // A port a reload replaced takes no new clients; its sessions go on.
            ++tcp_.resets_refused_old_port;
            rte_pktmbuf_free(e.mbuf);
            return;
        }
        worker_dp_->note_local(from, ip->dst_addr, e.port, to_port);
        server_->on_datagram(from, e.worker, ByteSpan(outer.payload, outer.payload_len), now_ms);
    }
    rte_pktmbuf_free(e.mbuf);
}

void OvpnService::on_timer(uint64_t now_ms) {
    if (!server_ || now_ms < next_timer_ms_) return;
    next_timer_ms_ = now_ms + timer_interval_ms;
    server_->on_timer(now_ms);
    worker_dp_->tick(now_ms);
    if (old_udp_port_ && now_ms >= next_old_port_check_ms_) {
        // The old port closes once its last session has ended.
        next_old_port_check_ms_ = now_ms + 1000;
        bool in_use = false;
        for (auto& s : server_->sessions(now_ms))
            in_use |= !worker_dp_->streams().find(s.caller) &&
                      worker_dp_->local_port(s.caller) == old_udp_port_;
        if (!in_use) {
            log::info(log::Topic::Ovpn, "OpenVPN: UDP port {} closed (its last session ended)",
                      old_udp_port_);
            old_udp_port_ = 0;
            policy_changed_ = true;
        }
    }
    worker_dp_->streams().pump_all();
}

namespace {
ActiveSession listed(const ovpn::SessionInfo& s) {
    ActiveSession a;
    a.id = s.peer_id;
    a.user = s.user;
    a.service = s.service;
    a.caller = s.caller.to_string();
    a.address = s.tunnel_address;
    a.uptime_s = s.uptime_s;
    a.encoding = s.encoding;
    a.state = s.state;
    a.rate_limit = s.rate_limit;
    a.bytes_in_left = s.bytes_in_left;
    a.bytes_out_left = s.bytes_out_left;
    a.rate_dropped_rx = s.rate_dropped_rx;
    a.rate_dropped_tx = s.rate_dropped_tx;
    a.end_reason = s.end_reason;
    return a;
}
} // namespace

std::vector<ActiveSession> OvpnService::sessions(uint64_t now_ms) const {
    std::vector<ActiveSession> out;
    if (!server_) return out;
    for (auto& s : server_->sessions(now_ms)) {
        ActiveSession a = listed(s);
        if (worker_dp_->streams().find(s.caller)) a.caller += "/tcp";
        if (auto* c = worker_dp_->counters(s.peer_id)) {
            a.rx_packets = c->rx_packets.get();
            a.rx_bytes = c->rx_bytes.get();
            a.tx_packets = c->tx_packets.get();
            a.tx_bytes = c->tx_bytes.get();
        }
        out.push_back(std::move(a));
    }
    return out;
}

std::vector<ActiveSession> OvpnService::ended_sessions() const {
    std::vector<ActiveSession> out;
    if (!server_) return out;
    for (auto& s : server_->ended()) {
        ActiveSession a = listed(s);
        a.rx_packets = s.usage.rx_packets; // as of the last check before the end
        a.rx_bytes = s.usage.rx_bytes;
        a.tx_bytes = s.usage.tx_bytes;
        out.push_back(std::move(a));
    }
    return out;
}

size_t OvpnService::disconnect(const std::string& id_or_user, uint64_t now_ms) {
    if (!server_) return 0;
    std::vector<uint32_t> ids;
    for (auto& s : server_->sessions(now_ms))
        if (s.user == id_or_user || std::to_string(s.peer_id) == id_or_user)
            ids.push_back(s.peer_id);
    size_t n = 0;
    for (uint32_t id : ids)
        n += server_->disconnect(id, now_ms) ? 1 : 0;
    return n;
}

Status OvpnService::check_reload(const ServicesConfig& next,
                                 std::vector<std::string>& restart) const {
    if (!next.ovpn.enabled) return {};
    // The new certificate and keys must load before anything changes.
    if (auto setup = ovpn_setup(next); !setup.ok()) return setup.error();
    // The TCP listener is opened when the dataplane starts: a change that involves TCP waits for
    // a restart. A UDP port moves live (reload()).
    bool tcp = server_ ? ovpn::serves_tcp(transport_) || ovpn::serves_tcp(next.ovpn.protocol)
                       : ovpn::serves_tcp(next.ovpn.protocol);
    if (server_ && next.ovpn.protocol != transport_)
        restart.push_back("ovpn_server.protocol");
    else if (!server_ && tcp)
        restart.push_back("ovpn_server.protocol");
    if (server_ && tcp && next.ovpn.port != port_) restart.push_back("ovpn_server.port");
    return {};
}

Status OvpnService::reload(const ServicesConfig& next, uint64_t now_ms) {
    ServicesConfig applied = next;
    if (server_) {
        bool tcp = ovpn::serves_tcp(transport_) || ovpn::serves_tcp(next.ovpn.protocol);
        if (next.ovpn.protocol != transport_ || tcp) { // these need a restart (check_reload)
            applied.ovpn.port = port_;
            applied.ovpn.protocol = transport_;
        } else if (next.ovpn.port != port_) {
            // OpenVPN/UDP moves: new clients on the new port; the sessions on the old one stay
            // there (their datagrams and answers) until they end, then it closes. One old port at
            // a time: a second move while one drains gives that one up (its sessions time out).
            uint16_t keep = next.ovpn.port == old_udp_port_ ? 0 : port_;
            uint16_t dropped = old_udp_port_ ? (keep ? old_udp_port_ : port_) : 0;
            if (dropped)
                log::warning(log::Topic::Ovpn,
                             "OpenVPN: UDP port {} closed by a second move; its sessions end",
                             dropped);
            old_udp_port_ = keep;
            port_ = next.ovpn.port;
            worker_dp_->set_port(port_);
            log::info(log::Topic::Ovpn, "OpenVPN server now on UDP port {}", port_);
            if (keep)
                log::info(log::Topic::Ovpn,
                          "OpenVPN: UDP port {} keeps its sessions until they end and takes no "
                          "new clients",
                          keep);
        }
    }
    return configure(applied, now_ms);
}

void OvpnService::add_policy(dp::WorkerPolicy& policy) const {
    if (!server_ || !enabled_) return;
    if (ovpn::serves_udp(transport_)) policy.ovpn_udp_port = port_;
    policy.ovpn_udp_old_port = old_udp_port_;
    if (ovpn::serves_tcp(transport_)) policy.ovpn_tcp_port = port_;
}

} // namespace vp::ctl
