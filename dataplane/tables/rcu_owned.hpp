// RcuOwned<T>: an owning pointer that workers read while the control plane may replace it. Readers
// (inside their RCU read section: between two quiescent states) load it with acquire order and
// use the object until their next quiescent state; the writer stores the replacement with release
// order and retires the old object through the Rcu domain, which frees it after a grace period.
// It reads like the std::unique_ptr it replaces (`if (p) p->x`), so readers need no changes.
#pragma once

#include "dataplane/tables/rcu.hpp"

#include <atomic>
#include <memory>

namespace vp::dp {

template <class T>
class RcuOwned {
public:
    RcuOwned() = default;
    ~RcuOwned() { delete ptr_.load(std::memory_order_relaxed); }
    RcuOwned(const RcuOwned&) = delete;
    RcuOwned& operator=(const RcuOwned&) = delete;

    // Before the owner is visible to readers (a session being built), or when no reader can see
    // it any more: no grace period needed.
    RcuOwned& operator=(std::unique_ptr<T> p) {
        delete ptr_.exchange(p.release(), std::memory_order_release);
        return *this;
    }
    // While readers may hold the old object: publish `p`, free the old one after a grace period.
    void replace(std::unique_ptr<T> p, Rcu& rcu) {
        if (T* old = ptr_.exchange(p.release(), std::memory_order_acq_rel)) rcu.retire_delete(old);
    }

    T* get() const { return ptr_.load(std::memory_order_acquire); }
    T* operator->() const { return get(); }
    explicit operator bool() const { return get() != nullptr; }

private:
    std::atomic<T*> ptr_{nullptr};
};

} // namespace vp::dp
