// The dataplane as one object: the mbuf pool, the ports, the rings of the control contract, the
// published tables and the workers. The control plane builds it from configuration, launches the
// workers on their lcores and is then the tables' only writer.
#pragma once

#include "base/result.hpp"
#include "dataplane/conntrack/conntrack.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/firewall/filter.hpp"
#include "dataplane/policy.hpp"
#include "dataplane/port/port.hpp"
#include "dataplane/session/session_table.hpp"
#include "dataplane/tables/neighbor_table.hpp"
#include "dataplane/tables/rcu.hpp"
#include "dataplane/tables/route_table.hpp"
#include "dataplane/tables/session_map.hpp"
#include "dataplane/tcp/config.hpp"
#include "dataplane/tcp/stream_types.hpp"
#include "dataplane/worker/counters.hpp"

#include <rte_mempool.h>
#include <rte_ring.h>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace vp::tcp {
class Engine;
}

namespace vp::dp {

class Worker;

inline constexpr size_t max_ports = 16;
inline constexpr uint16_t max_burst = 64;

// The per-worker TCP engines: their settings and the ports they accept connections on.
struct TcpSettings {
    struct Listener {
        uint16_t port;
        tcp::ConsumerKind consumer; // Echo/Discard run on the worker; Punt hands the stream to
                                    // the control plane
        tcp::PuntMode punt = {};    // how a Punt listener's bytes are cut (OpenVPN: Length16)
    };
    tcp::EngineConfig engine;
    std::vector<Listener> listeners;
};

struct DataplaneSettings {
    uint16_t workers = 1;
    uint32_t mbufs = 0; // 0: sized automatically from ports, queues and rings
    uint32_t mbuf_cache = 256;
    uint16_t burst = 32;
    uint32_t punt_ring_size = 4096;
    uint32_t inject_ring_size = 2048;
    uint32_t handoff_ring_size = 4096;
    uint32_t max_routes = 65536;
    uint32_t max_neighbors = 16384;
    uint32_t max_proxy_arp = 65536;
    uint32_t max_sessions = 65536;
    uint32_t idle_sleep_us =
        0; // > 0: sleep this long after 64 empty polls (saves CPU, adds latency)
    std::vector<PortSettings> ports;
    std::optional<TcpSettings> tcp; // no TCP engine without it
    // Connection tracking and NAT (firewall.nat, connection_state): 0 = no table.
    uint32_t max_connections = 0;
    ct::Timeouts ct_timeouts;
};

// The mbuf count the ports, queues and rings need at least.
uint32_t minimum_mbufs(const DataplaneSettings& settings);

class Dataplane {
public:
    // Creates the pool, opens the ports (one queue per worker), rings and tables. Workers are
    // created but not launched.
    static Result<std::unique_ptr<Dataplane>> create(const DataplaneSettings& settings);
    ~Dataplane();
    Dataplane(const Dataplane&) = delete;
    Dataplane& operator=(const Dataplane&) = delete;

    const DataplaneSettings& settings() const { return settings_; }
    rte_mempool* pool() const { return pool_; }
    const std::vector<Port>& ports() const { return ports_; }
    uint16_t worker_count() const { return settings_.workers; }
    Worker& worker(WorkerId id) { return *workers_[id]; }
    const Worker& worker(WorkerId id) const { return *workers_[id]; }
    // What the control plane reads of a worker (telemetry), without the worker's internals.
    const WorkerStats& worker_stats(WorkerId id) const;
    unsigned worker_lcore(WorkerId id) const;
    // The worker's TCP engine (nullptr without TCP listeners); read-only outside the worker.
    const tcp::Engine* worker_tcp_engine(WorkerId id) const;

    Rcu& rcu() { return *rcu_; }
    RouteTable& routes() { return *routes_; }
    const RouteTable& routes() const { return *routes_; }
    NeighborTable& neighbors() { return *neighbors_; }
    const NeighborTable& neighbors() const { return *neighbors_; }
    ProxyArpTable& proxy_arp() { return *proxy_arp_; }
    const ProxyArpTable& proxy_arp() const { return *proxy_arp_; }
    EndpointTable& ovpn_v1_peers() { return *ovpn_v1_peers_; }
    const EndpointTable& ovpn_v1_peers() const { return *ovpn_v1_peers_; }
    SessionTable& sessions() { return *sessions_; }
    const SessionTable& sessions() const { return *sessions_; }

    rte_ring* punt_ring() const { return punt_ring_; }
    rte_ring* inject_ring(WorkerId id) const { return inject_rings_[id]; }
    rte_ring* handoff_ring(WorkerId id) const { return handoff_rings_[id]; }

    // Workers read the policy once per loop iteration.
    const WorkerPolicy* policy() const { return policy_.load(std::memory_order_acquire); }
    // Control plane: publish a new policy; the old one is freed after a grace period.
    void set_policy(const WorkerPolicy& policy);

    // The firewall's filter rules (null: none). Workers read it once per loop iteration and
    // count into it; the control plane publishes a new set and the old one is freed after a
    // grace period (vpnctl reload).
    fw::FilterSet* filter() const { return filter_.load(std::memory_order_acquire); }
    void set_filter(std::unique_ptr<fw::FilterSet> set);
    // The connection table (null without max_connections).
    ct::ConnTable* conntrack() const { return conntrack_.get(); }

    // Control plane: hands a packet to a worker (round robin when `worker` is negative).
    // Returns false (and frees the mbuf) when the ring is full.
    bool inject(const InjectEntry& entry, int worker = -1);

    // Launch workers on the given lcores (one each) / stop and wait for them.
    Status launch(const std::vector<unsigned>& lcores);
    void stop();
    bool running() const { return running_.load(std::memory_order_relaxed); }
    const std::atomic<bool>& run_flag() const { return running_; }

private:
    Dataplane() = default;

    DataplaneSettings settings_;
    rte_mempool* pool_ = nullptr;
    std::vector<Port> ports_;
    std::unique_ptr<Rcu> rcu_;
    std::unique_ptr<RouteTable> routes_;
    std::unique_ptr<NeighborTable> neighbors_;
    std::unique_ptr<ProxyArpTable> proxy_arp_;
    std::unique_ptr<EndpointTable> ovpn_v1_peers_;
    std::unique_ptr<SessionTable> sessions_;
    std::unique_ptr<ct::ConnTable> conntrack_;
    rte_ring* punt_ring_ = nullptr;
    std::vector<rte_ring*> inject_rings_;
    std::vector<rte_ring*> handoff_rings_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::vector<unsigned> launched_lcores_;
    std::atomic<const WorkerPolicy*> policy_{nullptr};
    std::atomic<fw::FilterSet*> filter_{nullptr};
    std::atomic<bool> running_{false};
    uint32_t inject_round_robin_ = 0;
};

} // namespace vp::dp
