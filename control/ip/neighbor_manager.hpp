// ARP resolution on the control plane: the only writer of the neighbour table. Workers punt
// packets whose next hop has no entry; they wait here in a bounded queue per neighbour while
// ARP requests go out (3 tries, 1 s apart). Replies publish the entry and release the queue.
// Entries age out after `arp_timeout` (RouterOS's default 30 s) unless workers used them, in
// which case they are re-probed with unicast requests first. Failed resolutions are published as
// unreachable for a few seconds, so workers drop (counted) instead of punting every packet.
#pragma once

#include "control/config/appliance_config.hpp"
#include "dataplane/dataplane.hpp"

#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace vp::ctl {

struct NeighborSettings {
    uint32_t timeout_s = 30;
    uint32_t queue_length = 64;
};

class NeighborManager {
public:
    NeighborManager(dp::Dataplane& dataplane, NeighborSettings settings);
    ~NeighborManager();
    NeighborManager(const NeighborManager&) = delete;
    NeighborManager& operator=(const NeighborManager&) = delete;

    void set_settings(NeighborSettings settings) { settings_ = settings; }
    // Installs the configured static entries (RouterOS /ip arp), removing ones no longer listed.
    Status set_static(const std::vector<config::StaticArp>& entries,
                      const std::vector<std::string>& port_names, uint64_t now_ms);

    // Punt handlers; take ownership of the mbuf.
    void on_neighbor_miss(rte_mbuf* m, dp::PortId port, uint32_t next_hop_be, uint64_t now_ms);
    void on_arp_input(rte_mbuf* m, dp::PortId port, uint64_t now_ms);
    void on_timer(uint64_t now_ms);

    enum class State : uint8_t { Reachable, Probing, Failed, Static };
    struct Info {
        dp::PortId port;
        uint32_t ip_be;
        std::array<uint8_t, 6> mac;
        State state;
        uint64_t age_ms;
    };
    std::vector<Info> list(uint64_t now_ms) const;

    struct Counters {
        uint64_t requests_sent = 0;
        uint64_t replies_sent = 0; // answered on the control plane (unknown senders)
        uint64_t learned = 0;
        uint64_t held = 0;
        uint64_t released = 0;
        uint64_t dropped_queue_full = 0;
        uint64_t dropped_unresolved = 0;
        uint64_t expired = 0;
    };
    const Counters& counters() const { return counters_; }
    size_t pending_packets() const;

private:
    struct Key {
        dp::PortId port;
        uint32_t ip_be;
        auto operator<=>(const Key&) const = default;
    };
    struct Pending {
        std::deque<rte_mbuf*> packets;
        int tries = 0;
        uint64_t next_try_ms = 0;
    };
    struct Known {
        std::array<uint8_t, 6> mac{};
        State state = State::Reachable;
        uint64_t confirmed_ms = 0;
        uint64_t confirmed_tsc = 0;
        int probes = 0;
        uint64_t next_probe_ms = 0;
    };

    void learn(const Key& key, const uint8_t* mac, uint64_t now_ms);
    void release_pending(const Key& key, const uint8_t* mac);
    void send_request(const Key& key, const uint8_t* unicast_mac);
    void transmit_resolved(rte_mbuf* m, dp::PortId port, const uint8_t* mac);
    void forget(const Key& key);

    dp::Dataplane& dp_;
    NeighborSettings settings_;
    std::map<Key, Pending> pending_;
    std::map<Key, Known> known_;
    Counters counters_;
};

} // namespace vp::ctl
