// Proxy-ARP: the addresses (VPN clients' tunnel addresses) that LAN ports with proxy-arp enabled
// answer ARP requests for, as RouterOS does with `arp=proxy-arp`. A lock-free hash from IPv4
// address to the session that owns it.
#pragma once

#include "control/base/result.hpp"
#include "dataplane/contract.hpp"
#include "dataplane/tables/lf_hash.hpp"
#include "dataplane/tables/rcu.hpp"

#include <rte_hash.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace vp::dp {

struct ProxyArpKey {
    uint32_t ip_be;
    uint32_t tag = lf_hash_key_tag; // never an all-zero key (see lf_hash.hpp)
};

class ProxyArpTable {
public:
    static Result<std::unique_ptr<ProxyArpTable>> create(uint32_t max_entries, Rcu& rcu);
    ~ProxyArpTable();
    ProxyArpTable(const ProxyArpTable&) = delete;
    ProxyArpTable& operator=(const ProxyArpTable&) = delete;

    // ---- workers ----
    bool contains(uint32_t ip_be) const {
        ProxyArpKey key{ip_be};
        return rte_hash_lookup(hash_, &key) >= 0;
    }

    // ---- control plane ----
    Status add(uint32_t ip_be, SessionId owner);
    void remove(uint32_t ip_be);
    struct Item {
        uint32_t ip_be;
        SessionId owner;
    };
    std::vector<Item> items() const;

private:
    ProxyArpTable() = default;
    rte_hash* hash_ = nullptr;
    Rcu* rcu_ = nullptr;
};

} // namespace vp::dp
