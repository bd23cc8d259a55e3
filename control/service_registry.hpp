// The registry of control-plane services: owns them (in registration order, destroyed in
// reverse) and routes what the workers punt — a datagram by its local UDP port, a stream event
// by its listening TCP port, a session event by the session's SessionKind — to the service that
// claimed it. The appliance fills it at start-up and rebinds it after a reload; adding a
// protocol means registering one more service (control/service_setup.cpp), not editing the
// appliance's dispatch.
#pragma once

#include "base/result.hpp"
#include "control/service.hpp"

#include <map>
#include <memory>
#include <vector>

namespace vp::ctl {

// What a punt entry is for, decoded once (control/service_route.hpp) so that the registry
// itself never reads packets.
struct PuntTarget {
    enum class Via : uint8_t { None, Udp, Tcp, Session };
    Via via = Via::None;
    uint16_t port = 0;                                    // Udp, Tcp: the local port
    dp::SessionKind session_kind = dp::SessionKind::Ovpn; // Session
    // Late events of a stream or session that is gone are expected; an unclaimed packet is
    // counted as unhandled.
    bool count_if_unclaimed = true;
};

class ServiceRegistry {
public:
    ServiceRegistry() = default;
    ~ServiceRegistry() { clear(); }
    ServiceRegistry(const ServiceRegistry&) = delete;
    ServiceRegistry& operator=(const ServiceRegistry&) = delete;

    // Takes the service; it claims nothing until bind().
    template <class T>
    T& add(std::unique_ptr<T> service) {
        T& ref = *service;
        services_.push_back(std::move(service));
        return ref;
    }
    // Rebuilds the routes from every service's bindings(). Two services claiming the same port
    // or session kind is an error, and leaves the previous routes in place.
    Status bind();
    // Destroys the services, last registered first.
    void clear();

    Service* find(const PuntTarget& target) const;
    Service* udp(uint16_t port) const { return lookup(udp_, port); }
    Service* tcp(uint16_t port) const { return lookup(tcp_, port); }
    Service* session_events(dp::SessionKind kind) const { return lookup(kinds_, kind); }

    // The first registered service of type T (management accessors), or nullptr.
    template <class T>
    T* get() const {
        for (auto& s : services_)
            if (auto* t = dynamic_cast<T*>(s.get())) return t;
        return nullptr;
    }
    const std::vector<std::unique_ptr<Service>>& services() const { return services_; }

private:
    template <class Map, class Key>
    static Service* lookup(const Map& map, Key key) {
        auto it = map.find(key);
        return it == map.end() ? nullptr : it->second;
    }

    std::vector<std::unique_ptr<Service>> services_;
    std::map<uint16_t, Service*> udp_;
    std::map<uint16_t, Service*> tcp_;
    std::map<dp::SessionKind, Service*> kinds_;
};

} // namespace vp::ctl
