// A worker: one lcore, run-to-completion. Each loop iteration receives a burst from its queue on
// every port, runs it through the stages (classify -> ARP / IPv4 input -> local delivery or
// forwarding -> TX), drains its handoff and inject rings, flushes TX, and reports a quiescent
// state to RCU. Stage bodies live in their own files (l2/arp_stage.cpp, ip/ipv4_stage.cpp,
// ip/local_stage.cpp, ip/forward_stage.cpp, ip/icmp_error.cpp); this file owns the loop.
#pragma once

#include "crypto/engine.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/dataplane.hpp"
#include "dataplane/tcp/engine.hpp"
#include "dataplane/worker/counters.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <span>

namespace vp::dp {

struct Session;
struct OvpnSession;
struct OvpnKeySlot;

class Worker {
public:
    Worker(Dataplane& dataplane, WorkerId id);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    WorkerId id() const { return id_; }
    bool has_crypto() const { return crypto_ != nullptr; }
    // The worker's TCP engine (nullptr without TCP listeners); read-only outside the worker.
    const tcp::Engine* tcp_engine() const { return tcp_.get(); }
    const std::string& setup_error() const { return setup_error_; }
    const WorkerStats& stats() const { return stats_; }
    unsigned lcore() const { return lcore_; }
    void set_lcore(unsigned lcore) { lcore_ = lcore; }

    // One loop iteration; returns the number of packets processed.
    uint32_t poll_once();
    // The lcore main loop: polls until the dataplane's run flag drops.
    void run();

private:
    friend struct WorkerStages;

    // ---- stages ----
    void process_rx(PortId port, rte_mbuf** pkts, uint16_t n);
    void arp_input(PortId port, rte_mbuf** pkts, uint16_t n);
    void ipv4_input(PortId port, rte_mbuf** pkts, uint16_t n);
    void local_input(PortId port, rte_mbuf* m);
    // Forwards an IPv4 packet (at offset 14) to next hop `nh`. `in_mtu` is the ingress MTU (for
    // MSS clamping); `icmp_src_be` the address ICMP errors about this packet come from;
    // `originated` packets are the appliance's own (no TTL decrement, no ICMP errors about them).
    void forward(rte_mbuf* m, const NextHop& nh, uint16_t in_mtu, uint32_t icmp_src_be,
                 bool originated);
    // Delivers a received, validated packet to its route lookup's result `nh` (null: no route):
    // local delivery through `port`, forwarding, or a counted drop with an ICMP error from
    // `icmp_src_be`.
    void route_received(rte_mbuf* m, const NextHop* nh, PortId port, uint16_t in_mtu,
                        uint32_t icmp_src_be);
    // Routes a packet the appliance originates (echo replies, ICMP errors, injected packets).
    void route_originated(rte_mbuf* m);
    void send_icmp_error(rte_mbuf* original, uint8_t type, uint8_t code, uint16_t mtu,
                         uint32_t src_be);
    // Fragmentation (dataplane/ip/fragment.cpp). `fragment` splits the IPv4 packet `m` (at
    // offset 14, consumed) into fragments of at most `mtu` bytes, each with its checksum and room
    // for an Ethernet header in front; returns how many it wrote to `out` (0: a counted drop).
    static constexpr uint16_t max_fragments = 48; // a 64 KiB datagram at MTU 1400
    uint16_t fragment(rte_mbuf* m, uint16_t mtu, std::span<rte_mbuf*> out);
    void fragment_and_send(rte_mbuf* m, PortId out, const uint8_t* dst_mac, uint16_t mtu);
    void fragment_into_session(Session& session, rte_mbuf* m);
    // An inner packet for `session`: encapsulated here on its owner, else handed off to it.
    void to_session(Session& session, rte_mbuf* m);
    void session_output(Session& session, rte_mbuf* m);
    // An inner IPv4 packet (at offset 14) that came out of `session`: validate, anti-spoof,
    // route (dataplane/session/session_input.cpp).
    void session_input(Session& session, rte_mbuf* m);
    void handoff(Session& session, rte_mbuf* m, HandoffKind kind);

    // ---- OpenVPN data channel (dataplane/ovpn/) ----
    // A UDP datagram to the OpenVPN port: steer data packets to their session's owner, punt the
    // rest. `udp_payload` points into m.
    void ovpn_input(PortId port, rte_mbuf* m);
    void ovpn_decap_add(OvpnSession& session, rte_mbuf* m);
    void ovpn_decap_flush();
    void ovpn_encap_add(OvpnSession& session, rte_mbuf* m);
    void ovpn_encap_flush();
    void ovpn_send_ping(SessionId id);

    // ---- TCP (dataplane/tcp_stage.cpp) ----
    void tcp_input(rte_mbuf* m);
    void tcp_poll();
    void tcp_inject(const InjectEntry& e);
    void tcp_flush(); // routes what the engine emitted, punts stream events

    // ---- rings ----
    uint32_t drain_handoff();
    uint32_t drain_inject();
    void flush_handoff();
    void punt(rte_mbuf* m, PuntReason reason, PortId port, uint32_t aux, uint32_t aux2 = 0);

    // ---- TX ----
    void tx(PortId port, rte_mbuf* m);
    void flush_tx();

    void drop(rte_mbuf* m, DropReason reason) {
        stats_.drop(reason).inc();
        rte_pktmbuf_free(m);
    }
    void count(WorkerCounter c, uint64_t n = 1) { stats_[c].add(n); }
    bool icmp_token();

    struct TxQueue {
        uint16_t n = 0;
        rte_mbuf* pkts[2 * max_burst];
    };
    struct HandoffQueue {
        uint16_t n = 0;
        HandoffEntry entries[max_burst];
    };
    // Batches of OpenVPN packets waiting for one crypto submission.
    struct DecapItem {
        rte_mbuf* m;
        OvpnSession* session;
        OvpnKeySlot* slot;
        uint64_t endpoint;  // the outer source, OvpnSession::pack_endpoint form
        uint32_t packet_id; // AEAD: from the wire (checked against replay before decrypting)
    };
    struct EncapItem {
        rte_mbuf* m;
        OvpnSession* session;
        OvpnKeySlot* slot;
        uint16_t udp_payload_header; // opcode/peer-id (+ packet-id for AEAD) bytes
    };
    struct OvpnBatches {
        uint16_t n_decap = 0, n_encap = 0;
        DecapItem decap[max_burst];
        crypto::DataOp decap_ops[max_burst];
        EncapItem encap[max_burst];
        crypto::DataOp encap_ops[max_burst];
    };

    struct PortView { // what the fast path reads of a port, copied at start
        uint16_t dpdk_id;
        rte_ether_addr mac;
        uint32_t address_be;
        uint16_t mtu;
    };

    Dataplane& dp_;
    const WorkerId id_;
    unsigned lcore_ = 0;
    uint16_t burst_;
    uint16_t port_count_;
    const WorkerPolicy* policy_ = nullptr;
    uint64_t now_tsc_ = 0;
    uint64_t tsc_hz_;
    // ICMP error token bucket.
    double icmp_tokens_ = 0;
    uint64_t icmp_refill_tsc_ = 0;

    std::array<PortView, max_ports> port_views_{};
    std::unique_ptr<crypto::CryptoEngine> crypto_;
    std::unique_ptr<tcp::Engine> tcp_;
    tcp::TxBatchArray<2 * max_burst> tcp_out_;
    std::string setup_error_;
    std::unique_ptr<OvpnBatches> ovpn_;
    uint16_t ip_id_ = 0;
    std::array<TxQueue, max_ports> tx_{};
    std::vector<HandoffQueue> handoff_out_;
    WorkerStats stats_;
};

} // namespace vp::dp
