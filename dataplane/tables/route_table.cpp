// RouteTable: rte_lpm with RCU-managed tbl8 reclamation plus a next-hop array.
#include "dataplane/tables/route_table.hpp"

#include <rte_errno.h>
#include <rte_malloc.h>

#include <atomic>
#include <string>

namespace vp::dp {

namespace {
std::atomic<uint32_t> table_counter{0};

struct Recycle {
    RouteTable* table;
    uint32_t index;
};
} // namespace

Result<std::unique_ptr<RouteTable>> RouteTable::create(uint32_t max_routes, Rcu& rcu) {
    std::unique_ptr<RouteTable> t(new RouteTable(rcu));
    t->max_routes_ = max_routes;
    std::string name = "vp_routes" + std::to_string(table_counter.fetch_add(1));
    rte_lpm_config config{};
    config.max_rules = max_routes;
    config.number_tbl8s = std::max<uint32_t>(256, max_routes / 4);
    t->lpm_ = rte_lpm_create(name.c_str(), SOCKET_ID_ANY, &config);
    if (!t->lpm_)
        return make_error("cannot create the route table (" + std::string(rte_strerror(rte_errno)) +
                          ")");
    rte_lpm_rcu_config rcu_config{};
    rcu_config.v = rcu.qsbr();
    rcu_config.mode = RTE_LPM_QSBR_MODE_DQ;
    if (rte_lpm_rcu_qsbr_add(t->lpm_, &rcu_config) != 0)
        return make_error("cannot attach RCU to the route table");
    // One next hop per route, plus slack for replacements waiting out a grace period.
    uint32_t slots = max_routes * 2;
    t->next_hops_ = static_cast<NextHop*>(
        rte_zmalloc("vp_next_hops", sizeof(NextHop) * slots, RTE_CACHE_LINE_SIZE));
    if (!t->next_hops_) return make_error("cannot allocate the next-hop table");
    t->free_indices_.reserve(slots);
    for (uint32_t i = slots; i-- > 0;)
        t->free_indices_.push_back(i);
    return t;
}

RouteTable::~RouteTable() {
    // The RCU domain outlives tables; wait for readers and for deferred recycles before freeing.
    rcu_.synchronize();
    rte_lpm_free(lpm_);
    rte_free(next_hops_);
}

void RouteTable::lookup_bulk(const uint32_t* dst, const NextHop** out, unsigned n) const {
    uint32_t hops[64];
    while (n > 0) {
        unsigned chunk = n > 64 ? 64 : n;
        rte_lpm_lookup_bulk(lpm_, dst, hops, chunk);
        const NextHop* fallback = default_route();
        for (unsigned i = 0; i < chunk; ++i)
            out[i] =
                (hops[i] & RTE_LPM_LOOKUP_SUCCESS) ? &next_hops_[hops[i] & 0x00ffffff] : fallback;
        dst += chunk;
        out += chunk;
        n -= chunk;
    }
}

void RouteTable::recycle(uint32_t index) {
    // The slot may still be read by a worker that looked the old route up: reuse it only after
    // a grace period.
    auto* r = new Recycle{this, index};
    rcu_.retire(
        [](void* p) {
            auto* rec = static_cast<Recycle*>(p);
            rec->table->free_indices_.push_back(rec->index);
            delete rec;
        },
        r);
}

Status RouteTable::add(uint32_t prefix, uint8_t length, const NextHop& next_hop) {
    if (length > 32) return make_error("prefix length above 32");
    if (free_indices_.empty()) {
        rcu_.synchronize();
        if (free_indices_.empty()) return make_error("route table full");
    }
    prefix = length == 0 ? 0 : prefix & (~uint32_t{0} << (32 - length));
    auto key = std::make_pair(prefix, length);
    auto existing = shadow_.find(key);
    if (existing == shadow_.end() && shadow_.size() >= max_routes_)
        return make_error("route table full (" + std::to_string(max_routes_) + " routes)");
    uint32_t index = free_indices_.back();
    free_indices_.pop_back();
    next_hops_[index] = next_hop;
    if (length == 0) {
        default_index_.store(index, std::memory_order_release);
    } else if (int rc = rte_lpm_add(lpm_, prefix, length, index); rc != 0) {
        // (rte_lpm publishes entries with release semantics, after the next hop is written.)
        free_indices_.push_back(index);
        return make_error("cannot add route: " + std::string(rte_strerror(-rc)));
    }
    if (existing != shadow_.end()) {
        recycle(existing->second);
        existing->second = index;
    } else {
        shadow_.emplace(key, index);
    }
    return {};
}

Status RouteTable::remove(uint32_t prefix, uint8_t length) {
    prefix = length == 0 ? 0 : prefix & (~uint32_t{0} << (32 - length));
    auto it = shadow_.find({prefix, length});
    if (it == shadow_.end()) return make_error("no such route");
    if (length == 0)
        default_index_.store(no_default, std::memory_order_release);
    else if (int rc = rte_lpm_delete(lpm_, prefix, length); rc != 0)
        return make_error("cannot delete route: " + std::string(rte_strerror(-rc)));
    recycle(it->second);
    shadow_.erase(it);
    return {};
}

bool RouteTable::contains(uint32_t prefix, uint8_t length) const {
    prefix = length == 0 ? 0 : prefix & (~uint32_t{0} << (32 - length));
    return shadow_.count({prefix, length}) != 0;
}

std::optional<NextHop> RouteTable::find(uint32_t prefix, uint8_t length) const {
    prefix = length == 0 ? 0 : prefix & (~uint32_t{0} << (32 - length));
    auto it = shadow_.find({prefix, length});
    if (it == shadow_.end()) return std::nullopt;
    return next_hops_[it->second];
}

std::vector<RouteTable::Route> RouteTable::routes() const {
    std::vector<Route> out;
    out.reserve(shadow_.size());
    for (auto& [key, index] : shadow_)
        out.push_back({key.first, key.second, next_hops_[index]});
    return out;
}

} // namespace vp::dp
