// Which service a punted packet or event is for.
#include "control/service_route.hpp"

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

namespace vp::ctl {

namespace {

// The destination port of a datagram the IPv4 input stage validated (header length, total
// length against the frame); 0 when the UDP header does not fit.
uint16_t udp_destination(const rte_mbuf* m) {
    if (!m || m->data_len < sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr)) return 0;
    const auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    size_t ip_header = rte_ipv4_hdr_len(ip);
    if (m->data_len < sizeof(rte_ether_hdr) + ip_header + sizeof(rte_udp_hdr)) return 0;
    const auto* udp =
        rte_pktmbuf_mtod_offset(m, const rte_udp_hdr*, sizeof(rte_ether_hdr) + ip_header);
    return rte_be_to_cpu_16(udp->dst_port);
}

} // namespace

PuntTarget punt_target(const dp::PuntEntry& e, const dp::SessionTable& sessions) {
    PuntTarget t;
    switch (e.reason) {
    case dp::PuntReason::OvpnControl: // a datagram for a service's UDP port
        t.via = PuntTarget::Via::Udp;
        t.port = udp_destination(e.mbuf);
        break;
    case dp::PuntReason::TcpStream: // `port` is the listening TCP port
        t.via = PuntTarget::Via::Tcp;
        t.port = e.port;
        t.count_if_unclaimed = false;
        break;
    case dp::PuntReason::SessionEvent: // `aux` is the session id
        t.count_if_unclaimed = false;
        if (const dp::Session* s = sessions.get(e.aux)) {
            t.via = PuntTarget::Via::Session;
            t.session_kind = s->kind;
        }
        break;
    default:
        break;
    }
    return t;
}

} // namespace vp::ctl
