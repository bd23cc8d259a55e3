// Binding services to ports and session kinds, and looking them up.
#include "control/service_registry.hpp"

#include <string>

namespace vp::ctl {

namespace {

template <class Map, class Key>
Status claim(Map& map, Key key, Service& service, const std::string& what) {
    auto [it, inserted] = map.emplace(key, &service);
    if (!inserted && it->second != &service)
        return make_error(what + " is claimed by both " + std::string(it->second->name()) +
                          " and " + std::string(service.name()));
    return {};
}

} // namespace

Status ServiceRegistry::bind() {
    std::map<uint16_t, Service*> udp, tcp;
    std::map<dp::SessionKind, Service*> kinds;
    for (auto& s : services_) {
        ServiceBindings b = s->bindings();
        for (uint16_t port : b.udp_ports)
            if (auto st = claim(udp, port, *s, "UDP port " + std::to_string(port)); !st.ok())
                return st;
        for (uint16_t port : b.tcp_ports)
            if (auto st = claim(tcp, port, *s, "TCP port " + std::to_string(port)); !st.ok())
                return st;
        for (dp::SessionKind kind : b.session_kinds)
            if (auto st = claim(kinds, kind, *s,
                                "session kind " + std::to_string(static_cast<int>(kind)));
                !st.ok())
                return st;
    }
    udp_ = std::move(udp);
    tcp_ = std::move(tcp);
    kinds_ = std::move(kinds);
    return {};
}

void ServiceRegistry::clear() {
    udp_.clear();
    tcp_.clear();
    kinds_.clear();
    while (!services_.empty())
        services_.pop_back();
}

Service* ServiceRegistry::find(const PuntTarget& target) const {
    switch (target.via) {
    case PuntTarget::Via::Udp:
        return udp(target.port);
    case PuntTarget::Via::Tcp:
        return tcp(target.port);
    case PuntTarget::Via::Session:
        return session_events(target.session_kind);
    case PuntTarget::Via::None:
        break;
    }
    return nullptr;
}

} // namespace vp::ctl
