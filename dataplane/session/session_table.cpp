// SessionTable: id allocation and RCU-deferred destruction.
#include "dataplane/session/session_table.hpp"

#include <string>

namespace vp::dp {

namespace {
struct RetiredSession {
    Session* session;
    SessionTable* table;
};
} // namespace

Result<std::unique_ptr<SessionTable>> SessionTable::create(uint32_t capacity, Rcu& rcu) {
    if (capacity == 0 || capacity > (1u << 24))
        return make_error("session capacity must be between 1 and 16777216 (24-bit peer-ids)");
    std::unique_ptr<SessionTable> t(new SessionTable(rcu));
    t->capacity_ = capacity;
    t->slots_ = std::make_unique<std::atomic<Session*>[]>(capacity);
    for (uint32_t i = 0; i < capacity; ++i)
        t->slots_[i].store(nullptr);
    t->state_.assign(capacity, IdState::Free);
    return t;
}

SessionTable::~SessionTable() {
    for (uint32_t i = 0; i < capacity_; ++i)
        if (slots_[i].load()) retire(i);
    rcu_.synchronize();
}

Result<SessionId> SessionTable::allocate_id() {
    for (uint32_t n = 0; n < capacity_; ++n) {
        uint32_t id = (search_from_ + n) % capacity_;
        if (state_[id] == IdState::Free) {
            state_[id] = IdState::Reserved;
            search_from_ = id + 1;
            return id;
        }
    }
    return make_error("session table full (" + std::to_string(capacity_) + " sessions)");
}

bool SessionTable::reserve_id(SessionId id) {
    if (!id_free(id)) return false;
    state_[id] = IdState::Reserved;
    return true;
}

void SessionTable::release_id(SessionId id) {
    if (id < capacity_ && state_[id] == IdState::Reserved) {
        state_[id] = IdState::Free;
        if (id < search_from_) search_from_ = id;
    }
}

bool SessionTable::publish(std::unique_ptr<Session> session) {
    SessionId id = session->id;
    // A free id is taken here for callers that publish under an id they chose (perf mode, tests);
    // a published id, or one still in its grace period, is never overwritten.
    if (id >= capacity_ || (state_[id] != IdState::Reserved && state_[id] != IdState::Free))
        return false;
    state_[id] = IdState::Published;
    slots_[id].store(session.release(), std::memory_order_release);
    ++published_;
    return true;
}

void SessionTable::retire(SessionId id) {
    if (id >= capacity_) return;
    Session* s = slots_[id].exchange(nullptr, std::memory_order_acq_rel);
    if (!s) return;
    --published_;
    state_[id] = IdState::Retiring;
    auto* retired = new RetiredSession{s, this};
    rcu_.retire(
        [](void* p) {
            auto* r = static_cast<RetiredSession*>(p);
            SessionId sid = r->session->id;
            delete r->session;
            r->table->state_[sid] = IdState::Free;
            if (sid < r->table->search_from_) r->table->search_from_ = sid;
            delete r;
        },
        retired);
}

} // namespace vp::dp
