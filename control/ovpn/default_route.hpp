// add_default_route on a client link: the default goes through the link as the two halves
// 0.0.0.0/1 and 128.0.0.0/1 (more specific than any configured 0.0.0.0/0, which stays as it is
// and takes over again when the link drops), and the server's own address keeps the route it has
// now (the WAN gateway) as a pinned /32, so that the tunnel's packets never enter the tunnel.
#pragma once

#include "base/ipv4.hpp"
#include "base/result.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/tables/route_table.hpp"

#include <optional>
#include <vector>

namespace vp::ovpn {

// 0.0.0.0/1 and 128.0.0.0/1.
std::vector<net::Ipv4Prefix> default_route_halves();

struct PinnedRoute {
    net::Ipv4 address = 0; // host order
    dp::NextHop next_hop;
};

// Pins the next hop `server` (host order) is routed through now as a /32: nullopt when a /32
// for it exists already (nothing to undo later); an error when nothing routes it or the route
// leads into a tunnel session (the default through the link would then loop).
Result<std::optional<PinnedRoute>> pin_server_route(dp::RouteTable& routes, net::Ipv4 server);
// Removes the pinned /32 if it is still the one pin_server_route installed.
void unpin_server_route(dp::RouteTable& routes, const PinnedRoute& pinned);

} // namespace vp::ovpn
