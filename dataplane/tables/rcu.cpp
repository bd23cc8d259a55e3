// RCU domain: QSBR variable and a defer queue of (free function, object) pairs.
#include "dataplane/tables/rcu.hpp"

#include <rte_malloc.h>

#include <atomic>
#include <string>

namespace vp::dp {

namespace {

struct Retired {
    Rcu::FreeFn fn;
    void* object;
};

void free_retired(void*, void* entries, unsigned int n) {
    auto* e = static_cast<Retired*>(entries);
    for (unsigned int i = 0; i < n; ++i)
        e[i].fn(e[i].object);
}

std::atomic<uint32_t> instance_counter{0};

} // namespace

Result<std::unique_ptr<Rcu>> Rcu::create(uint32_t max_threads, uint32_t defer_queue_size) {
    std::unique_ptr<Rcu> rcu(new Rcu());
    size_t size = rte_rcu_qsbr_get_memsize(max_threads);
    rcu->qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("vp_rcu", size, RTE_CACHE_LINE_SIZE));
    if (!rcu->qsbr_) return make_error("cannot allocate the RCU variable");
    if (rte_rcu_qsbr_init(rcu->qsbr_, max_threads) != 0)
        return make_error("rte_rcu_qsbr_init failed");
    std::string name = "vp_rcu_dq" + std::to_string(instance_counter.fetch_add(1));
    rte_rcu_qsbr_dq_parameters params{};
    params.name = name.c_str();
    params.size = defer_queue_size;
    params.esize = sizeof(Retired);
    params.trigger_reclaim_limit = defer_queue_size / 4;
    params.max_reclaim_size = 64;
    params.free_fn = free_retired;
    params.v = rcu->qsbr_;
    rcu->dq_ = rte_rcu_qsbr_dq_create(&params);
    if (!rcu->dq_) return make_error("cannot create the RCU defer queue");
    rcu->dq_size_ = defer_queue_size;
    return rcu;
}

Rcu::~Rcu() {
    if (dq_) {
        rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
        rte_rcu_qsbr_dq_reclaim(dq_, ~0u, nullptr, nullptr, nullptr);
        rte_rcu_qsbr_dq_delete(dq_);
    }
    rte_free(qsbr_);
}

void Rcu::register_reader(uint32_t thread_id) {
    rte_rcu_qsbr_thread_register(qsbr_, thread_id);
}

void Rcu::unregister_reader(uint32_t thread_id) {
    rte_rcu_qsbr_thread_offline(qsbr_, thread_id);
    rte_rcu_qsbr_thread_unregister(qsbr_, thread_id);
}

void Rcu::retire(FreeFn fn, void* object) {
    Retired e{fn, object};
    if (rte_rcu_qsbr_dq_enqueue(dq_, &e) == 0) return;
    // The queue is full of objects some reader may still see: wait out a grace period.
    synchronize();
    if (rte_rcu_qsbr_dq_enqueue(dq_, &e) != 0) {
        rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
        fn(object);
    }
}

void Rcu::reclaim() {
    rte_rcu_qsbr_dq_reclaim(dq_, ~0u, nullptr, nullptr, nullptr);
}

void Rcu::synchronize() {
    rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
    reclaim();
}

uint64_t Rcu::pending() const {
    unsigned int pending = 0, available = 0;
    rte_rcu_qsbr_dq_reclaim(dq_, 0, nullptr, &pending, &available);
    return pending;
}

} // namespace vp::dp
