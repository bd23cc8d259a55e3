// Delivery to the appliance's own addresses. Only what an enabled service accepts gets through
// (the input allow-list): ICMP echo when enabled, the UDP ports of the enabled protocols' stages
// (the protocol table), listening TCP ports and the client links' local ports. Everything else is
// dropped and counted — the appliance has no kernel stack behind it to answer for anything else.
#include "dataplane/ip/checksum.hpp"
#include "dataplane/ip/icmp.hpp"
#include "dataplane/tcp/client_ports.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

namespace vp::dp {

namespace {

// TCP segments the engine takes: the policy's (listening ports, the OpenVPN links' ports) and,
// while the engine runs, the SSTP client links' port range (61300 + index: one range check, so
// the number of links is not bounded by the policy's table of listening ports; a segment for a
// port no link uses finds no connection in the engine).
bool tcp_local(const WorkerPolicy& p, bool engine, uint16_t port) {
    return p.tcp_local(port) || (engine && sstp_client_port(port));
}

// Turns an echo request into its reply in place; the caller routes it.
void make_echo_reply(rte_ipv4_hdr* ip, rte_icmp_hdr* icmp_hdr) {
    uint32_t src = ip->src_addr;
    ip->src_addr = ip->dst_addr;
    ip->dst_addr = src;
    ip->time_to_live = 64;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    uint16_t old_word = static_cast<uint16_t>(icmp_hdr->icmp_type | icmp_hdr->icmp_code << 8);
    icmp_hdr->icmp_type = icmp::echo_reply;
    uint16_t new_word = static_cast<uint16_t>(icmp_hdr->icmp_type | icmp_hdr->icmp_code << 8);
    icmp_hdr->icmp_cksum = checksum_update16(icmp_hdr->icmp_cksum, old_word, new_word);
}

} // namespace

void Worker::local_input(PortId port, rte_mbuf* m) {
    (void)port;
    uint64_t t0 = stage_clock();
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, sizeof(rte_ether_hdr));
    size_t header_len = rte_ipv4_hdr_len(ip);
    size_t l4_len = rte_be_to_cpu_16(ip->total_length) - header_len;
    uint8_t* l4 = reinterpret_cast<uint8_t*>(ip) + header_len;
    if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
        drop(m, DropReason::ipv4_fragment_local);
    } else if (ip->next_proto_id == IPPROTO_ICMP) {
        auto* icmp_hdr = reinterpret_cast<rte_icmp_hdr*>(l4);
        if (l4_len < sizeof(rte_icmp_hdr)) {
            drop(m, DropReason::icmp_unsupported);
        } else if (icmp_hdr->icmp_type != icmp::echo_request) {
            drop(m, DropReason::icmp_unsupported);
        } else if (!policy_->icmp_echo) {
            drop(m, DropReason::no_service);
        } else if (rte_raw_cksum(l4, l4_len) != 0xffff) {
            drop(m, DropReason::icmp_bad_checksum);
        } else {
            make_echo_reply(ip, icmp_hdr);
            count(WorkerCounter::icmp_echo_replies);
            count(WorkerCounter::local_delivered);
            route_originated(m);
        }
    } else if (ip->next_proto_id == IPPROTO_UDP && l4_len >= sizeof(rte_udp_hdr) &&
               protocol_udp_input(
                   port, rte_be_to_cpu_16(reinterpret_cast<rte_udp_hdr*>(l4)->dst_port), m)) {
        // a protocol's stage took it
    } else if (ip->next_proto_id == IPPROTO_TCP && l4_len >= sizeof(rte_tcp_hdr) &&
               tcp_local(*policy_, tcp_ != nullptr,
                         rte_be_to_cpu_16(reinterpret_cast<rte_tcp_hdr*>(l4)->dst_port))) {
        count(WorkerCounter::local_delivered);
        if (tcp_)
            tcp_input(m);
        else
            punt(m, PuntReason::TcpControl, port);
    } else {
        drop(m, DropReason::no_service);
    }
    stage_done(Stage::local, 1, t0);
}

} // namespace vp::dp
