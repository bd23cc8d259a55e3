// The IPv4 routing table: rte_lpm (DIR-24-8) whose 24-bit values index an array of NextHops.
// Workers look up in bulk without locks; the control plane is the only writer. A NextHop slot is
// written before the route that points at it is published, and recycled only after an RCU grace
// period, so a worker never sees a half-written or reused next hop.
#pragma once

#include "base/result.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/tables/rcu.hpp"

#include <rte_lpm.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace vp::dp {

class RouteTable {
public:
    struct Route {
        uint32_t prefix; // host order, host bits clear
        uint8_t length;
        NextHop next_hop;
    };

    static Result<std::unique_ptr<RouteTable>> create(uint32_t max_routes, Rcu& rcu);
    ~RouteTable();
    RouteTable(const RouteTable&) = delete;
    RouteTable& operator=(const RouteTable&) = delete;

    // ---- workers --------------------------------------------------------------------------
    // dst in host order; nullptr when no route matches.
    const NextHop* lookup(uint32_t dst) const {
        uint32_t index;
        if (rte_lpm_lookup(lpm_, dst, &index) != 0) return default_route();
        return &next_hops_[index];
    }
    // Looks up n destinations (host order); out[i] is nullptr on a miss.
    void lookup_bulk(const uint32_t* dst, const NextHop** out, unsigned n) const;

    // ---- control plane (single writer) ------------------------------------------------------
    // Adds or replaces the route for prefix/length.
    Status add(uint32_t prefix, uint8_t length, const NextHop& next_hop);
    Status remove(uint32_t prefix, uint8_t length);
    bool contains(uint32_t prefix, uint8_t length) const;
    // The next hop installed for exactly prefix/length (host bits ignored).
    std::optional<NextHop> find(uint32_t prefix, uint8_t length) const;
    std::vector<Route> routes() const; // for listings, sorted by prefix then length
    size_t size() const { return shadow_.size(); }

private:
    explicit RouteTable(Rcu& rcu) : rcu_(rcu) {}
    // rte_lpm has no depth 0: the default route is a next hop used when the LPM misses.
    const NextHop* default_route() const {
        uint32_t index = default_index_.load(std::memory_order_acquire);
        return index == no_default ? nullptr : &next_hops_[index];
    }
    static constexpr uint32_t no_default = UINT32_MAX;
    void recycle(uint32_t index);

    Rcu& rcu_;
    uint32_t max_routes_ = 0;
    rte_lpm* lpm_ = nullptr;
    NextHop* next_hops_ = nullptr;
    std::vector<uint32_t> free_indices_;
    std::atomic<uint32_t> default_index_{no_default};
    // The writer's view of what is installed: (prefix, length) -> next-hop index.
    std::map<std::pair<uint32_t, uint8_t>, uint32_t> shadow_;
};

} // namespace vp::dp
