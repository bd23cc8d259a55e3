// Sessions by id: an array of atomic pointers (ids are small integers the control plane hands
// out — OpenVPN peer-ids), published with release stores and read with acquire loads. Retired
// sessions are destroyed, and their ids reused, only after an RCU grace period. Every service
// takes its ids from this one table (allocate_id, or reserve_id for a service that picks its own,
// like OpenVPN's cycling peer-ids), so two services can never publish under the same id.
#pragma once

#include "base/result.hpp"
#include "dataplane/session/session.hpp"
#include "dataplane/tables/rcu.hpp"

#include <atomic>
#include <memory>
#include <vector>

namespace vp::dp {

class SessionTable {
public:
    static Result<std::unique_ptr<SessionTable>> create(uint32_t capacity, Rcu& rcu);
    ~SessionTable();
    SessionTable(const SessionTable&) = delete;
    SessionTable& operator=(const SessionTable&) = delete;

    // ---- workers ----
    Session* get(SessionId id) const {
        if (id >= capacity_) return nullptr;
        return slots_[id].load(std::memory_order_acquire);
    }

    // ---- control plane (single writer) ----
    uint32_t capacity() const { return capacity_; }
    // Reserves an id (the lowest free one, so peer-ids stay small); an error when full.
    Result<SessionId> allocate_id();
    // Reserves this id if it is free (neither reserved, published nor waiting out a grace period).
    bool reserve_id(SessionId id);
    // Publishes a fully built session under its id (reserved, or free and taken now). Takes
    // ownership; refuses (and destroys the session) if the id is out of range, published, or
    // still in the grace period of a retired session.
    bool publish(std::unique_ptr<Session> session);
    // Unpublishes and destroys after a grace period; the id becomes reusable after it too.
    void retire(SessionId id);
    // Gives back a reserved id that was never published; does nothing to a published id or one
    // whose session is still waiting out its grace period (retire frees it then).
    void release_id(SessionId id);
    bool id_free(SessionId id) const { return id < capacity_ && state_[id] == IdState::Free; }
    size_t size() const { return published_; }

    template <class F>
    void for_each(F&& f) const {
        for (uint32_t i = 0; i < capacity_; ++i)
            if (Session* s = slots_[i].load(std::memory_order_acquire)) f(*s);
    }

private:
    SessionTable(Rcu& rcu) : rcu_(rcu) {}
    Rcu& rcu_;
    uint32_t capacity_ = 0;
    std::unique_ptr<std::atomic<Session*>[]> slots_;
    enum class IdState : uint8_t { Free, Reserved, Published, Retiring };
    std::vector<IdState> state_;
    uint32_t search_from_ = 0;
    size_t published_ = 0;
};

} // namespace vp::dp
