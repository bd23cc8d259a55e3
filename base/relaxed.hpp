// A value with a single writer and any number of readers on other threads — the per-worker
// counters and gauges. Read-modify-write is a relaxed load and store, which is exact because only
// the owner writes and compiles to ordinary loads and stores on x86 (no locked instruction); the
// readers' loads are race-free. Copying takes a snapshot.
#pragma once

#include <atomic>
#include <cstdint>

namespace vp {

template <typename T>
class Relaxed {
public:
    Relaxed() = default;
    Relaxed(const Relaxed& o) : v_(o.get()) {}
    Relaxed& operator=(const Relaxed& o) {
        set(o.get());
        return *this;
    }

    T get() const { return v_.load(std::memory_order_relaxed); }
    void set(T v) { v_.store(v, std::memory_order_relaxed); }
    void add(T n) { set(static_cast<T>(get() + n)); }
    void inc() { add(1); }

    operator T() const { return get(); }
    Relaxed& operator+=(T n) {
        add(n);
        return *this;
    }
    Relaxed& operator++() {
        add(1);
        return *this;
    }
    Relaxed& operator--() {
        set(static_cast<T>(get() - 1));
        return *this;
    }

private:
    std::atomic<T> v_{0};
};

} // namespace vp
