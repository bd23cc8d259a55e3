// The neighbour (ARP) table: (port, IPv4) -> MAC, in a lock-free hash. Entries are immutable;
// an update publishes a new entry and retires the old one through RCU. The control plane owns
// resolution, timers and the queue of packets awaiting resolution (control/ip/neighbors).
#pragma once

#include "base/result.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/tables/lf_hash.hpp"
#include "dataplane/tables/rcu.hpp"

#include <rte_hash.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace vp::dp {

struct NeighborKey {
    uint32_t ip_be;
    PortId port;
    uint16_t tag = lf_hash_key_tag; // never an all-zero key (see lf_hash.hpp)
};
static_assert(sizeof(NeighborKey) == 8);

class NeighborTable {
public:
    static Result<std::unique_ptr<NeighborTable>> create(uint32_t max_entries, Rcu& rcu);
    ~NeighborTable();
    NeighborTable(const NeighborTable&) = delete;
    NeighborTable& operator=(const NeighborTable&) = delete;

    // ---- workers ----
    const NeighborEntry* lookup(PortId port, uint32_t ip_be) const {
        NeighborKey key{ip_be, port};
        void* data;
        if (rte_hash_lookup_data(hash_, &key, &data) < 0) return nullptr;
        return static_cast<const NeighborEntry*>(data);
    }

    // ---- control plane (single writer) ----
    Status set(PortId port, uint32_t ip_be, const uint8_t mac[6], bool reachable);
    void remove(PortId port, uint32_t ip_be);
    struct Item {
        PortId port;
        uint32_t ip_be;
        uint8_t mac[6];
        bool reachable;
        uint64_t last_used_tsc;
    };
    std::vector<Item> items() const;

private:
    NeighborTable(Rcu& rcu) : rcu_(rcu) {}
    Rcu& rcu_;
    rte_hash* hash_ = nullptr;
};

} // namespace vp::dp
