// A byte stream held as a list of mbuf segments, each segment's data_len being its share of the
// stream: the TCP send buffer, the in-order receive queue, and each out-of-order range. Segments
// are linked through rte_mbuf::next; the head's pkt_len and nb_segs are not maintained while a
// segment is in the list (they are set when a chain is handed out).
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace vp::tcp {

class MbufList {
public:
    MbufList() = default;
    MbufList(const MbufList&) = delete;
    MbufList& operator=(const MbufList&) = delete;
    MbufList(MbufList&& o) noexcept { *this = static_cast<MbufList&&>(o); }
    MbufList& operator=(MbufList&& o) noexcept;
    ~MbufList() { clear(); }

    uint32_t bytes() const { return bytes_; }
    uint32_t segs() const { return segs_; }
    bool empty() const { return bytes_ == 0; }
    rte_mbuf* head() const { return head_; }

    // Takes a chain (its segments' data_len are stream bytes); empty segments are freed.
    void append(rte_mbuf* chain);
    // Moves all of `other` to the end of this list.
    void append(MbufList& other);
    // Copies `len` bytes to the end of the list: into the tail segment when it is ours alone and
    // has room, else into new segments from `mp`. False (and nothing appended) when the pool is
    // empty.
    bool append_copy(const uint8_t* data, uint32_t len, rte_mempool* mp);
    // Drops the first n bytes (n <= bytes()).
    void drop_front(uint32_t n);
    // Keeps the first `keep` bytes and frees the rest.
    void drop_back(uint32_t keep);
    // Copies up to len bytes starting at offset; returns the number copied.
    uint32_t copy_out(uint32_t offset, uint8_t* dst, uint32_t len) const;
    // Detaches up to `max_bytes` from the front as a proper chain (pkt_len, nb_segs set). A
    // segment split at the boundary is shared through an indirect mbuf from `mp`. Returns
    // nullptr when nothing could be taken (empty list or pool exhausted).
    rte_mbuf* take_front(uint32_t max_bytes, rte_mempool* mp);
    // Finds the segment holding byte `offset` (< bytes()); `in_seg` receives the offset in it.
    rte_mbuf* seek(uint32_t offset, uint32_t& in_seg) const;
    void clear();

private:
    rte_mbuf* head_ = nullptr;
    rte_mbuf* tail_ = nullptr;
    uint32_t bytes_ = 0;
    uint32_t segs_ = 0;
};

// Frees a chain whose segments may be linked without a consistent head (as in MbufList).
void free_segments(rte_mbuf* m);

} // namespace vp::tcp
