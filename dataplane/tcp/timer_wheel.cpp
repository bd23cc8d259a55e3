// TimerWheel. See timer_wheel.hpp.
#include "dataplane/tcp/timer_wheel.hpp"

namespace vp::tcp {

void TimerWheel::init(uint32_t capacity, uint32_t slots, uint64_t now_tick) {
    nodes_.assign(capacity, Node{});
    heads_.assign(slots + 1, kNone);
    slots_ = slots;
    mask_ = slots - 1;
    size_ = 0;
    cursor_ = now_tick;
}

void TimerWheel::link(uint32_t id, uint32_t slot) {
    Node& n = nodes_[id];
    n.slot = slot;
    n.prev = kNone;
    n.next = heads_[slot];
    if (n.next != kNone) nodes_[n.next].prev = id;
    heads_[slot] = id;
    ++size_;
}

void TimerWheel::unlink(uint32_t id) {
    Node& n = nodes_[id];
    if (n.prev != kNone)
        nodes_[n.prev].next = n.next;
    else
        heads_[n.slot] = n.next;
    if (n.next != kNone) nodes_[n.next].prev = n.prev;
    n.prev = n.next = kNone;
    n.slot = kNone;
    --size_;
}

void TimerWheel::schedule(uint32_t id, uint64_t tick) {
    if (nodes_[id].slot != kNone) unlink(id);
    if (tick <= cursor_) tick = cursor_ + 1;
    nodes_[id].expiry = tick;
    link(id, static_cast<uint32_t>(tick) & mask_);
}

void TimerWheel::cancel(uint32_t id) {
    if (nodes_[id].slot != kNone) unlink(id);
}

} // namespace vp::tcp
