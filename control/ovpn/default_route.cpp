// The routes add_default_route installs beside a client link's session (see the header).
#include "control/ovpn/default_route.hpp"

namespace vp::ovpn {

namespace {
bool same(const dp::NextHop& a, const dp::NextHop& b) {
    return a.kind == b.kind && a.port == b.port && a.gateway_be == b.gateway_be &&
           a.session == b.session && a.mtu == b.mtu;
}
} // namespace

std::vector<net::Ipv4Prefix> default_route_halves() {
    return {{0x00000000u, 1}, {0x80000000u, 1}};
}

Result<std::optional<PinnedRoute>> pin_server_route(dp::RouteTable& routes, net::Ipv4 server) {
    if (routes.contains(server, 32)) return std::optional<PinnedRoute>{};
    const dp::NextHop* nh = routes.lookup(server);
    if (!nh || (nh->kind != dp::NextHopKind::Connected && nh->kind != dp::NextHopKind::Gateway))
        return make_error("the server " + net::to_string(server) +
                          " has no route through an interface (a gateway or a connected "
                          "network)");
    PinnedRoute pinned{server, *nh};
    if (auto st = routes.add(server, 32, pinned.next_hop); !st.ok()) return st.error();
    return std::optional<PinnedRoute>{pinned};
}

void unpin_server_route(dp::RouteTable& routes, const PinnedRoute& pinned) {
    auto nh = routes.find(pinned.address, 32);
    if (nh && same(*nh, pinned.next_hop)) (void)routes.remove(pinned.address, 32);
}

} // namespace vp::ovpn
