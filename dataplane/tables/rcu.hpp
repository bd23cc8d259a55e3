// The RCU domain shared by every published table: workers report a quiescent state once per
// loop iteration; the control plane retires objects a worker might still be reading and frees
// them after every registered worker has passed a quiescent state (rte_rcu_qsbr + defer queue).
#pragma once

#include "base/result.hpp"

#include <rte_rcu_qsbr.h>

#include <cstdint>
#include <memory>

namespace vp::dp {

class Rcu {
public:
    using FreeFn = void (*)(void* object);

    // max_threads: the number of reader threads (workers) that will register.
    static Result<std::unique_ptr<Rcu>> create(uint32_t max_threads, uint32_t defer_queue_size);
    ~Rcu();
    Rcu(const Rcu&) = delete;
    Rcu& operator=(const Rcu&) = delete;

    rte_rcu_qsbr* qsbr() const { return qsbr_; }

    // Reader side (a worker, with its own thread id < max_threads).
    void register_reader(uint32_t thread_id);
    void unregister_reader(uint32_t thread_id);
    void reader_online(uint32_t thread_id) { rte_rcu_qsbr_thread_online(qsbr_, thread_id); }
    void reader_offline(uint32_t thread_id) { rte_rcu_qsbr_thread_offline(qsbr_, thread_id); }
    void quiescent(uint32_t thread_id) { rte_rcu_qsbr_quiescent(qsbr_, thread_id); }

    // Writer side (control plane). retire() frees `object` with `fn` after a grace period; if the
    // defer queue is full it waits for a grace period (never frees early).
    void retire(FreeFn fn, void* object);
    template <class T>
    void retire_delete(T* object) {
        retire([](void* p) { delete static_cast<T*>(p); }, object);
    }
    // Frees what is already safe to free; cheap, call it from the control loop.
    void reclaim();
    // Blocks until every online reader has been quiescent once; then frees everything retired.
    void synchronize();
    uint64_t pending() const;

private:
    Rcu() = default;
    rte_rcu_qsbr* qsbr_ = nullptr;
    rte_rcu_qsbr_dq* dq_ = nullptr;
    uint32_t dq_size_ = 0;
};

} // namespace vp::dp
