// The budget for replies to new clients: remembered sources, per-/24 windows, the global ceiling.
#include "control/ovpn/initial_budget.hpp"

#include <openssl/rand.h>

#include <bit>

namespace vp::ovpn {

namespace {

constexpr uint8_t domain_prefix = 1;
constexpr uint8_t domain_address = 2;

uint64_t load_le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

// SipHash-2-4 of one 64-bit word: a keyed PRF that is cheap enough for every reset of a flood
// (an HMAC per packet would cost more than the reply).
uint64_t siphash_word(uint64_t k0, uint64_t k1, uint64_t m) {
    uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    auto round = [&] {
        v0 += v1;
        v1 = std::rotl(v1, 13) ^ v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16) ^ v2;
        v0 += v3;
        v3 = std::rotl(v3, 21) ^ v0;
        v2 += v1;
        v1 = std::rotl(v1, 17) ^ v2;
        v2 = std::rotl(v2, 32);
    };
    for (uint64_t block : {m, uint64_t{8} << 56}) {
        v3 ^= block;
        round();
        round();
        v0 ^= block;
    }
    v2 ^= 0xff;
    for (int i = 0; i < 4; ++i)
        round();
    return v0 ^ v1 ^ v2 ^ v3;
}

std::array<uint8_t, 32> random_key() {
    std::array<uint8_t, 32> k{};
    RAND_bytes(k.data(), static_cast<int>(k.size()));
    return k;
}

} // namespace

InitialBudget::InitialBudget(const InitialBudgetConfig& config)
    : InitialBudget(config, random_key()) {}

InitialBudget::InitialBudget(const InitialBudgetConfig& config, const std::array<uint8_t, 32>& key)
    : config_(config), period_ms_(uint64_t{config.period_s} * 1000), key_(key),
      global_(config.limit, config.period_s), known_(config.limit, config.period_s),
      prefixes_(prefix_slots), remembered_(remembered_slots) {}

uint64_t InitialBudget::keyed_hash(uint32_t value, uint8_t domain) const {
    return siphash_word(load_le64(key_.data()), load_le64(key_.data() + 8),
                        uint64_t{domain} << 32 | value);
}

InitialBudget::PrefixSlot* InitialBudget::prefix_slot(net::Ipv4 source, uint64_t now_ms) {
    uint32_t prefix = (source & 0xffffff00u) | 1;
    uint64_t start = keyed_hash(prefix, domain_prefix);
    PrefixSlot* free = nullptr;
    for (uint32_t i = 0; i < probe_length; ++i) {
        PrefixSlot& s = prefixes_[(start + i) % prefix_slots];
        bool expired = s.prefix == 0 || now_ms - s.window_start_ms >= period_ms_;
        if (s.prefix == prefix) {
            if (expired) s = PrefixSlot{prefix, 0, 0, now_ms};
            return &s;
        }
        // A slot whose window has passed holds nothing a fresh one would not: reuse it.
        if (expired && !free) free = &s;
    }
    if (free) {
        *free = PrefixSlot{prefix, 0, 0, now_ms};
        return free;
    }
    return nullptr; // every slot of the chain is busy: the prefix gets only the global ceiling
}

InitialBudget::Verdict InitialBudget::admit(net::Ipv4 source, uint64_t now_ms) {
    if (remembered(source, now_ms) && known_.allow(now_ms)) return Verdict::Known;
    PrefixSlot* slot = prefix_slot(source, now_ms);
    if (slot && slot->count + slot->reserve_used >= config_.prefix_limit)
        return Verdict::DropPrefix;
    if (global_.allow(now_ms)) {
        if (slot) ++slot->count;
        return Verdict::Answer;
    }
    if (slot && slot->reserve_used < prefix_reserve) {
        ++slot->reserve_used;
        return Verdict::Reserve;
    }
    return Verdict::DropGlobal;
}

const InitialBudget::RememberedSlot* InitialBudget::find_remembered(net::Ipv4 source,
                                                                    uint64_t now_ms) const {
    uint64_t h = keyed_hash(source, domain_address);
    for (uint32_t i = 0; i < 2; ++i) {
        const RememberedSlot& s = remembered_[(h + i) % remembered_slots];
        if (s.used && s.address == source && now_ms - s.seen_ms < remember_ms) return &s;
    }
    return nullptr;
}

bool InitialBudget::remembered(net::Ipv4 source, uint64_t now_ms) const {
    return find_remembered(source, now_ms) != nullptr;
}

void InitialBudget::completed(net::Ipv4 source, uint64_t now_ms) {
    // The reply was paid from the reserve if the /24 used any, else from the ceiling.
    PrefixSlot* slot = prefix_slot(source, now_ms);
    if (slot && slot->reserve_used > 0) {
        --slot->reserve_used;
    } else {
        if (slot && slot->count > 0) --slot->count;
        global_.refund();
    }

    // Two candidate slots: refresh the address's own, else take the older one.
    uint64_t h = keyed_hash(source, domain_address);
    RememberedSlot& a = remembered_[h % remembered_slots];
    RememberedSlot& b = remembered_[(h + 1) % remembered_slots];
    RememberedSlot* target = &a;
    if (b.used && b.address == source)
        target = &b;
    else if (!(a.used && a.address == source) && a.used && (!b.used || b.seen_ms < a.seen_ms))
        target = &b;
    *target = RememberedSlot{source, now_ms, true};
}

std::string_view to_string(InitialBudget::Verdict v) {
    switch (v) {
    case InitialBudget::Verdict::Known:
        return "remembered source";
    case InitialBudget::Verdict::Answer:
        return "answered";
    case InitialBudget::Verdict::Reserve:
        return "answered from the prefix reserve";
    case InitialBudget::Verdict::DropPrefix:
        return "source /24 over its budget";
    case InitialBudget::Verdict::DropGlobal:
        return "global ceiling spent";
    }
    return "?";
}

} // namespace vp::ovpn
