// OooQueue. See ooo_queue.hpp.
#include "dataplane/tcp/ooo_queue.hpp"

#include "dataplane/tcp/seq.hpp"

#include <utility>

namespace vp::tcp {

uint32_t OooQueue::bytes() const {
    uint32_t b = 0;
    for (uint8_t i = 0; i < n_; ++i)
        b += r_[i].data.bytes();
    return b;
}

uint32_t OooQueue::segs() const {
    uint32_t s = 0;
    for (uint8_t i = 0; i < n_; ++i)
        s += r_[i].data.segs();
    return s;
}

uint32_t OooQueue::high() const {
    return n_ ? r_[n_ - 1].end() : 0;
}

void OooQueue::remove(uint8_t i) {
    r_[i].data.clear();
    for (uint8_t j = i; j + 1 < n_; ++j) {
        r_[j].seq = r_[j + 1].seq;
        r_[j].data = std::move(r_[j + 1].data);
    }
    --n_;
}

void OooQueue::clear() {
    for (uint8_t i = 0; i < n_; ++i)
        r_[i].data.clear();
    n_ = 0;
}

OooQueue::Insert OooQueue::insert(uint32_t seq, MbufList& data) {
    uint32_t s = seq;
    uint32_t e = seq + data.bytes();
    if (data.empty()) return Insert::Duplicate;
    // Resolve overlaps so that the new data is disjoint from every queued range.
    for (uint8_t i = 0; i < n_;) {
        uint32_t rs = r_[i].seq;
        uint32_t re = r_[i].end();
        if (seq_leq(re, s) || seq_geq(rs, e)) {
            ++i;
            continue;
        }
        if (seq_leq(rs, s) && seq_geq(re, e)) { // wholly covered already
            last_seq_ = seq;
            data.clear();
            return Insert::Duplicate;
        }
        if (seq_leq(s, rs) && seq_leq(re, e)) { // the new data covers this range
            remove(i);
            continue;
        }
        if (seq_lt(rs, s)) { // the range overlaps the front of the new data
            data.drop_front(re - s);
            s = re;
        } else { // it overlaps the back
            data.drop_back(rs - s);
            e = rs;
        }
        ++i;
    }
    // Sorted position.
    uint8_t pos = 0;
    while (pos < n_ && seq_lt(r_[pos].seq, s))
        ++pos;
    bool joins_prev = pos > 0 && r_[pos - 1].end() == s;
    bool joins_next = pos < n_ && r_[pos].seq == e;
    last_seq_ = seq;
    if (joins_prev) {
        r_[pos - 1].data.append(data);
        if (joins_next) {
            r_[pos - 1].data.append(r_[pos].data);
            remove(pos);
        }
        return Insert::Queued;
    }
    if (joins_next) {
        data.append(r_[pos].data);
        r_[pos].data = std::move(data);
        r_[pos].seq = s;
        return Insert::Queued;
    }
    Insert result = Insert::Queued;
    if (n_ == max_) {
        if (pos == n_) { // above everything queued: refuse, the sender will resend it
            data.clear();
            return Insert::Full;
        }
        remove(static_cast<uint8_t>(n_ - 1));
        result = Insert::QueuedEvicting;
    }
    for (uint8_t j = n_; j > pos; --j) {
        r_[j].seq = r_[j - 1].seq;
        r_[j].data = std::move(r_[j - 1].data);
    }
    r_[pos].seq = s;
    r_[pos].data = std::move(data);
    ++n_;
    return result;
}

uint32_t OooQueue::drain(uint32_t rcv_nxt, MbufList& in_order) {
    while (n_ && seq_leq(r_[0].seq, rcv_nxt)) {
        uint32_t end = r_[0].end();
        if (seq_gt(end, rcv_nxt)) {
            r_[0].data.drop_front(rcv_nxt - r_[0].seq);
            in_order.append(r_[0].data);
            rcv_nxt = end;
        }
        remove(0);
    }
    return rcv_nxt;
}

uint8_t OooQueue::sack_blocks(SackBlock* out, uint8_t max) const {
    uint8_t k = 0;
    int8_t recent = -1;
    for (uint8_t i = 0; i < n_; ++i) {
        if (seq_leq(r_[i].seq, last_seq_) && seq_lt(last_seq_, r_[i].end())) {
            recent = static_cast<int8_t>(i);
            break;
        }
    }
    if (recent >= 0 && k < max) out[k++] = {r_[recent].seq, r_[recent].end()};
    for (uint8_t i = 0; i < n_ && k < max; ++i)
        if (i != recent) out[k++] = {r_[i].seq, r_[i].end()};
    return k;
}

} // namespace vp::tcp
