// The receiver's out-of-order queue: up to eight disjoint sequence ranges above RCV.NXT, each a
// list of mbuf segments, merged as segments fill the gaps between them. It also produces the
// SACK blocks we advertise (RFC 2018 §4: the block holding the most recent segment first).
#pragma once

#include "dataplane/tcp/mbuf_list.hpp"
#include "dataplane/tcp/segment.hpp"

#include <cstdint>

namespace vp::tcp {

class OooQueue {
public:
    static constexpr uint8_t kMaxRanges = 8;

    enum class Insert : uint8_t { Queued, Duplicate, Full, QueuedEvicting };

    void set_max_ranges(uint8_t n) { max_ = n < kMaxRanges ? n : kMaxRanges; }
    bool empty() const { return n_ == 0; }
    uint8_t ranges() const { return n_; }
    uint32_t bytes() const;
    uint32_t segs() const;
    // First sequence number past the highest range (meaningful when not empty).
    uint32_t high() const;

    // Queues [seq, seq + data.bytes()), which must lie above rcv_nxt. Overlap with queued
    // ranges is trimmed; a range wholly covered by the new data is replaced. When the queue is
    // full, a segment below the highest range evicts that range (QueuedEvicting: the sender
    // still holds its data, RFC 2018 §8 lets a receiver renege); otherwise it is refused (Full).
    Insert insert(uint32_t seq, MbufList& data);

    // Moves the ranges that now begin at or below rcv_nxt to `in_order`; returns the new
    // RCV.NXT.
    uint32_t drain(uint32_t rcv_nxt, MbufList& in_order);

    // Writes up to `max` SACK blocks; returns how many.
    uint8_t sack_blocks(SackBlock* out, uint8_t max) const;

    void clear();

private:
    struct Range {
        uint32_t seq = 0;
        MbufList data;
        uint32_t end() const { return seq + data.bytes(); }
    };
    void remove(uint8_t i);

    Range r_[kMaxRanges];
    uint8_t n_ = 0;
    uint8_t max_ = kMaxRanges;
    uint32_t last_seq_ = 0; // start of the most recently queued segment
};

} // namespace vp::tcp
