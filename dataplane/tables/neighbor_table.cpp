// NeighborTable over a lock-free rte_hash; entries are heap objects retired through RCU.
#include "dataplane/tables/neighbor_table.hpp"

#include "dataplane/tables/lf_hash.hpp"

#include <cstring>
#include <string>

namespace vp::dp {

Result<std::unique_ptr<NeighborTable>> NeighborTable::create(uint32_t max_entries, Rcu& rcu) {
    std::unique_ptr<NeighborTable> t(new NeighborTable(rcu));
    auto h = create_lf_hash("vp_neigh", max_entries, sizeof(NeighborKey), rcu,
                            [](void*, void* data) { delete static_cast<NeighborEntry*>(data); });
    if (!h.ok()) return h.error();
    t->hash_ = *h;
    return t;
}

NeighborTable::~NeighborTable() {
    rcu_.synchronize();
    for (auto& item : items())
        remove(item.port, item.ip_be);
    rcu_.synchronize();
    rte_hash_free(hash_);
}

Status NeighborTable::set(PortId port, uint32_t ip_be, const uint8_t mac[6], bool reachable) {
    NeighborKey key{ip_be, port};
    void* old = nullptr;
    bool had_old = rte_hash_lookup_data(hash_, &key, &old) >= 0;
    auto* entry = new NeighborEntry{};
    std::memcpy(entry->mac, mac, 6);
    entry->reachable = reachable;
    if (int rc = rte_hash_add_key_data(hash_, &key, entry); rc != 0) {
        delete entry;
        return make_error("neighbour table full");
    }
    if (had_old) rcu_.retire_delete(static_cast<NeighborEntry*>(old));
    return {};
}

void NeighborTable::remove(PortId port, uint32_t ip_be) {
    NeighborKey key{ip_be, port};
    // With RCU attached, the key slot and its data are freed after a grace period.
    rte_hash_del_key(hash_, &key);
}

std::vector<NeighborTable::Item> NeighborTable::items() const {
    std::vector<Item> out;
    const void* key;
    void* data;
    uint32_t next = 0;
    while (rte_hash_iterate(hash_, &key, &data, &next) >= 0) {
        auto* k = static_cast<const NeighborKey*>(key);
        auto* e = static_cast<const NeighborEntry*>(data);
        Item item{k->port, k->ip_be, {}, e->reachable, e->last_used_tsc.load()};
        std::memcpy(item.mac, e->mac, 6);
        out.push_back(item);
    }
    return out;
}

} // namespace vp::dp
