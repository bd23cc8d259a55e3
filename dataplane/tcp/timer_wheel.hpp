// A per-worker hashed timer wheel over small integer ids (connection slots). Each id has at most
// one entry; nodes live in an array sized at start, linked by index, so scheduling, moving and
// cancelling are O(1) without allocation. Entries further away than one turn of the wheel stay
// in their slot until their tick comes round.
#pragma once

#include <cstdint>
#include <vector>

namespace vp::tcp {

class TimerWheel {
public:
    static constexpr uint32_t kNone = UINT32_MAX;

    // capacity: number of ids; slots: a power of two. Allocates; call at start.
    void init(uint32_t capacity, uint32_t slots, uint64_t now_tick);

    // (Re)schedules `id` to fire at `tick`; ticks not after the last processed tick become the
    // next tick.
    void schedule(uint32_t id, uint64_t tick);
    void cancel(uint32_t id);
    bool scheduled(uint32_t id) const { return nodes_[id].slot != kNone; }
    uint64_t expiry(uint32_t id) const { return nodes_[id].expiry; }
    uint64_t current_tick() const { return cursor_; }
    uint32_t size() const { return size_; }

    // Processes ticks up to `now_tick`, calling fire(id) for every due entry (already removed,
    // so fire may schedule it again or touch any other id).
    template <class F>
    void advance(uint64_t now_tick, F&& fire);

private:
    struct Node {
        uint32_t prev = kNone;
        uint32_t next = kNone;
        uint32_t slot = kNone; // kNone: not scheduled; slots_: the hold list of advance()
        uint64_t expiry = 0;
    };
    void link(uint32_t id, uint32_t slot);
    void unlink(uint32_t id);

    std::vector<Node> nodes_;
    std::vector<uint32_t> heads_; // slots_ + 1 lists; the last holds entries not yet due
    uint32_t slots_ = 0;
    uint32_t mask_ = 0;
    uint32_t size_ = 0;
    uint64_t cursor_ = 0; // last processed tick
};

template <class F>
void TimerWheel::advance(uint64_t now_tick, F&& fire) {
    if (now_tick <= cursor_) return;
    uint64_t steps = now_tick - cursor_;
    if (steps > slots_) steps = slots_; // one full turn visits every slot
    uint64_t first = cursor_ + 1;
    for (uint64_t i = 0; i < steps; ++i) {
        uint64_t t = first + i;
        cursor_ = (i + 1 == steps) ? now_tick : t;
        uint32_t slot = static_cast<uint32_t>(t) & mask_;
        // Pop one entry at a time so that fire() may cancel or schedule any id, this slot's
        // included; entries not yet due wait in the hold list and go back afterwards.
        while (heads_[slot] != kNone) {
            uint32_t id = heads_[slot];
            unlink(id);
            if (nodes_[id].expiry <= now_tick) {
                fire(id);
            } else {
                link(id, slots_);
            }
        }
        while (heads_[slots_] != kNone) {
            uint32_t id = heads_[slots_];
            unlink(id);
            link(id, static_cast<uint32_t>(nodes_[id].expiry) & mask_);
        }
    }
    cursor_ = now_tick;
}

} // namespace vp::tcp
