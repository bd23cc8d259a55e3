// A DPDK hash table in lock-free read/write-concurrency mode with RCU-deferred reclamation of
// deleted keys, as every published keyed table uses it: one writer (the control plane), any
// number of lock-free readers (the workers).
#pragma once

#include "base/result.hpp"
#include "dataplane/tables/rcu.hpp"

#include <rte_hash.h>

#include <cstdint>

namespace vp::dp {

// DPDK 22.11's cuckoo hash matches an all-zero key whose signature (hash >> 16) is zero against
// the empty slots of a bucket (their key index 0 is a reserved all-zero key), so such a key can
// be "found" after it was deleted and stored twice. rte_hash_crc of an all-zero key is 0, so
// every published key carries this non-zero tag and is never all zeros.
inline constexpr uint16_t lf_hash_key_tag = 0x5650; // "VP"

// free_data is called, after a grace period, with the data of each deleted key (may be null).
Result<rte_hash*> create_lf_hash(const char* prefix, uint32_t entries, uint32_t key_len, Rcu& rcu,
                                 rte_hash_free_key_data free_data);

} // namespace vp::dp
