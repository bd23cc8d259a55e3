// Creation of lock-free hash tables attached to the RCU domain.
#include "dataplane/tables/lf_hash.hpp"

#include <rte_errno.h>
#include <rte_hash_crc.h>

#include <atomic>
#include <string>

namespace vp::dp {

namespace {
std::atomic<uint32_t> hash_counter{0};
void free_nothing(void*, void*) {}
} // namespace

Result<rte_hash*> create_lf_hash(const char* prefix, uint32_t entries, uint32_t key_len, Rcu& rcu,
                                 rte_hash_free_key_data free_data) {
    std::string name = std::string(prefix) + std::to_string(hash_counter.fetch_add(1));
    rte_hash_parameters params{};
    params.name = name.c_str();
    params.entries = entries;
    params.key_len = key_len;
    params.hash_func = rte_hash_crc;
    params.socket_id = SOCKET_ID_ANY;
    params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
    rte_hash* h = rte_hash_create(&params);
    if (!h) return make_error("cannot create hash table " + name + ": " + rte_strerror(rte_errno));
    rte_hash_rcu_config rcu_config{};
    rcu_config.v = rcu.qsbr();
    rcu_config.mode = RTE_HASH_QSBR_MODE_DQ;
    rcu_config.free_key_data_func = free_data ? free_data : free_nothing;
    if (rte_hash_rcu_qsbr_add(h, &rcu_config) != 0) {
        rte_hash_free(h);
        return make_error("cannot attach RCU to hash table " + name);
    }
    return h;
}

} // namespace vp::dp
