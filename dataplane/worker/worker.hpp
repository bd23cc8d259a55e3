// A worker: one lcore, run-to-completion. Each loop iteration receives a burst from its queue on
// every port, runs it through the stages (classify -> ARP / IPv4 input -> local delivery or
// forwarding -> TX), drains its handoff and inject rings, flushes TX, and reports a quiescent
// state to RCU. Stage bodies live in their own files (l2/arp_stage.cpp, ip/ipv4_stage.cpp,
// ip/local_stage.cpp, ip/forward_stage.cpp, ip/icmp_error.cpp); this file owns the loop.
// Protocol stages (dataplane/<protocol>/) are reached through the protocol table
// (session/protocol.hpp), indexed by SessionKind, and keep their own per-worker state.
#pragma once

#include "dataplane/session/protocol.hpp"
#include "dataplane/tcp/engine.hpp"
#include "dataplane/worker/context.hpp"

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <span>

namespace vp::dp {

class Worker : public WorkerContext {
public:
    Worker(Dataplane& dataplane, WorkerId id);
    ~Worker();

    // The worker's TCP engine (nullptr without TCP listeners); read-only outside the worker.
    const tcp::Engine* tcp_engine() const { return tcp_.get(); }
    unsigned lcore() const { return lcore_; }
    void set_lcore(unsigned lcore) { lcore_ = lcore; }

    // One loop iteration; returns the number of packets processed.
    uint32_t poll_once();
    // The lcore main loop: polls until the dataplane's run flag drops.
    void run();

    // ---- for the protocol stages ----
    // An inner IPv4 packet (at offset 14) that came out of `session`: validate, anti-spoof,
    // route (dataplane/session/session_input.cpp).
    void session_input(Session& session, rte_mbuf* m);
    // The same for a burst of inner packets (packet i from sessions[i]; n <= max_burst), with one
    // bulk route lookup for the burst: what the protocols' decapsulation stages call. Per packet,
    // exactly session_input()'s checks, drops and order (a per-packet hook there, e.g.
    // connection tracking, must also be run here or make this fall back to session_input()).
    void session_input_burst(Session* const* sessions, rte_mbuf* const* pkts, uint16_t n);
    // Routes a packet the appliance originates (echo replies, ICMP errors, injected packets,
    // encapsulated packets).
    void route_originated(rte_mbuf* m);
    // The same for a burst (n <= max_burst), with one bulk route lookup.
    void route_originated_burst(rte_mbuf* const* pkts, uint16_t n);
    // Queues `m` (consumed either way) on a stream of this worker's TCP engine; false: the
    // handle is stale or the send buffer is full (the caller counts the drop).
    bool tcp_stream_send(uint64_t conn, rte_mbuf* m);

private:
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
    // forward()'s common case for a packet to a port's next hop, inline
    // (dataplane/ip/forward_plain.hpp): true when sent; false, with the packet untouched, for
    // forward() to handle. For received packets the caller counts `forwarded` and checks the
    // filter and tracking.
    bool forward_plain(rte_mbuf* m, const NextHop& nh, bool originated);
    // Delivers a received, validated packet to its route lookup's result `nh` (null: no route):
    // local delivery through `port`, forwarding, or a counted drop with an ICMP error from
    // `icmp_src_be`.
    // `from`: the session it came out of (null: a port). The firewall's filter defers the packet
    // to filter_flush() unless `filtered` says it has been through it.
    void route_received(rte_mbuf* m, const NextHop* nh, PortId port, uint16_t in_mtu,
                        uint32_t icmp_src_be, const Session* from = nullptr, bool filtered = false);
    void route_originated_to(rte_mbuf* m, const NextHop* nh);
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
    // Protocol dispatch (session/session_output.cpp): the protocol's UDP input, if `dst_port`
    // (host order) is one; returns false when no protocol claims the port.
    bool protocol_udp_input(PortId port, uint16_t dst_port, rte_mbuf* m);
    // A burst of datagrams to the appliance for one protocol's UDP port, all checked as
    // local_input checks them (IPv4 input's dispatch, session/session_output.cpp).
    struct ProtocolSlot;
    void protocol_udp_burst(PortId port, const ProtocolSlot& proto, rte_mbuf* const* pkts,
                            uint16_t n);
    // The protocol whose UDP port `dst_port` (host order) is; nullptr: none.
    const ProtocolSlot* udp_protocol(uint16_t dst_port) const;
    // The protocol of a datagram to the appliance that local_input would hand to it, else
    // nullptr (dataplane/ip/ipv4_stage.cpp).
    const ProtocolSlot* local_udp_protocol(rte_mbuf* m) const;
    void session_keepalive(SessionId id);
    // A control packet for session `id` (InjectAction::SessionControl), to its protocol stage.
    void session_control(SessionId id, rte_mbuf* m);
    // An inner packet the control plane took out of session `id` (InjectAction::SessionInput).
    void session_injected(SessionId id, rte_mbuf* m);
    void flush_protocol_input();
    void flush_protocol_output();

    // ---- TCP (dataplane/tcp_stage.cpp) ----
    void tcp_input(rte_mbuf* m);
    void tcp_poll();
    void tcp_inject(const InjectEntry& e);
    void tcp_flush(); // routes what the engine emitted, punts stream events

    // ---- rings ----
    uint32_t drain_handoff();
    uint32_t drain_inject();

    bool icmp_token();

    // The neighbour of the last next hop forwarded to, in front of the table's hash (a burst
    // mostly goes to one next hop). The entry is RCU-protected: the cache is emptied at the
    // start of every loop iteration, so it never outlives the read-side section it was read in.
    struct NeighborCache {
        const NeighborEntry* entry = nullptr;
        uint32_t ip_be = 0;
        PortId port = 0;
    };
    NeighborCache neighbor_cache_;
    const NeighborEntry* neighbor_lookup(PortId port, uint32_t ip_be) {
        if (neighbor_cache_.entry && neighbor_cache_.ip_be == ip_be && neighbor_cache_.port == port)
            return neighbor_cache_.entry;
        const NeighborEntry* e = dp_.neighbors().lookup(port, ip_be);
        if (e) neighbor_cache_ = {e, ip_be, port};
        return e;
    }

    // ---- firewall filter (dataplane/firewall/filter_stage.cpp) ----
    // Holds a routed packet for its chain's classification; false when no rule applies to it.
    bool filter_defer(rte_mbuf* m, const NextHop* nh, PortId port, uint16_t in_mtu,
                      uint32_t icmp_src_be, const Session* from);
    // Classifies what is held (one rte_acl_classify per chain) and acts on the verdicts.
    void filter_flush();
    struct FilterHeld {
        rte_mbuf* m;
        const NextHop* nh;
        const Session* from;
        uint32_t icmp_src_be;
        PortId port;
        uint16_t in_mtu;
    };
    // A change-mss rule on a held TCP SYN (the rule's index; `out_mtu` 0: unknown).
    void change_mss(const FilterHeld& h, uint32_t rule_index, uint16_t out_mtu);
    // An add-src/dst-to-address-list rule matched: report the address (bounded, see the stage).
    void address_list_add(const FilterHeld& h, uint32_t rule_index);
    struct AddressListSeen {
        uint32_t address = 0;
        uint32_t rule = UINT32_MAX;
        uint32_t generation = 0;
        uint64_t tsc = 0;
    };
    std::array<AddressListSeen, 64> list_seen_{}; // recent reports (direct-mapped)
    uint32_t list_tokens_ = 0;
    uint64_t list_bucket_tsc_ = 0;
    fw::FilterSet* filter_ = nullptr;
    uint16_t filter_held_n_ = 0;
    std::array<FilterHeld, max_burst> filter_held_;

    // ---- connection tracking and NAT (dataplane/conntrack/ct_stage.cpp) ----
    // Per packet, callable from any burst loop. Prerouting (before the route lookup): finds the
    // packet's connection and state (marked in the mbuf for the filter and postrouting), applies
    // the destination half of its translation, or a dstnat rule to a new connection's first
    // packet, and translates ICMP errors about translated flows. Postrouting (forwarding, before
    // TX or the session): creates a new connection (srcnat rules, port choice in this worker's
    // slice) and applies the source half. Both return false when the packet was dropped.
    bool ct_prerouting(rte_mbuf* m, uint8_t in_if, uint16_t in_lists);
    // Prerouting for a burst (n <= max_burst) with one bulk lookup of the connection table:
    // packet i (validated IPv4) came in on `in_if` with lists in_lists[i]; dropped[i] is what
    // ct_prerouting would have returned, negated. With `stop_at_miss`, it stops before the first
    // packet whose connection is not in the table (that packet's lookup must be redone after the
    // earlier packets' postrouting, which may create it) and returns its index; else n.
    uint16_t ct_prerouting_burst(rte_mbuf* const* pkts, uint16_t n, uint8_t in_if,
                                 const uint16_t* in_lists, bool stop_at_miss, bool* dropped);
    // ct_prerouting's work after the lookup: `r` and `k` are packet_key's, `c`/`dir` the lookup's.
    bool ct_prerouting_found(rte_mbuf* m, uint8_t in_if, uint16_t in_lists, ct::KeyResult r,
                             const ct::Key& k, ct::Conn* c, uint8_t dir);
    bool ct_postrouting(rte_mbuf* m, const NextHop& nh, const Session* out);
    ct::ConnTable* ct_ = nullptr;
    bool tracking_ = false; // ct_ and the published rules ask for it
    uint32_t nat_cursor_ = 0;

    // Each protocol's table entry and its state on this worker (nullptr: not built in).
    struct ProtocolSlot {
        const ProtocolStage* stage = nullptr;
        void* state = nullptr;
    };
    // The protocol claiming listening port `listen_port` for streams (nullptr: none).
    const ProtocolSlot* stream_protocol(uint16_t listen_port) const;

    unsigned lcore_ = 0;
    const WorkerPolicy* policy_ = nullptr;
    // ICMP error token bucket.
    double icmp_tokens_ = 0;
    uint64_t icmp_refill_tsc_ = 0;

    std::array<ProtocolSlot, session_kind_count> protocols_{};
    std::unique_ptr<tcp::Engine> tcp_;
    tcp::TxBatchArray<2 * max_burst> tcp_out_;
};

} // namespace vp::dp
