// The budget for replies to new clients (resets answered with an HMAC cookie). Each reply goes to
// an address nobody has verified yet, so it is a reflection: the budget keeps the server from
// being anyone's reflector, while a spoofed flood must not spend the replies that real clients
// need. Three pools, in the order they are tried:
//
//  - remembered sources: addresses that completed the three-way exchange before (a small keyed
//    set) are answered from their own pool, so a returning client gets in whatever the flood;
//  - per source /24: no network receives more than `prefix_limit` replies per period (the
//    reflection limit toward any one victim), so a flood from a few prefixes spends only its own;
//  - the global ceiling (`limit` per period, OpenVPN's connect-freq-initial): once a flood from
//    many prefixes has spent it, a prefix still gets `prefix_reserve` replies per period (within
//    its own limit), so a client from a network the flood does not use is answered. The reserve
//    is bounded by the prefix table's size, so the worst case stays finite.
//
// A client that echoes the cookie proves the reply was no reflection: it is refunded to the pool
// that paid for it, so a /24 whose clients do connect does not run out.
//
// Prefixes and remembered addresses are placed by a keyed hash (random key per server), so an
// attacker can neither aim at a slot nor build probe chains. Time is passed in (ms).
#pragma once

#include "base/ipv4.hpp"
#include "control/ovpn/cookie.hpp"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vp::ovpn {

struct InitialBudgetConfig {
    uint32_t limit = 100;       // global replies per period (initial_packet_limit)
    uint32_t period_s = 10;     // initial_packet_period
    uint32_t prefix_limit = 10; // replies per source /24 per period (initial_packet_prefix_limit)
    bool operator==(const InitialBudgetConfig&) const = default;
};

class InitialBudget {
public:
    enum class Verdict : uint8_t {
        Known,      // answered: a remembered source, from its own pool
        Answer,     // answered within the prefix budget and the global ceiling
        Reserve,    // answered: the global ceiling is spent, from the prefix's reserve
        DropPrefix, // not answered: this /24 has had its replies for the period
        DropGlobal, // not answered: the global ceiling and the prefix's reserve are spent
    };
    static bool answered(Verdict v) { return v <= Verdict::Reserve; }

    static constexpr uint32_t prefix_slots = 16384;    // /24s tracked at once (reserve bound)
    static constexpr uint32_t prefix_reserve = 2;      // per /24 per period beyond the ceiling
    static constexpr uint32_t probe_length = 8;        // slots looked at per prefix
    static constexpr uint32_t remembered_slots = 1024; // remembered client addresses
    static constexpr uint64_t remember_ms = 24ull * 3600 * 1000;

    explicit InitialBudget(const InitialBudgetConfig& config);
    InitialBudget(const InitialBudgetConfig& config, const std::array<uint8_t, 32>& key);

    // A reset from `source` wants a reply at `now_ms`: charges the pool that answers it.
    Verdict admit(net::Ipv4 source, uint64_t now_ms);
    // `source` echoed our cookie: it is real. Refunds its reply (only unanswered replies count,
    // as before) and remembers the address.
    void completed(net::Ipv4 source, uint64_t now_ms);
    bool remembered(net::Ipv4 source, uint64_t now_ms) const;

    const InitialBudgetConfig& config() const { return config_; }

private:
    struct PrefixSlot {
        uint32_t prefix = 0;       // the /24's network address | 1 (0 = empty; host bits are free)
        uint32_t count = 0;        // replies in the current window, within the global ceiling
        uint32_t reserve_used = 0; // replies in the current window beyond the ceiling
        uint64_t window_start_ms = 0;
    };
    struct RememberedSlot {
        net::Ipv4 address = 0;
        uint64_t seen_ms = 0;
        bool used = false;
    };

    uint64_t keyed_hash(uint32_t value, uint8_t domain) const;
    PrefixSlot* prefix_slot(net::Ipv4 source, uint64_t now_ms);
    const RememberedSlot* find_remembered(net::Ipv4 source, uint64_t now_ms) const;

    InitialBudgetConfig config_;
    uint64_t period_ms_;
    std::array<uint8_t, 32> key_{};
    RateLimiter global_;
    RateLimiter known_;
    std::vector<PrefixSlot> prefixes_;
    std::vector<RememberedSlot> remembered_;
};

std::string_view to_string(InitialBudget::Verdict v);

} // namespace vp::ovpn
