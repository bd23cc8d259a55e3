// Per-worker counters: plain per-worker values (relaxed atomics, so the reader's sums are
// race-free; on x86 these compile to ordinary loads and stores), cache-line separated, summed by
// the reader. Every counter and drop reason has a name and a one-line description, which the
// telemetry commands and `vpnctl` print.
#pragma once

#include "base/relaxed.hpp"

#include <rte_common.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace vp::dp {

// A counter written by one thread and read by others.
using Counter = Relaxed<uint64_t>;

// Why a worker dropped a packet. Name, then description.
#define VP_DROP_REASONS(X)                                                                         \
    X(eth_unsupported, "frames with an EtherType other than IPv4 or ARP (VLAN tags included)")     \
    X(eth_not_for_us, "unicast frames addressed to another MAC address")                           \
    X(eth_runt, "frames shorter than their headers")                                               \
    X(arp_invalid, "malformed ARP packets (hardware/protocol type, lengths)")                      \
    X(arp_not_for_us, "ARP requests for addresses the appliance neither owns nor proxies")         \
    X(arp_ignored, "ARP packets needing no action (e.g. replies not addressed to us)")             \
    X(ipv4_bad_header, "IPv4 headers with a bad version or header length")                         \
    X(ipv4_bad_checksum, "IPv4 headers with a wrong checksum")                                     \
    X(ipv4_bad_length, "IPv4 total length inconsistent with the frame")                            \
    X(ipv4_martian, "IPv4 packets with an impossible source (0/8, 127/8, multicast, own address)") \
    X(ipv4_ttl_expired, "forwarded packets whose TTL ran out (ICMP time-exceeded sent)")           \
    X(ipv4_fragment_local, "fragments addressed to the appliance (it does not reassemble)")        \
    X(ipv4_broadcast, "broadcast packets (limited or directed); no service accepts them")          \
    X(ipv4_multicast, "multicast packets; the appliance does not route multicast")                 \
    X(no_route, "packets without a route (ICMP net-unreachable sent)")                             \
    X(blackhole, "packets routed to a blackhole route")                                            \
    X(no_service, "packets to the appliance that no enabled service accepts (input allow-list)")   \
    X(icmp_unsupported, "ICMP to the appliance other than echo requests")                          \
    X(icmp_bad_checksum, "ICMP messages to the appliance with a wrong checksum")                   \
    X(mtu_exceeded, "packets larger than the egress MTU with DF set (ICMP frag-needed sent)")      \
    X(fragment_failed, "packets larger than the egress MTU that could not be fragmented")          \
    X(neighbor_failed, "packets towards a next hop whose ARP resolution failed")                   \
    X(icmp_rate_limited, "ICMP errors not sent because of the rate limit")                         \
    X(session_gone, "packets routed to a session that is no longer installed")                     \
    X(session_no_keys, "packets for a session that has no transmit key (yet)")                     \
    X(punt_ring_full, "packets for the control plane dropped because the punt ring was full")      \
    X(handoff_ring_full, "packets for another worker's session dropped: handoff ring full")        \
    X(inject_invalid, "malformed requests from the control plane on the inject ring")              \
    X(tx_full, "packets the NIC did not accept (TX queue full)")                                   \
    X(mbuf_exhausted, "packets dropped because no mbuf could be allocated")                        \
    X(no_headroom, "packets without room for the encapsulation headers")                           \
    X(anti_spoof, "packets from a session with a source address the session may not use")          \
    X(session_rate_limited,                                                                        \
      "packets over their session's rate_limit (per session: vpnctl sessions)")                    \
    X(ovpn_short, "OpenVPN data packets too short for their header")                               \
    X(ovpn_no_key, "OpenVPN data packets for a key id the session has no key for")                 \
    X(ovpn_replay, "OpenVPN data packets whose packet-id was seen before or is too old")           \
    X(ovpn_auth_failed, "OpenVPN data packets that failed authentication (tag or HMAC)")           \
    X(ovpn_bad_padding, "OpenVPN CBC packets with invalid padding after authentication")           \
    X(ovpn_bad_length, "OpenVPN data packets with a length their cipher cannot have")              \
    X(ovpn_compressed, "OpenVPN payloads compressed by the client (compression is not offered)")   \
    X(ovpn_stream_mismatch, "OpenVPN/TCP data packets for a session of another stream or none")    \
    X(ovpn_stream_full, "OpenVPN/TCP packets the client's stream had no send buffer room for")     \
    X(ovpn_not_ipv4, "decrypted OpenVPN payloads that are neither IPv4 nor a ping/OCC message")    \
    X(ovpn_occ_ignored, "OCC messages on the data channel other than EXIT")                        \
    X(ovpn_pid_exhausted, "packets not sent because the key's packet-id space is used up")         \
    X(crypto_error, "packets the crypto engine refused (a bug, never packet contents)")            \
    X(firewall_drop, "packets a firewall filter rule with action=drop decided")                    \
    X(firewall_reject, "packets a firewall filter rule with action=reject decided (ICMP sent)")    \
    X(sstp_bad_header, "SSTP TLS records with a bad header (type, version, length): call ended")   \
    X(sstp_bad_length, "SSTP TLS records with a length their suite cannot have: call ended")       \
    X(sstp_bad_tag, "SSTP TLS records that failed authentication (tag): call ended")               \
    X(sstp_key_update, "SSTP TLS 1.3 KeyUpdates not applied (malformed, too soon): call ended")    \
    X(sstp_alert, "TLS alerts (close_notify included) from SSTP clients: call ended")              \
    X(sstp_bad_content, "SSTP TLS records of a content type other than data/alert: call ended")    \
    X(sstp_bad_packet, "SSTP streams whose packet framing inside the records broke: call ended")   \
    X(sstp_after_error, "SSTP records arriving after the stream's record layer stopped")           \
    X(sstp_stream_mismatch, "SSTP records for a stream whose session is gone or elsewhere")        \
    X(sstp_stream_full, "sealed SSTP records the client's stream had no send buffer room for")     \
    X(sstp_too_big, "packets for an SSTP session that do not fit in one SSTP packet")              \
    X(conntrack_full, "new connections dropped: the connection table is full")                     \
    X(nat_ports_exhausted, "new connections dropped: no free port in the worker's NAT slice")

enum class DropReason : uint16_t {
#define VP_X(name, description) name,
    VP_DROP_REASONS(VP_X)
#undef VP_X
        Count
};

struct CounterInfo {
    std::string_view name;
    std::string_view description;
};

inline constexpr std::array<CounterInfo, static_cast<size_t>(DropReason::Count)> drop_reason_info =
    {{
#define VP_X(name, description) {#name, description},
        VP_DROP_REASONS(VP_X)
#undef VP_X
    }};

// Per-stage processing: packets that entered the stage (exact) and TSC cycles spent in it
// (sampled: one loop iteration in WorkerContext::stage_sample_every is timed, scaled up).
#define VP_STAGES(X)                                                                               \
    X(rx, "receiving bursts from the NIC queues and classifying by EtherType")                     \
    X(arp, "ARP responder, proxy-ARP and ARP punting")                                             \
    X(ipv4_input, "IPv4 header validation and route lookup")                                       \
    X(local, "delivery to the appliance's own services (ICMP echo, input allow-list)")             \
    X(forward, "TTL, MSS clamping, MTU checks, neighbour lookup and Ethernet rewrite")             \
    X(handoff, "packets received from other workers for sessions this worker owns")                \
    X(inject, "packets injected by the control plane")                                             \
    X(ovpn_decap, "OpenVPN data packets: key lookup, replay check, batched decryption")            \
    X(session_input, "inner packets from sessions: validation, anti-spoofing, route lookup")       \
    X(ovpn_encap, "OpenVPN encapsulation: headers, batched encryption, outer IPv4/UDP")            \
    X(tx, "handing bursts to the NIC TX queues")                                                   \
    X(firewall, "filter rules (rte_acl) at the input and forward points, a burst at a time")

enum class Stage : uint16_t {
#define VP_X(name, description) name,
    VP_STAGES(VP_X)
#undef VP_X
        Count
};

inline constexpr std::array<CounterInfo, static_cast<size_t>(Stage::Count)> stage_info = {{
#define VP_X(name, description) {#name, description},
    VP_STAGES(VP_X)
#undef VP_X
}};

// Plain per-worker traffic counters.
#define VP_WORKER_COUNTERS(X)                                                                      \
    X(rx_packets, "packets received from NIC queues")                                              \
    X(rx_bytes, "bytes received from NIC queues (Ethernet frames without FCS)")                    \
    X(tx_packets, "packets sent to NIC queues")                                                    \
    X(tx_bytes, "bytes sent to NIC queues")                                                        \
    X(forwarded, "IPv4 packets forwarded between ports")                                           \
    X(local_delivered, "packets delivered to the appliance's own services")                        \
    X(arp_replies, "ARP replies sent for own addresses")                                           \
    X(proxy_arp_replies, "ARP replies sent on behalf of VPN clients (proxy-ARP)")                  \
    X(icmp_echo_replies, "ICMP echo replies sent")                                                 \
    X(icmp_errors_sent, "ICMP errors sent (time-exceeded, unreachable, frag-needed)")              \
    X(mss_clamped, "TCP SYN/SYN-ACK segments whose MSS option was lowered")                        \
    X(fragments_sent, "fragments produced for packets larger than the egress MTU")                 \
    X(punted, "packets handed to the control plane")                                               \
    X(handed_off, "packets handed to the worker that owns their session")                          \
    X(ovpn_decrypted, "OpenVPN data packets decrypted and accepted")                               \
    X(ovpn_encrypted, "OpenVPN data packets encrypted and sent")                                   \
    X(ovpn_pings_rx, "OpenVPN keepalive pings received (absorbed by the worker)")                  \
    X(ovpn_pings_tx, "OpenVPN keepalive pings sent")                                               \
    X(ovpn_floats, "OpenVPN clients that moved to a new address/port (after authenticating)")      \
    X(sstp_punted_out, "packets into SSTP sessions handed to the control plane to seal")           \
    X(sstp_records_opened, "SSTP TLS records opened by the worker (record layer handed over)")     \
    X(sstp_records_sealed, "SSTP TLS records sealed by the worker and queued on the stream")       \
    X(sstp_control_punted, "opened SSTP control packets (and non-IPv4 PPP) for the control plane") \
    X(sstp_control_sealed, "SSTP packets from the control plane sealed by the worker")             \
    X(sstp_close_notify, "SSTP clients that ended TLS with close_notify on a worker's stream")     \
    X(sstp_key_updates, "TLS 1.3 KeyUpdates from SSTP clients applied by the worker")              \
    X(injected, "packets received from the control plane")                                         \
    X(busy_polls, "loop iterations that processed at least one packet")                            \
    X(idle_polls, "loop iterations that found no work")                                            \
    X(busy_cycles, "TSC cycles spent in iterations that processed packets")                        \
    X(idle_cycles, "TSC cycles spent in iterations that found no work")                            \
    X(conntrack_created, "connections this worker created in the connection table")                \
    X(nat_translated, "packets whose addresses or ports NAT rewrote")                              \
    X(address_list_adds, "add-src/dst-to-address-list matches reported to the control plane")      \
    X(address_list_adds_skipped,                                                                   \
      "add-to-address-list matches not reported: repeats within a second, the rate limit or a "    \
      "full punt ring")

enum class WorkerCounter : uint16_t {
#define VP_X(name, description) name,
    VP_WORKER_COUNTERS(VP_X)
#undef VP_X
        Count
};

inline constexpr std::array<CounterInfo, static_cast<size_t>(WorkerCounter::Count)>
    worker_counter_info = {{
#define VP_X(name, description) {#name, description},
        VP_WORKER_COUNTERS(VP_X)
#undef VP_X
    }};

struct alignas(RTE_CACHE_LINE_SIZE) WorkerStats {
    std::array<Counter, static_cast<size_t>(WorkerCounter::Count)> counters;
    std::array<Counter, static_cast<size_t>(DropReason::Count)> drops;
    std::array<Counter, static_cast<size_t>(Stage::Count)> stage_packets;
    std::array<Counter, static_cast<size_t>(Stage::Count)> stage_cycles;

    Counter& operator[](WorkerCounter c) { return counters[static_cast<size_t>(c)]; }
    const Counter& operator[](WorkerCounter c) const { return counters[static_cast<size_t>(c)]; }
    Counter& drop(DropReason r) { return drops[static_cast<size_t>(r)]; }
    const Counter& drop(DropReason r) const { return drops[static_cast<size_t>(r)]; }
};

} // namespace vp::dp
