// The OpenVPN client links' service adapter.
#include "control/client_service.hpp"

#include "base/log.hpp"
#include "dataplane/ovpn/outer.hpp"
#include "dataplane/tcp/stream_types.hpp"

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

namespace vp::ctl {

namespace {
constexpr uint64_t timer_interval_ms = 50;
}

ClientService::~ClientService() {
    links_.clear(); // each withdraws its session
}

Status ClientService::configure(const ServicesConfig& services, uint64_t now_ms) {
    std::vector<std::unique_ptr<ovpn::ClientLink>> links;
    for (size_t i = 0; i < services.ovpn_clients.size(); ++i) {
        const ovpn::ClientLinkConfig& c = services.ovpn_clients[i];
        auto tls = client_link_tls(services, c);
        if (!tls.ok()) return make_error("ovpn_clients " + c.name + ": " + tls.message());
        std::vector<net::Ipv4Prefix> routes;
        for (auto& r : services.link_routes)
            if (r.link == c.name) routes.push_back(r.destination);
        links.push_back(std::make_unique<ovpn::ClientLink>(
            c, static_cast<uint16_t>(ovpn::client_port_base + i), dp_, *tls, routes, now_ms));
    }
    for (auto& l : links_)
        l->stop(now_ms);
    links_.clear();
    links_ = std::move(links);
    configs_ = services.ovpn_clients;
    routes_ = services.link_routes;
    return {};
}

ServiceBindings ClientService::bindings() const {
    ServiceBindings b;
    for (auto& l : links_) {
        b.udp_ports.push_back(l->local_port());
        if (l->config().tcp) b.tcp_ports.push_back(l->local_port()); // its stream's events
    }
    return b;
}

void ClientService::on_punt(const dp::PuntEntry& e, uint64_t now_ms) {
    if (e.reason == dp::PuntReason::TcpStream) {
        for (auto& l : links_)
            if (l->local_port() == e.payload.tcp_stream.listen_port) {
                l->on_stream(e, now_ms);
                return;
            }
        // A link a reload removed: its connection must not linger on the worker.
        if (e.payload.tcp_stream.event == dp::TcpEvent::Connecting &&
            tcp::ConnHandle::unpack(e.payload.tcp_stream.conn).valid()) {
            dp::InjectEntry abort{nullptr, dp::InjectAction::TcpAbort, 0, {}};
            abort.payload.tcp = {e.payload.tcp_stream.conn, e.payload.tcp_stream.listen_port,
                                 dp::no_session};
            dp_.inject(abort, e.worker);
        }
        if (e.mbuf) rte_pktmbuf_free(e.mbuf);
        return;
    }
    dp::ovpn::OuterUdp outer;
    if (e.mbuf && dp::ovpn::locate_udp_payload(e.mbuf, outer)) {
        auto* ip = rte_pktmbuf_mtod_offset(e.mbuf, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
        auto* udp = reinterpret_cast<const rte_udp_hdr*>(reinterpret_cast<const uint8_t*>(ip) +
                                                         rte_ipv4_hdr_len(ip));
        uint16_t dst_port = rte_be_to_cpu_16(udp->dst_port);
        ovpn::Endpoint from{rte_be_to_cpu_32(outer.src_ip_be), rte_be_to_cpu_16(outer.src_port_be)};
        for (auto& l : links_)
            if (l->local_port() == dst_port)
                l->on_datagram(from, e.worker, ip->dst_addr, e.port,
                               ByteSpan(outer.payload, outer.payload_len), now_ms);
    }
    if (e.mbuf) rte_pktmbuf_free(e.mbuf);
}

void ClientService::on_timer(uint64_t now_ms) {
    if (links_.empty() || now_ms < next_timer_ms_) return;
    next_timer_ms_ = now_ms + timer_interval_ms;
    for (auto& l : links_)
        l->on_timer(now_ms);
}

Status ClientService::check_reload(const ServicesConfig& next,
                                   std::vector<std::string>& restart) const {
    for (auto& c : next.ovpn_clients) {
        // The workers' TCP engine exists only if the dataplane started with a use for it.
        if (c.tcp && !dp_.settings().tcp) {
            restart.push_back("ovpn_clients (a TCP link needs the workers' TCP engine)");
            break;
        }
    }
    for (auto& c : next.ovpn_clients)
        if (!c.disabled)
            if (auto tls = client_link_tls(next, c); !tls.ok())
                return make_error("ovpn_clients " + c.name + ": " + tls.message());
    return {};
}

Status ClientService::reload(const ServicesConfig& next, uint64_t now_ms) {
    if (next.ovpn_clients == configs_ && next.link_routes == routes_) return {};
    log::info(log::Topic::Ovpn, "ovpn_clients changed: restarting the client links");
    return configure(next, now_ms);
}

void ClientService::add_policy(dp::WorkerPolicy& policy) const {
    for (auto& l : links_)
        policy.set_ovpn_client_port(l->local_port());
}

std::vector<ovpn::LinkInfo> ClientService::links(uint64_t now_ms) const {
    std::vector<ovpn::LinkInfo> out;
    for (auto& l : links_)
        out.push_back(l->info(now_ms));
    return out;
}

} // namespace vp::ctl
