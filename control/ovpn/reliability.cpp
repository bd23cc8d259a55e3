// Send/receive windows, retransmission and acknowledgements.
#include "control/ovpn/reliability.hpp"

#include <algorithm>

namespace vp::ovpn {

uint32_t ReliableSend::enqueue(Opcode opcode, Bytes payload) {
    Entry e;
    e.id = next_id_++;
    e.opcode = opcode;
    e.payload = std::move(payload);
    e.timeout_ms = params_.initial_timeout_ms;
    entries_.push_back(std::move(e));
    return entries_.back().id;
}

bool ReliableSend::ack(uint32_t id) {
    auto it =
        std::find_if(entries_.begin(), entries_.end(), [id](const Entry& e) { return e.id == id; });
    if (it == entries_.end() || !it->sent) return false;
    // Packets sent before this one and still unacknowledged were probably lost.
    for (auto e = entries_.begin(); e != it; ++e)
        if (e->sent) ++e->later_acks;
    entries_.erase(it);
    return true;
}

std::vector<ReliableSend::Outgoing> ReliableSend::due(uint64_t now_ms) {
    std::vector<Outgoing> out;
    if (entries_.empty()) return out;
    uint32_t window_end = entries_.front().id + params_.send_window;
    for (auto& e : entries_) {
        if (e.id >= window_end) break;
        bool fast = e.sent && e.later_acks >= params_.fast_retransmit_acks;
        if (e.sent && !fast && now_ms < e.deadline_ms) continue;
        bool retransmission = e.sent;
        if (retransmission) {
            ++retransmissions_;
            if (!fast) e.timeout_ms = std::min(e.timeout_ms * 2, params_.max_timeout_ms);
        }
        e.sent = true;
        e.later_acks = 0;
        e.deadline_ms = now_ms + e.timeout_ms;
        out.push_back({e.id, e.opcode, &e.payload, retransmission});
    }
    return out;
}

std::optional<uint64_t> ReliableSend::next_deadline() const {
    std::optional<uint64_t> next;
    if (entries_.empty()) return next;
    uint32_t window_end = entries_.front().id + params_.send_window;
    for (auto& e : entries_) {
        if (e.id >= window_end) break;
        uint64_t d = e.sent ? e.deadline_ms : 0;
        if (!next || d < *next) next = d;
    }
    return next;
}

ReliableReceive::Verdict ReliableReceive::receive(uint32_t id, Opcode opcode, ByteSpan payload) {
    if (id < next_) return Verdict::Duplicate;
    if (id - next_ >= window_) return Verdict::OutOfWindow;
    if (buffered_.count(id)) return Verdict::Duplicate;
    buffered_.emplace(id, Message{opcode, Bytes(payload.begin(), payload.end())});
    return Verdict::Accepted;
}

std::optional<ReliableReceive::Message> ReliableReceive::pop() {
    auto it = buffered_.find(next_);
    if (it == buffered_.end()) return std::nullopt;
    Message m = std::move(it->second);
    buffered_.erase(it);
    ++next_;
    return m;
}

void AckQueue::add(uint32_t id) {
    if (std::find(pending_.begin(), pending_.end(), id) != pending_.end()) return;
    pending_.push_back(id);
    // Never owe more than a few windows' worth; the oldest are the least useful.
    while (pending_.size() > 64)
        pending_.pop_front();
}

size_t AckQueue::take(uint32_t* out, size_t max) {
    size_t n = 0;
    while (n < max && !pending_.empty()) {
        uint32_t id = pending_.front();
        pending_.pop_front();
        out[n++] = id;
        recent_.erase(std::remove(recent_.begin(), recent_.end(), id), recent_.end());
        recent_.push_front(id);
        if (recent_.size() > recent_kept) recent_.pop_back();
    }
    for (size_t i = 0; i < recent_.size() && n < max; ++i)
        if (std::find(out, out + n, recent_[i]) == out + n) out[n++] = recent_[i];
    return n;
}

} // namespace vp::ovpn
