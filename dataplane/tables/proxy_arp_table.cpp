// ProxyArpTable over a lock-free rte_hash; the data word holds the owning session id.
#include "dataplane/tables/proxy_arp_table.hpp"

#include "dataplane/tables/lf_hash.hpp"

namespace vp::dp {

Result<std::unique_ptr<ProxyArpTable>> ProxyArpTable::create(uint32_t max_entries, Rcu& rcu) {
    std::unique_ptr<ProxyArpTable> t(new ProxyArpTable());
    auto h = create_lf_hash("vp_parp", max_entries, sizeof(ProxyArpKey), rcu, nullptr);
    if (!h.ok()) return h.error();
    t->hash_ = *h;
    t->rcu_ = &rcu;
    return t;
}

ProxyArpTable::~ProxyArpTable() {
    rcu_->synchronize();
    rte_hash_free(hash_);
}

Status ProxyArpTable::add(uint32_t ip_be, SessionId owner) {
    void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(owner));
    ProxyArpKey key{ip_be};
    if (rte_hash_add_key_data(hash_, &key, data) != 0) return make_error("proxy-ARP table full");
    return {};
}

void ProxyArpTable::remove(uint32_t ip_be) {
    ProxyArpKey key{ip_be};
    rte_hash_del_key(hash_, &key);
}

std::vector<ProxyArpTable::Item> ProxyArpTable::items() const {
    std::vector<Item> out;
    const void* key;
    void* data;
    uint32_t next = 0;
    while (rte_hash_iterate(hash_, &key, &data, &next) >= 0)
        out.push_back({static_cast<const ProxyArpKey*>(key)->ip_be,
                       static_cast<SessionId>(reinterpret_cast<uintptr_t>(data))});
    return out;
}

} // namespace vp::dp
