// Intrusive FIFO lists of slot indexes, threaded through link fields of the elements of an array
// the caller owns (the engine's connection table). The links live in the elements, so putting a
// slot on a list never allocates, and a list is two integers. IndexQueue is singly linked (push
// at the back, pop at the front); IndexList is doubly linked so that any member can leave in O(1).
#pragma once

#include <cstdint>

namespace vp::tcp {

inline constexpr uint32_t kNoListIndex = UINT32_MAX;

template <class T, uint32_t T::*Next>
class IndexQueue {
public:
    bool empty() const { return head_ == kNoListIndex; }
    uint32_t front() const { return head_; }

    void push_back(T* nodes, uint32_t idx) {
        nodes[idx].*Next = kNoListIndex;
        if (tail_ != kNoListIndex)
            nodes[tail_].*Next = idx;
        else
            head_ = idx;
        tail_ = idx;
    }
    // The list must not be empty.
    uint32_t pop_front(T* nodes) {
        uint32_t idx = head_;
        head_ = nodes[idx].*Next;
        if (head_ == kNoListIndex) tail_ = kNoListIndex;
        nodes[idx].*Next = kNoListIndex;
        return idx;
    }
    // Detaches every member and returns the first; the caller walks the chain through Next,
    // while new members may join this (now empty) list.
    uint32_t take_all() {
        uint32_t head = head_;
        head_ = tail_ = kNoListIndex;
        return head;
    }

protected:
    uint32_t head_ = kNoListIndex;
    uint32_t tail_ = kNoListIndex;
};

// Doubly linked: the back link lets any member leave in O(1). Built on IndexQueue (privately:
// popping or taking all would leave stale back links).
template <class T, uint32_t T::*Prev, uint32_t T::*Next>
class IndexList : private IndexQueue<T, Next> {
    using Queue = IndexQueue<T, Next>;

public:
    using Queue::empty;
    using Queue::front; // the oldest member

    void push_back(T* nodes, uint32_t idx) {
        nodes[idx].*Prev = this->tail_;
        Queue::push_back(nodes, idx);
    }
    // idx must be a member.
    void unlink(T* nodes, uint32_t idx) {
        T& n = nodes[idx];
        if (n.*Prev != kNoListIndex)
            nodes[n.*Prev].*Next = n.*Next;
        else
            this->head_ = n.*Next;
        if (n.*Next != kNoListIndex)
            nodes[n.*Next].*Prev = n.*Prev;
        else
            this->tail_ = n.*Prev;
        n.*Prev = n.*Next = kNoListIndex;
    }
};

} // namespace vp::tcp
