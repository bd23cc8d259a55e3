// Connection tracking: one table shared by every worker, a lock-free rte_hash (readers never
// lock) from a packet's 5-tuple as it arrives to its connection, each connection stored under two
// keys, the original direction's and the reply direction's (after NAT). Workers create
// connections on the first packet of a flow that the filter accepted (creation and deletion take
// a spinlock: rte_hash allows one writer at a time); the control plane sweeps expired ones and
// their slots return to the free list after an RCU grace period. A full table is a counted drop.
#pragma once

#include "base/result.hpp"
#include "dataplane/conntrack/types.hpp"
#include "dataplane/tables/rcu.hpp"

#include <rte_hash.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

struct rte_ring;
struct rte_mbuf;

namespace vp::dp::ct {

// A 5-tuple as it appears in the packet (addresses and ports big-endian). ICMP echo/reply
// carry the identifier in both ports. `tag` keeps every key non-zero (lf_hash.hpp); alignas(8):
// rte_hash_crc reads the key eight bytes at a time.
struct alignas(8) Key {
    uint16_t tag = 0;
    uint8_t proto = 0;
    uint8_t pad = 0;
    uint16_t sport = 0;
    uint16_t dport = 0;
    uint32_t src = 0;
    uint32_t dst = 0;
    bool operator==(const Key&) const = default;
};
static_assert(sizeof(Key) == 16);

// What packet_key (nat.hpp) made of a packet.
enum class KeyResult : uint8_t {
    ok,         // `key` is the packet's
    icmp_error, // `key` is the inverse of the quoted packet's key (the connection it is about)
    untracked,  // a non-first fragment or a truncated transport header: state invalid
};

// The key a packet of the opposite direction carries.
inline Key inverse(const Key& k) {
    Key r = k;
    r.src = k.dst;
    r.dst = k.src;
    r.sport = k.dport;
    r.dport = k.sport;
    return r;
}

enum ConnFlag : uint8_t {
    flag_replied = 1, // a packet of the reply direction was seen
    flag_closing = 2, // TCP FIN or RST seen
    flag_nat = 4,     // the keys differ by more than direction (addresses or ports translated)
};

struct Conn {
    Key key[2]; // [0]: original direction, [1]: reply direction, each as it arrives
    std::atomic<uint64_t> last_tsc{0};
    std::atomic<uint8_t> flags{0};
    std::atomic<bool> live{false};
    class ConnTable* owner = nullptr;
};

struct Stats {
    uint64_t connections = 0; // live now
    uint64_t created = 0;
    uint64_t expired = 0;
    uint64_t capacity = 0;
};

// What the prerouting hook found, carried in the mbuf (a dynamic field) to the filter and
// postrouting.
struct Mark {
    uint32_t conn = 0;       // index + 1; 0: none (new or untracked)
    uint8_t dir = 0;         // the packet's direction in `conn`
    uint8_t state = 0;       // StateBit; 0: not tracked (tracking off)
    uint16_t orig_dport = 0; // before dst-nat (big-endian)
    uint32_t orig_dst = 0;   // before dst-nat; 0: not translated
    uint16_t in_lists = 0;   // the input interface and its lists, for srcnat rules
    uint8_t in_if = 0;
    uint8_t error = 0; // an ICMP error prerouting already translated
};
static_assert(sizeof(Mark) == 16);

class ConnTable {
public:
    static Result<std::unique_ptr<ConnTable>> create(uint32_t max_connections, Rcu& rcu,
                                                     const Timeouts& timeouts);
    ~ConnTable();
    ConnTable(const ConnTable&) = delete;
    ConnTable& operator=(const ConnTable&) = delete;

    // Readers (workers): the connection a key names and the key's direction; null: none.
    Conn* lookup(const Key& k, uint8_t& dir) const;
    // The same for n keys (n <= RTE_HASH_LOOKUP_BULK_MAX) in one bulk hash lookup: conns[i]
    // (null: none) and dirs[i] for keys[i].
    void lookup_bulk(const Key* const* keys, uint32_t n, Conn** conns, uint8_t* dirs) const;
    Conn* at(uint32_t index1) { return &conns_[index1 - 1]; }
    uint32_t index1(const Conn* c) const { return static_cast<uint32_t>(c - conns_.get()) + 1; }

    enum class Insert { ok, full, clash };
    // Stores a connection under both keys. `clash`: one of the keys already names one.
    Insert insert(const Key& orig, const Key& reply, uint64_t now_tsc, Conn** out = nullptr);
    // True when the key names a connection (the writers' view, under the lock).
    bool exists(const Key& k);

    // Control plane: removes connections idle past their timeout; returns how many.
    uint32_t sweep(uint64_t now_tsc, uint64_t tsc_hz);
    // Control plane: removes every connection (tests, reloads that change what is tracked).
    void clear();
    uint64_t timeout_tsc(const Conn& c, uint64_t tsc_hz) const;
    Stats stats() const;
    uint32_t capacity() const { return max_; }
    const Timeouts& timeouts() const { return timeouts_; }
    // Live connections for `vpnctl firewall connections` (a snapshot; up to `limit`).
    std::vector<Conn*> snapshot(uint32_t limit);

    // The mbuf's Mark (a dynamic field registered at creation).
    Mark& mark(rte_mbuf* m) const;

private:
    ConnTable() = default;
    void remove(uint32_t index);
    static void release(void* conn); // RCU callback: the slot is free again
    Rcu* rcu_ = nullptr;

    rte_hash* hash_ = nullptr;
    rte_ring* free_ = nullptr;
    std::unique_ptr<Conn[]> conns_;
    uint32_t max_ = 0;
    int mark_offset_ = -1;
    Timeouts timeouts_;
    // The writers' lock (rte_hash takes one writer at a time): held for a create or delete.
    std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
    void lock();
    void unlock() { lock_.clear(std::memory_order_release); }
    std::atomic<uint64_t> created_{0};
    std::atomic<uint64_t> expired_{0};
    std::atomic<uint64_t> live_{0};
};

} // namespace vp::dp::ct
