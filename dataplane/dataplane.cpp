// Building and tearing down the dataplane; launching workers.
#include "dataplane/dataplane.hpp"

#include "base/log.hpp"
#include "dataplane/worker/worker.hpp"

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <string>

namespace vp::dp {

namespace {

std::atomic<uint32_t> instance_counter{0};

Result<rte_ring*> make_ring(const std::string& name, uint32_t size, uint32_t elem_size,
                            unsigned flags) {
    rte_ring* r =
        rte_ring_create_elem(name.c_str(), elem_size, rte_align32pow2(size), SOCKET_ID_ANY, flags);
    if (!r) return make_error("cannot create ring " + name + ": " + rte_strerror(rte_errno));
    return r;
}

int worker_main(void* arg) {
    static_cast<Worker*>(arg)->run();
    return 0;
}

} // namespace

uint32_t minimum_mbufs(const DataplaneSettings& s) {
    uint64_t n = 0;
    for (auto& p : s.ports)
        n += uint64_t{s.workers} * (p.rx_descriptors + p.tx_descriptors);
    n += uint64_t{s.workers} * (s.mbuf_cache + 4 * max_burst); // caches and in-flight bursts
    n += s.punt_ring_size + uint64_t{s.workers} * (s.inject_ring_size + s.handoff_ring_size);
    n += 2048; // packets held while ARP resolves, control-plane packets
    return static_cast<uint32_t>(std::min<uint64_t>(n, UINT32_MAX));
}

Result<std::unique_ptr<Dataplane>> Dataplane::create(const DataplaneSettings& settings) {
    if (settings.workers == 0) return make_error("at least one worker is needed");
    if (settings.ports.empty()) return make_error("no ports configured");
    if (settings.ports.size() > max_ports)
        return make_error("at most " + std::to_string(max_ports) + " ports are supported");
    std::unique_ptr<Dataplane> dp(new Dataplane());
    dp->settings_ = settings;
    std::string suffix = std::to_string(instance_counter.fetch_add(1));

    uint32_t needed = minimum_mbufs(settings);
    uint32_t mbufs = settings.mbufs ? settings.mbufs : rte_align32pow2(needed + 1) - 1;
    if (mbufs < needed)
        return make_error("dataplane.mbufs = " + std::to_string(mbufs) + " is below the " +
                          std::to_string(needed) + " that the ports, queues and rings need");
    uint16_t max_mtu = 1500;
    for (auto& p : settings.ports)
        max_mtu = std::max(max_mtu, p.mtu);
    // Room for the largest frame plus headroom for encapsulation headers.
    uint16_t data_room = static_cast<uint16_t>(
        RTE_PKTMBUF_HEADROOM + std::max<uint32_t>(2048, max_mtu + RTE_ETHER_HDR_LEN + 64));
    dp->pool_ = rte_pktmbuf_pool_create(("vp_mbufs" + suffix).c_str(), mbufs,
                                        std::min<uint32_t>(settings.mbuf_cache, 512), 0, data_room,
                                        SOCKET_ID_ANY);
    if (!dp->pool_)
        return make_error("cannot create the mbuf pool (" + std::to_string(mbufs) +
                          " mbufs): " + rte_strerror(rte_errno) +
                          " — reserve more memory (dpdk.memory_mb or hugepages)");
    log::info(log::Topic::Dataplane, "mbuf pool: {} mbufs of {} bytes", mbufs, data_room);

    auto rcu = Rcu::create(settings.workers, 4096);
    if (!rcu.ok()) return rcu.error();
    dp->rcu_ = std::move(*rcu);
    auto routes = RouteTable::create(settings.max_routes, *dp->rcu_);
    if (!routes.ok()) return routes.error();
    dp->routes_ = std::move(*routes);
    auto neighbors = NeighborTable::create(settings.max_neighbors, *dp->rcu_);
    if (!neighbors.ok()) return neighbors.error();
    dp->neighbors_ = std::move(*neighbors);
    auto proxy = ProxyArpTable::create("vp_parp", settings.max_proxy_arp, *dp->rcu_);
    if (!proxy.ok()) return proxy.error();
    dp->proxy_arp_ = std::move(*proxy);
    auto v1 = EndpointTable::create("vp_ov1", settings.max_sessions, *dp->rcu_);
    if (!v1.ok()) return v1.error();
    dp->ovpn_v1_peers_ = std::move(*v1);
    auto sessions = SessionTable::create(settings.max_sessions, *dp->rcu_);
    if (!sessions.ok()) return sessions.error();
    dp->sessions_ = std::move(*sessions);
    if (settings.max_connections) {
        auto ct = ct::ConnTable::create(settings.max_connections, *dp->rcu_, settings.ct_timeouts);
        if (!ct.ok()) return ct.error();
        dp->conntrack_ = std::move(*ct);
    }

    auto punt =
        make_ring("vp_punt" + suffix, settings.punt_ring_size, sizeof(PuntEntry), RING_F_SC_DEQ);
    if (!punt.ok()) return punt.error();
    dp->punt_ring_ = *punt;
    for (WorkerId w = 0; w < settings.workers; ++w) {
        auto inject = make_ring("vp_inj" + suffix + "_" + std::to_string(w),
                                settings.inject_ring_size, sizeof(InjectEntry), RING_F_SC_DEQ);
        if (!inject.ok()) return inject.error();
        dp->inject_rings_.push_back(*inject);
        auto handoff = make_ring("vp_hof" + suffix + "_" + std::to_string(w),
                                 settings.handoff_ring_size, sizeof(HandoffEntry), RING_F_SC_DEQ);
        if (!handoff.ok()) return handoff.error();
        dp->handoff_rings_.push_back(*handoff);
    }

    for (auto& ps : settings.ports) {
        auto port = open_port(ps, settings.workers, dp->pool_);
        if (!port.ok())
            return make_error("port " + ps.name + " (" + ps.device + "): " + port.message());
        dp->ports_.push_back(std::move(*port));
    }
    dp->policy_.store(new WorkerPolicy());
    for (WorkerId w = 0; w < settings.workers; ++w) {
        dp->rcu_->register_reader(w);
        dp->workers_.push_back(std::make_unique<Worker>(*dp, w));
        if (!dp->workers_.back()->setup_error().empty())
            return make_error("worker " + std::to_string(w) + ": " +
                              dp->workers_.back()->setup_error());
    }
    return dp;
}

Dataplane::~Dataplane() {
    stop();
    // Whatever is still in the rings belongs to nobody now.
    auto drain = [](rte_ring* r, size_t elem) {
        if (!r) return;
        alignas(8) uint8_t e[32];
        while (rte_ring_dequeue_elem(r, e, static_cast<unsigned>(elem)) == 0) {
            rte_mbuf* m;
            std::memcpy(&m, e, sizeof m);
            if (m) rte_pktmbuf_free(m);
        }
        rte_ring_free(r);
    };
    drain(punt_ring_, sizeof(PuntEntry));
    for (auto* r : inject_rings_)
        drain(r, sizeof(InjectEntry));
    for (auto* r : handoff_rings_)
        drain(r, sizeof(HandoffEntry));
    for (WorkerId w = 0; w < workers_.size(); ++w)
        rcu_->unregister_reader(w);
    workers_.clear();
    for (auto& p : ports_)
        close_port(p);
    sessions_.reset();
    proxy_arp_.reset();
    ovpn_v1_peers_.reset();
    neighbors_.reset();
    routes_.reset();
    conntrack_.reset();
    if (rcu_) rcu_->synchronize();
    delete policy_.load();
    delete filter_.load();
    rcu_.reset();
    rte_mempool_free(pool_);
}

const WorkerStats& Dataplane::worker_stats(WorkerId id) const {
    return workers_[id]->stats();
}

unsigned Dataplane::worker_lcore(WorkerId id) const {
    return workers_[id]->lcore();
}

const tcp::Engine* Dataplane::worker_tcp_engine(WorkerId id) const {
    return workers_[id]->tcp_engine();
}

void Dataplane::set_policy(const WorkerPolicy& policy) {
    const WorkerPolicy* old = policy_.exchange(new WorkerPolicy(policy), std::memory_order_acq_rel);
    rcu_->retire_delete(const_cast<WorkerPolicy*>(old));
}

void Dataplane::set_filter(std::unique_ptr<fw::FilterSet> set) {
    fw::FilterSet* old = filter_.exchange(set.release(), std::memory_order_acq_rel);
    if (old) rcu_->retire_delete(old);
}

bool Dataplane::inject(const InjectEntry& entry, int worker) {
    WorkerId w = worker >= 0 ? static_cast<WorkerId>(worker)
                             : static_cast<WorkerId>(inject_round_robin_++ % settings_.workers);
    if (rte_ring_mp_enqueue_elem(inject_rings_[w], const_cast<InjectEntry*>(&entry),
                                 sizeof(InjectEntry)) != 0) {
        rte_pktmbuf_free(entry.mbuf);
        return false;
    }
    return true;
}

Status Dataplane::launch(const std::vector<unsigned>& lcores) {
    if (lcores.size() != workers_.size())
        return make_error(std::to_string(workers_.size()) + " workers need as many worker lcores");
    running_.store(true);
    for (size_t i = 0; i < lcores.size(); ++i) {
        workers_[i]->set_lcore(lcores[i]);
        if (int rc = rte_eal_remote_launch(worker_main, workers_[i].get(), lcores[i]); rc != 0) {
            stop();
            return make_error("cannot launch worker " + std::to_string(i) + " on lcore " +
                              std::to_string(lcores[i]));
        }
        launched_lcores_.push_back(lcores[i]);
    }
    return {};
}

void Dataplane::stop() {
    running_.store(false);
    for (unsigned lcore : launched_lcores_)
        rte_eal_wait_lcore(lcore);
    launched_lcores_.clear();
}

} // namespace vp::dp
