// The connection table: the lock-free hash (two keys per connection), the slot array and its free
// ring, creation under the writers' lock, the control plane's expiry sweep. A removed
// connection's slot returns to the free ring through the RCU domain's defer queue (reclaimed by
// the control loop), so no reader can still hold it when it is reused.
#include "dataplane/conntrack/conntrack.hpp"

#include "dataplane/tables/lf_hash.hpp"
#include <rte_errno.h>

#include <rte_hash_crc.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include <string>

namespace vp::dp::ct {

namespace {
std::atomic<uint32_t> table_counter{0};

// Key data: (index << 1 | direction) + 2, never null.
void* encode(uint32_t index, uint8_t dir) {
    return reinterpret_cast<void*>(static_cast<uintptr_t>((uint64_t{index} << 1 | dir) + 2));
}
void decode(void* data, uint32_t& index, uint8_t& dir) {
    auto v = reinterpret_cast<uintptr_t>(data) - 2;
    index = static_cast<uint32_t>(v >> 1);
    dir = static_cast<uint8_t>(v & 1);
}
} // namespace

Result<std::unique_ptr<ConnTable>> ConnTable::create(uint32_t max_connections, Rcu& rcu,
                                                     const Timeouts& timeouts) {
    if (max_connections == 0) return make_error("max_connections must be at least 1");
    std::unique_ptr<ConnTable> t(new ConnTable());
    t->max_ = max_connections;
    t->timeouts_ = timeouts;
    t->conns_ = std::make_unique<Conn[]>(max_connections);
    uint32_t n = table_counter.fetch_add(1);
    std::string name = "ct_free" + std::to_string(n);
    t->free_ = rte_ring_create_elem(name.c_str(), sizeof(uint32_t), max_connections, SOCKET_ID_ANY,
                                    RING_F_EXACT_SZ);
    if (!t->free_) return make_error("cannot create " + name + ": " + rte_strerror(rte_errno));
    for (uint32_t i = 0; i < max_connections; ++i)
        rte_ring_enqueue_elem(t->free_, &i, sizeof(uint32_t));
    // Two keys per connection, and room for keys waiting out their grace period.
    auto hash = create_lf_hash("ct_hash", 2 * max_connections + 1024, sizeof(Key), rcu, nullptr);
    if (!hash.ok()) return hash.error();
    t->hash_ = *hash;
    t->rcu_ = &rcu;
    for (uint32_t i = 0; i < max_connections; ++i)
        t->conns_[i].owner = t.get();
    static const rte_mbuf_dynfield field = {"vpnplane_conntrack_mark", sizeof(Mark), alignof(Mark),
                                            0};
    t->mark_offset_ = rte_mbuf_dynfield_register(&field);
    if (t->mark_offset_ < 0)
        return make_error(std::string("cannot register the conntrack mbuf field: ") +
                          rte_strerror(rte_errno));
    return t;
}

ConnTable::~ConnTable() {
    // Slots retired by the sweep are released into this table: let that happen first.
    if (rcu_) rcu_->synchronize();
    if (hash_) rte_hash_free(hash_);
    rte_ring_free(free_);
}

void ConnTable::lock() {
    while (lock_.test_and_set(std::memory_order_acquire))
        rte_pause();
}

Mark& ConnTable::mark(rte_mbuf* m) const {
    return *RTE_MBUF_DYNFIELD(m, mark_offset_, Mark*);
}

Conn* ConnTable::lookup(const Key& k, uint8_t& dir) const {
    void* data = nullptr;
    if (rte_hash_lookup_data(hash_, &k, &data) < 0) return nullptr;
    uint32_t index;
    decode(data, index, dir);
    return index < max_ ? &conns_[index] : nullptr;
}

void ConnTable::lookup_bulk(const Key* const* keys, uint32_t n, Conn** conns, uint8_t* dirs) const {
    if (n == 0) return;
    void* data[RTE_HASH_LOOKUP_BULK_MAX];
    uint64_t hits = 0;
    // rte_hash's prototype takes `const void**`; it only reads the keys.
    rte_hash_lookup_bulk_data(hash_,
                              const_cast<const void**>(reinterpret_cast<const void* const*>(keys)),
                              n, &hits, data);
    for (uint32_t i = 0; i < n; ++i) {
        conns[i] = nullptr;
        dirs[i] = 0;
        if (!(hits >> i & 1)) continue;
        uint32_t index;
        decode(data[i], index, dirs[i]);
        if (index < max_) conns[i] = &conns_[index];
    }
}

bool ConnTable::exists(const Key& k) {
    return rte_hash_lookup(hash_, &k) >= 0;
}

ConnTable::Insert ConnTable::insert(const Key& orig, const Key& reply, uint64_t now_tsc,
                                    Conn** out) {
    lock();
    if (exists(orig) || exists(reply)) {
        unlock();
        return Insert::clash;
    }
    uint32_t index;
    if (rte_ring_dequeue_elem(free_, &index, sizeof(uint32_t)) != 0) {
        unlock();
        return Insert::full;
    }
    Conn& c = conns_[index];
    c.key[0] = orig;
    c.key[1] = reply;
    c.last_tsc.store(now_tsc, std::memory_order_relaxed);
    uint8_t flags = orig == inverse(reply) ? 0 : flag_nat;
    c.flags.store(flags, std::memory_order_relaxed);
    c.live.store(true, std::memory_order_release);
    if (rte_hash_add_key_data(hash_, &orig, encode(index, 0)) != 0) {
        c.live.store(false, std::memory_order_relaxed);
        rte_ring_enqueue_elem(free_, &index, sizeof(uint32_t)); // no reader can have seen it
        unlock();
        return Insert::full;
    }
    bool reply_ok = rte_hash_add_key_data(hash_, &reply, encode(index, 1)) == 0;
    created_.fetch_add(1, std::memory_order_relaxed);
    live_.fetch_add(1, std::memory_order_relaxed);
    if (!reply_ok) {
        // The hash's key slots are all waiting out grace periods: the connection keeps its
        // original key only and expires like any other (the sweep's deletes recycle it).
        unlock();
        return Insert::full;
    }
    unlock();
    if (out) *out = &c;
    return Insert::ok;
}

void ConnTable::release(void* p) {
    auto* c = static_cast<Conn*>(p);
    ConnTable* t = c->owner;
    uint32_t index = t->index1(c) - 1;
    rte_ring_enqueue_elem(t->free_, &index, sizeof(uint32_t));
}

void ConnTable::remove(uint32_t index) {
    Conn& c = conns_[index];
    c.live.store(false, std::memory_order_relaxed);
    lock();
    rte_hash_del_key(hash_, &c.key[1]);
    rte_hash_del_key(hash_, &c.key[0]);
    unlock();
    live_.fetch_sub(1, std::memory_order_relaxed);
    // Readers may still hold the slot: it returns to the free ring after a grace period.
    rcu_->retire(&ConnTable::release, &c);
}

uint64_t ConnTable::timeout_tsc(const Conn& c, uint64_t tsc_hz) const {
    uint8_t f = c.flags.load(std::memory_order_relaxed);
    uint32_t s;
    switch (c.key[0].proto) {
    case 6:
        s = (f & flag_closing) || !(f & flag_replied) ? timeouts_.tcp_transitory
                                                      : timeouts_.tcp_established;
        break;
    case 17:
        s = (f & flag_replied) ? timeouts_.udp_stream : timeouts_.udp;
        break;
    case 1:
        s = timeouts_.icmp;
        break;
    default:
        s = timeouts_.generic;
    }
    return s * tsc_hz;
}

uint32_t ConnTable::sweep(uint64_t now_tsc, uint64_t tsc_hz) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < max_; ++i) {
        Conn& c = conns_[i];
        if (!c.live.load(std::memory_order_acquire)) continue;
        uint64_t last = c.last_tsc.load(std::memory_order_relaxed);
        if (now_tsc > last && now_tsc - last > timeout_tsc(c, tsc_hz)) {
            remove(i);
            ++n;
        }
    }
    expired_.fetch_add(n, std::memory_order_relaxed);
    return n;
}

void ConnTable::clear() {
    for (uint32_t i = 0; i < max_; ++i)
        if (conns_[i].live.load(std::memory_order_acquire)) remove(i);
}

Stats ConnTable::stats() const {
    return {live_.load(std::memory_order_relaxed), created_.load(std::memory_order_relaxed),
            expired_.load(std::memory_order_relaxed), max_};
}

std::vector<Conn*> ConnTable::snapshot(uint32_t limit) {
    std::vector<Conn*> out;
    for (uint32_t i = 0; i < max_ && out.size() < limit; ++i)
        if (conns_[i].live.load(std::memory_order_acquire)) out.push_back(&conns_[i]);
    return out;
}

} // namespace vp::dp::ct
