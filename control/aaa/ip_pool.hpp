// One IP pool (RouterOS /ip pool): a set of address ranges from which sessions lease addresses.
//
// Free addresses sit in a FIFO list threaded through two index arrays, so allocate, release,
// take and reserve are O(1) and the pool never scans; mapping an address to its index is a
// binary search over the ranges (O(log ranges)). Memory is 9 bytes per address (a /16 is
// ~590 KB; pools are capped at kMaxAddresses).
//
// Why FIFO: an address released a moment ago goes to the back of the queue, so it is handed out
// again only after every other free address. The previous holder's traffic may still be in
// flight, LAN hosts may still have its ARP/conntrack entries, the workers may still see its
// session entry until an RCU grace period passes, and logs would blame the next user for it.
// Never-used addresses are handed out in ascending order first.
//
// An address is in one of four states: free (in the list), leased, reserved (a fixed address of
// the configuration that lies inside the pool: never handed out), or leased and reserved (a
// static lease, or a dynamic lease that a reload made static; on release it stays reserved).
// Not thread-safe: LocalAaa serialises access.
#pragma once

#include "base/ipv4.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vp::aaa {

class IpPool {
public:
    static constexpr uint64_t kMaxAddresses = uint64_t{1} << 20; // a /12

    // `ranges` must not overlap and must hold at most kMaxAddresses addresses (the config
    // parser checks both); they are handed out in ascending address order.
    IpPool(std::string name, std::vector<net::Ipv4Range> ranges);

    const std::string& name() const { return name_; }
    const std::vector<net::Ipv4Range>& ranges() const { return ranges_; }
    bool contains(net::Ipv4 address) const { return index_of(address).has_value(); }

    // The least recently released free address (never-used ones first), or nullopt when full.
    std::optional<net::Ipv4> allocate();
    // Returns a leased address. False (and no change) if it is not leased from this pool.
    bool release(net::Ipv4 address);
    // Marks a specific address leased (a static address, or a lease carried over a reload).
    // False if it is outside the pool or already leased.
    bool take(net::Ipv4 address);
    // Keeps an address out of dynamic allocation for the pool's lifetime. False if outside.
    bool reserve(net::Ipv4 address);

    bool is_leased(net::Ipv4 address) const;
    bool is_reserved(net::Ipv4 address) const;

    uint64_t size() const { return size_; }
    uint64_t leased() const { return leased_; }
    uint64_t reserved() const { return reserved_; }
    uint64_t available() const { return free_; } // neither leased nor reserved

private:
    static constexpr uint32_t kNil = UINT32_MAX;
    static constexpr uint8_t kLeased = 1;
    static constexpr uint8_t kReserved = 2;

    std::optional<uint32_t> index_of(net::Ipv4 address) const;
    net::Ipv4 address_of(uint32_t index) const;
    void unlink(uint32_t index);
    void push_back(uint32_t index);

    std::string name_;
    std::vector<net::Ipv4Range> ranges_; // sorted by first address
    std::vector<uint32_t> offsets_;      // index of each range's first address
    uint64_t size_ = 0;
    std::vector<uint32_t> next_, prev_; // the free list, by index
    std::vector<uint8_t> state_;
    uint32_t head_ = kNil, tail_ = kNil;
    uint64_t leased_ = 0, reserved_ = 0, free_ = 0;
};

} // namespace vp::aaa
