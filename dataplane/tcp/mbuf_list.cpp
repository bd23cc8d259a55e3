// MbufList. See mbuf_list.hpp.
#include "dataplane/tcp/mbuf_list.hpp"

#include <cstring>

namespace vp::tcp {

void free_segments(rte_mbuf* m) {
    while (m) {
        rte_mbuf* next = m->next;
        m->next = nullptr;
        rte_pktmbuf_free_seg(m);
        m = next;
    }
}

MbufList& MbufList::operator=(MbufList&& o) noexcept {
    if (this != &o) {
        clear();
        head_ = o.head_;
        tail_ = o.tail_;
        bytes_ = o.bytes_;
        segs_ = o.segs_;
        o.head_ = o.tail_ = nullptr;
        o.bytes_ = o.segs_ = 0;
    }
    return *this;
}

void MbufList::clear() {
    free_segments(head_);
    head_ = tail_ = nullptr;
    bytes_ = segs_ = 0;
}

void MbufList::append(rte_mbuf* m) {
    while (m) {
        rte_mbuf* next = m->next;
        m->next = nullptr;
        if (m->data_len == 0) {
            rte_pktmbuf_free_seg(m);
        } else {
            m->nb_segs = 1;
            m->pkt_len = m->data_len;
            if (tail_)
                tail_->next = m;
            else
                head_ = m;
            tail_ = m;
            bytes_ += m->data_len;
            ++segs_;
        }
        m = next;
    }
}

void MbufList::append(MbufList& o) {
    if (!o.head_) return;
    if (tail_)
        tail_->next = o.head_;
    else
        head_ = o.head_;
    tail_ = o.tail_;
    bytes_ += o.bytes_;
    segs_ += o.segs_;
    o.head_ = o.tail_ = nullptr;
    o.bytes_ = o.segs_ = 0;
}

bool MbufList::append_copy(const uint8_t* data, uint32_t len, rte_mempool* mp) {
    if (len == 0) return true;
    // Fill the tail first only when nothing else references its buffer.
    uint32_t into_tail = 0;
    if (tail_ && RTE_MBUF_DIRECT(tail_) && !RTE_MBUF_HAS_EXTBUF(tail_) &&
        rte_mbuf_refcnt_read(tail_) == 1) {
        uint32_t room = rte_pktmbuf_tailroom(tail_);
        into_tail = room < len ? room : len;
    }
    // Allocate what the rest needs before touching anything, so failure appends nothing.
    rte_mbuf* fresh = nullptr;
    rte_mbuf* fresh_tail = nullptr;
    uint32_t rest = len - into_tail;
    while (rest) {
        rte_mbuf* m = rte_pktmbuf_alloc(mp);
        if (!m) {
            free_segments(fresh);
            return false;
        }
        uint32_t room = rte_pktmbuf_tailroom(m) + rte_pktmbuf_headroom(m);
        m->data_off = 0; // stream bytes need no headroom
        uint32_t n = room < rest ? room : rest;
        m->data_len = static_cast<uint16_t>(n);
        rest -= n;
        if (fresh_tail)
            fresh_tail->next = m;
        else
            fresh = m;
        fresh_tail = m;
    }
    if (into_tail) {
        memcpy(rte_pktmbuf_mtod_offset(tail_, uint8_t*, tail_->data_len), data, into_tail);
        tail_->data_len = static_cast<uint16_t>(tail_->data_len + into_tail);
        tail_->pkt_len = tail_->data_len;
        bytes_ += into_tail;
    }
    const uint8_t* src = data + into_tail;
    for (rte_mbuf* m = fresh; m; m = m->next) {
        memcpy(rte_pktmbuf_mtod(m, uint8_t*), src, m->data_len);
        src += m->data_len;
    }
    append(fresh);
    return true;
}

void MbufList::drop_front(uint32_t n) {
    if (n > bytes_) n = bytes_;
    bytes_ -= n;
    while (n) {
        rte_mbuf* s = head_;
        if (s->data_len <= n) {
            n -= s->data_len;
            head_ = s->next;
            s->next = nullptr;
            rte_pktmbuf_free_seg(s);
            --segs_;
        } else {
            s->data_off = static_cast<uint16_t>(s->data_off + n);
            s->data_len = static_cast<uint16_t>(s->data_len - n);
            s->pkt_len = s->data_len;
            n = 0;
        }
    }
    if (!head_) tail_ = nullptr;
}

void MbufList::drop_back(uint32_t keep) {
    if (keep >= bytes_) return;
    if (keep == 0) {
        clear();
        return;
    }
    uint32_t at = 0;
    uint32_t segs = 0;
    rte_mbuf* s = head_;
    while (at + s->data_len < keep) {
        at += s->data_len;
        ++segs;
        s = s->next;
    }
    s->data_len = static_cast<uint16_t>(keep - at);
    s->pkt_len = s->data_len;
    free_segments(s->next);
    s->next = nullptr;
    tail_ = s;
    bytes_ = keep;
    segs_ = segs + 1;
}

uint32_t MbufList::copy_out(uint32_t offset, uint8_t* dst, uint32_t len) const {
    if (offset >= bytes_) return 0;
    if (len > bytes_ - offset) len = bytes_ - offset;
    uint32_t in_seg = 0;
    const rte_mbuf* s = seek(offset, in_seg);
    uint32_t done = 0;
    while (done < len) {
        uint32_t n = s->data_len - in_seg;
        if (n > len - done) n = len - done;
        memcpy(dst + done, rte_pktmbuf_mtod_offset(s, const uint8_t*, in_seg), n);
        done += n;
        in_seg = 0;
        s = s->next;
    }
    return len;
}

rte_mbuf* MbufList::seek(uint32_t offset, uint32_t& in_seg) const {
    rte_mbuf* s = head_;
    while (s && offset >= s->data_len) {
        offset -= s->data_len;
        s = s->next;
    }
    in_seg = offset;
    return s;
}

rte_mbuf* MbufList::take_front(uint32_t max_bytes, rte_mempool* mp) {
    if (!head_ || max_bytes == 0) return nullptr;
    rte_mbuf* first = head_;
    rte_mbuf* last = nullptr;
    uint32_t taken = 0;
    uint16_t nsegs = 0;
    while (head_ && taken + head_->data_len <= max_bytes && nsegs < RTE_MBUF_MAX_NB_SEGS - 1) {
        taken += head_->data_len;
        last = head_;
        head_ = head_->next;
        ++nsegs;
    }
    rte_mbuf* split = nullptr;
    if (head_ && taken < max_bytes && nsegs < RTE_MBUF_MAX_NB_SEGS - 1) {
        // The boundary falls inside head_: share its first part through an indirect mbuf.
        split = rte_pktmbuf_alloc(mp);
        if (split) {
            uint32_t k = max_bytes - taken;
            rte_pktmbuf_attach(split, head_);
            split->data_off = head_->data_off;
            split->data_len = static_cast<uint16_t>(k);
            head_->data_off = static_cast<uint16_t>(head_->data_off + k);
            head_->data_len = static_cast<uint16_t>(head_->data_len - k);
            head_->pkt_len = head_->data_len;
            taken += k;
            ++nsegs;
        }
    }
    if (nsegs == 0) {
        head_ = first;
        return nullptr;
    }
    rte_mbuf* chain = last ? first : split; // without whole segments, only the split part
    if (!chain) return nullptr;
    if (last) {
        last->next = split;
        segs_ -= (split ? nsegs - 1u : nsegs);
    }
    if (split) split->next = nullptr;
    if (!head_) tail_ = nullptr;
    bytes_ -= taken;
    chain->pkt_len = taken;
    chain->nb_segs = nsegs;
    return chain;
}

} // namespace vp::tcp
