// Publishing and retiring sessions, routes, proxy-ARP entries and tunnel-local addresses.
#include "dataplane/session/publish.hpp"

#include "base/ipv4.hpp"

#include <rte_byteorder.h>

#include <string>

namespace vp::dp {

SessionPublisher::~SessionPublisher() {
    while (!sessions_.empty())
        retire(sessions_.begin()->first);
}

Status SessionPublisher::add_route(uint32_t prefix, uint8_t length, const NextHop& nh,
                                   SessionId owner) {
    // Never steal a route another session or the configuration installed.
    if (auto existing = dp_.routes().find(prefix, length);
        existing && !(existing->kind == NextHopKind::Session && existing->session == owner))
        return make_error("route " + net::to_string(prefix) + "/" + std::to_string(length) +
                          " is already in use");
    return dp_.routes().add(prefix, length, nh);
}

Status SessionPublisher::publish(std::unique_ptr<Session> session, const SessionSpec& spec) {
    SessionId id = session->id;
    if (sessions_.count(id)) return make_error("session " + std::to_string(id) + " exists");
    if (session->owner >= dp_.worker_count()) return make_error("no such worker");
    if (spec.wan_port >= dp_.ports().size()) return make_error("no such port");
    session->wan_port = spec.wan_port;
    session->mtu = spec.mtu;
    session->clamp_mss = spec.clamp_mss;
    session->tunnel_ip_be = spec.tunnel_ip_be;
    session->tunnel_local_ip_be = spec.tunnel_local_ip_be;
    if (spec.rate_limit) {
        // Clock 0: the buckets are full whatever the owner's TSC reads at its first packet.
        auto meter = make_session_meter(*spec.rate_limit, 0);
        if (!meter) return make_error("session " + std::to_string(id) + ": " + meter.message());
        session->meter = std::move(*meter);
    }
    // Publish the session first, so that a route pointing at it never finds it missing.
    if (!dp_.sessions().publish(std::move(session)))
        return make_error("session id " + std::to_string(id) + " is in use");
    sessions_.emplace(id, spec);
    NextHop nh{NextHopKind::Session, spec.wan_port, 0, id, spec.mtu};
    Status st = add_route(rte_be_to_cpu_32(spec.tunnel_ip_be), 32, nh, id);
    for (size_t i = 0; st.ok() && i < spec.routes.size(); ++i)
        st = add_route(spec.routes[i].prefix, spec.routes[i].length, nh, id);
    if (st.ok()) st = dp_.proxy_arp().add({spec.tunnel_ip_be}, id);
    if (st.ok() && spec.tunnel_local_ip_be) {
        uint32_t local = rte_be_to_cpu_32(spec.tunnel_local_ip_be);
        if (tunnel_local_refs_[local]++ == 0 && !dp_.routes().contains(local, 32))
            st = dp_.routes().add(local, 32,
                                  {NextHopKind::Local, spec.wan_port, 0, no_session, spec.mtu});
    }
    if (!st.ok()) {
        retire(id);
        return make_error("session " + std::to_string(id) + " (" +
                          net::to_string(rte_be_to_cpu_32(spec.tunnel_ip_be)) +
                          "): " + st.message());
    }
    return {};
}

Session* SessionPublisher::find(SessionId id) const {
    if (!sessions_.count(id)) return nullptr;
    return dp_.sessions().get(id);
}

void SessionPublisher::retire(SessionId id) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    const SessionSpec& spec = it->second;
    auto& routes = dp_.routes();
    auto drop_route = [&](uint32_t prefix, uint8_t length) {
        auto nh = routes.find(prefix, length);
        if (nh && nh->kind == NextHopKind::Session && nh->session == id)
            (void)routes.remove(prefix, length);
    };
    drop_route(rte_be_to_cpu_32(spec.tunnel_ip_be), 32);
    for (auto& r : spec.routes)
        drop_route(r.prefix, r.length);
    dp_.proxy_arp().remove({spec.tunnel_ip_be});
    if (spec.tunnel_local_ip_be) {
        uint32_t local = rte_be_to_cpu_32(spec.tunnel_local_ip_be);
        auto ref = tunnel_local_refs_.find(local);
        if (ref != tunnel_local_refs_.end() && --ref->second == 0) {
            tunnel_local_refs_.erase(ref);
            // Only remove what this module added: a port's own address stays.
            bool is_port_address = false;
            for (auto& p : dp_.ports())
                is_port_address |= p.settings.address_be == spec.tunnel_local_ip_be;
            if (!is_port_address) (void)routes.remove(local, 32);
        }
    }
    dp_.sessions().retire(id); // the session (and what it owns) is freed after a grace period
    sessions_.erase(it);
}

} // namespace vp::dp
