// The SSTP session's publish spec (session_spec.hpp).
#include "control/sstp/session_spec.hpp"

#include "control/session_rate_limit.hpp"

#include <rte_byteorder.h>

namespace vp::sstp {

dp::SessionSpec session_spec(const Connection& c, dp::PortId wan_port) {
    dp::SessionSpec spec;
    spec.wan_port = wan_port;
    spec.tunnel_ip_be = rte_cpu_to_be_32(c.address());
    spec.tunnel_local_ip_be = rte_cpu_to_be_32(c.local_address());
    spec.mtu = c.mtu();
    const aaa::Grant* g = c.grant();
    if (!g) return spec;
    // What the grant says of the session, as OpenVPN's sessions publish it.
    spec.clamp_mss = g->change_tcp_mss;
    for (const aaa::Route& r : g->routes)
        spec.routes.push_back({r.destination.network(), r.destination.length});
    if (g->rate_limit) spec.rate_limit = ctl::to_session_rate_limit(*g->rate_limit);
    return spec;
}

} // namespace vp::sstp
