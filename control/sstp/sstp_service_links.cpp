// The SSTP service's client links (sstp_clients): building them from the configuration, a
// reload that changes them (or their routes) restarting them all, and finding the link an event
// belongs to. The links themselves are control/sstp/client_link.cpp.
#include "base/log.hpp"
#include "control/sstp/sstp_service.hpp"
#include "dataplane/tcp/client_ports.hpp"

namespace vp::ctl {

Status SstpService::configure_links(const ServicesConfig& services, uint64_t now_ms) {
    if (services.sstp_clients == link_configs_ && services.link_routes == link_routes_ &&
        links_.size() == link_configs_.size())
        return {};
    // Each link dials from 61300 + its index, a port of the range the workers give their TCP
    // engine (no entry of the policy's table of listening ports: any number of links fits).
    // Contexts first: a failure keeps the running links.
    std::vector<std::shared_ptr<const tls::Context>> contexts;
    for (auto& c : services.sstp_clients) {
        auto tls = sstp_client_tls(services, c);
        if (!tls.ok() && !c.disabled)
            return make_error("sstp_clients " + c.name + ": " + tls.message());
        contexts.push_back(tls.ok() ? *tls : nullptr);
    }
    if (!links_.empty())
        log::info(log::Topic::Sstp, "sstp_clients changed: restarting the client links");
    for (auto& l : links_)
        l->stop(now_ms);
    links_.clear();
    for (size_t i = 0; i < services.sstp_clients.size(); ++i) {
        const sstp::ClientLinkConfig& c = services.sstp_clients[i];
        std::vector<net::Ipv4Prefix> routes;
        for (auto& r : services.link_routes)
            if (r.link == c.name) routes.push_back(r.destination);
        links_.push_back(std::make_unique<sstp::ClientLink>(
            c, static_cast<uint16_t>(dp::sstp_client_port_base + i), dp_, publisher_, contexts[i],
            routes, now_ms));
    }
    link_configs_ = services.sstp_clients;
    link_routes_ = services.link_routes;
    return {};
}

sstp::ClientLink* SstpService::link_of_port(uint16_t port) {
    for (auto& l : links_)
        if (l->local_port() == port) return l.get();
    return nullptr;
}

sstp::ClientLink* SstpService::link_of_session(dp::SessionId id) {
    if (id == dp::no_session) return nullptr;
    for (auto& l : links_)
        if (l->session() == id) return l.get();
    return nullptr;
}

std::vector<ovpn::LinkInfo> SstpService::client_links(uint64_t now_ms) const {
    std::vector<ovpn::LinkInfo> out;
    for (auto& l : links_)
        out.push_back(l->info(now_ms));
    return out;
}

sstp::ClientLink::Counters SstpService::client_link_counters() const {
    sstp::ClientLink::Counters sum;
    for (auto& l : links_) {
        const sstp::ClientLink::Counters& c = l->counters();
#define VP_SSTP_LINK_ADD(name, help) sum.name += c.name;
        VP_SSTP_LINK_COUNTERS(VP_SSTP_LINK_ADD)
#undef VP_SSTP_LINK_ADD
    }
    return sum;
}

} // namespace vp::ctl
