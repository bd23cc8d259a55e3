// A lock-free map from a small key to the session that owns it, for the tables that answer
// "which session is this?" on the fast path: proxy-ARP (client tunnel address -> session) and
// OpenVPN DATA_V1 peers (client endpoint -> session; DATA_V2 carries the peer-id instead).
// One writer (the control plane), lock-free readers; deleted keys are reclaimed through RCU.
#pragma once

#include "base/result.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/tables/lf_hash.hpp"
#include "dataplane/tables/rcu.hpp"

#include <rte_hash.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vp::dp {

// Keys carry lf_hash_key_tag so that they are never all zeros (see lf_hash.hpp).
struct ProxyArpKey {
    uint32_t ip_be;
    uint32_t tag = lf_hash_key_tag;
};

struct EndpointKey {
    uint32_t ip_be;
    uint16_t port_be;
    uint16_t tag = lf_hash_key_tag;
};

template <class Key>
class SessionMap {
public:
    static Result<std::unique_ptr<SessionMap>> create(const char* name, uint32_t max_entries,
                                                      Rcu& rcu) {
        std::unique_ptr<SessionMap> t(new SessionMap(rcu));
        auto h = create_lf_hash(name, max_entries, sizeof(Key), rcu, nullptr);
        if (!h.ok()) return h.error();
        t->hash_ = *h;
        return t;
    }
    ~SessionMap() {
        rcu_.synchronize();
        rte_hash_free(hash_);
    }
    SessionMap(const SessionMap&) = delete;
    SessionMap& operator=(const SessionMap&) = delete;

    // ---- workers ----
    std::optional<SessionId> find(const Key& key) const {
        void* data;
        if (rte_hash_lookup_data(hash_, &key, &data) < 0) return std::nullopt;
        return static_cast<SessionId>(reinterpret_cast<uintptr_t>(data));
    }
    bool contains(const Key& key) const { return rte_hash_lookup(hash_, &key) >= 0; }

    // ---- control plane ----
    Status add(const Key& key, SessionId owner) {
        if (rte_hash_add_key_data(hash_, &key, reinterpret_cast<void*>(uintptr_t{owner})) != 0)
            return make_error("table full");
        return {};
    }
    void remove(const Key& key) { rte_hash_del_key(hash_, &key); }
    std::vector<std::pair<Key, SessionId>> items() const {
        std::vector<std::pair<Key, SessionId>> out;
        const void* key;
        void* data;
        uint32_t next = 0;
        while (rte_hash_iterate(hash_, &key, &data, &next) >= 0)
            out.emplace_back(*static_cast<const Key*>(key),
                             static_cast<SessionId>(reinterpret_cast<uintptr_t>(data)));
        return out;
    }

private:
    explicit SessionMap(Rcu& rcu) : rcu_(rcu) {}
    Rcu& rcu_;
    rte_hash* hash_ = nullptr;
};

using ProxyArpTable = SessionMap<ProxyArpKey>;
using EndpointTable = SessionMap<EndpointKey>;

} // namespace vp::dp
