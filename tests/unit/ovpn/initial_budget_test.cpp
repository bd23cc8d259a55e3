// InitialBudget with a fixed key and a hand-driven clock: the per-/24 reflection limit, the global
// ceiling, the reserve that lets a quiet prefix through a flood, remembered sources, and a flood
// spread over thousands of prefixes that leaves a new client from another /24 its reply.
#include "control/ovpn/initial_budget.hpp"

#include <gtest/gtest.h>

using namespace vp::ovpn;
using V = InitialBudget::Verdict;

namespace {

constexpr std::array<uint8_t, 32> key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

InitialBudget make(uint32_t limit, uint32_t prefix_limit, uint32_t period_s = 10) {
    return InitialBudget({limit, period_s, prefix_limit}, key);
}

uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

} // namespace

TEST(InitialBudget, OnePrefixGetsItsLimitPerPeriodAndNoMore) {
    auto b = make(1000, 5);
    uint64_t now = 1'000;
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(b.admit(ip(198, 51, 100, uint8_t(i)), now), V::Answer);
    // Any host of the same /24 counts against it: the victim network is what is limited.
    EXPECT_EQ(b.admit(ip(198, 51, 100, 200), now), V::DropPrefix);
    EXPECT_EQ(b.admit(ip(198, 51, 100, 7), now + 9'999), V::DropPrefix);
    // Another /24 is not affected.
    EXPECT_EQ(b.admit(ip(198, 51, 101, 7), now), V::Answer);
    // A new period: the /24 has its budget again.
    EXPECT_EQ(b.admit(ip(198, 51, 100, 7), now + 10'000), V::Answer);
}

TEST(InitialBudget, GlobalCeilingThenAReservePerPrefix) {
    auto b = make(3, 10);
    uint64_t now = 5'000;
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(b.admit(ip(203, 0, 113, 1), now), V::Answer);
    // The ceiling is spent: each /24 still gets its reserve, and no more.
    for (uint32_t i = 0; i < InitialBudget::prefix_reserve; ++i) {
        EXPECT_EQ(b.admit(ip(203, 0, 113, 1), now), V::Reserve);
        EXPECT_EQ(b.admit(ip(192, 0, 2, 9), now), V::Reserve);
    }
    EXPECT_EQ(b.admit(ip(203, 0, 113, 1), now), V::DropGlobal);
    EXPECT_EQ(b.admit(ip(192, 0, 2, 9), now + 1), V::DropGlobal);
    // A client that echoes its cookie gives its /24 the reserve back.
    b.completed(ip(192, 0, 2, 9), now + 2);
    EXPECT_EQ(b.admit(ip(192, 0, 2, 10), now + 3), V::Reserve);
    EXPECT_EQ(b.admit(ip(192, 0, 2, 10), now + 3), V::DropGlobal);
    // Next period the ceiling is back.
    EXPECT_EQ(b.admit(ip(203, 0, 113, 1), now + 10'000), V::Answer);
}

TEST(InitialBudget, TheReserveStaysWithinThePrefixLimit) {
    auto b = make(1, 2);
    EXPECT_EQ(b.admit(ip(198, 18, 0, 1), 0), V::Answer);
    EXPECT_EQ(b.admit(ip(198, 18, 0, 1), 0), V::Reserve);
    EXPECT_EQ(b.admit(ip(198, 18, 0, 1), 0), V::DropPrefix);
}

TEST(InitialBudget, CompletedHandshakesRefundAndAreRemembered) {
    auto b = make(2, 10);
    uint64_t now = 0;
    uint32_t client = ip(100, 64, 7, 7);
    EXPECT_FALSE(b.remembered(client, now));
    EXPECT_EQ(b.admit(client, now), V::Answer);
    EXPECT_EQ(b.admit(ip(100, 64, 8, 1), now), V::Answer);
    b.completed(client, now); // refunds one
    EXPECT_EQ(b.admit(ip(100, 64, 9, 1), now), V::Answer);
    EXPECT_TRUE(b.remembered(client, now));
    EXPECT_FALSE(b.remembered(client + 1, now));
    // The ceiling is spent; a remembered address is answered from the remembered pool (as many
    // per period as the ceiling), then from its /24's reserve.
    EXPECT_EQ(b.admit(client, now), V::Known);
    EXPECT_EQ(b.admit(client, now), V::Known);
    EXPECT_EQ(b.admit(client, now), V::Reserve);
    // Remembered for a day, then forgotten.
    EXPECT_TRUE(b.remembered(client, InitialBudget::remember_ms - 1));
    EXPECT_FALSE(b.remembered(client, InitialBudget::remember_ms));
}

TEST(InitialBudget, SpoofedFloodOverManyPrefixesLeavesANewClientItsReply) {
    // 20,000 resets a second for 30 s from 4,096 /24s (random hosts), with OpenVPN's default
    // ceiling: the flood is mostly dropped, every /24 of it gets at most its limit per period,
    // and a client from a /24 the flood does not use is answered on its first try, every time.
    auto b = make(100, 10);
    uint64_t answered_total = 0, dropped = 0, client_tries = 0, client_answers = 0;
    uint32_t rng = 12345;
    auto next = [&] {
        rng = rng * 1664525u + 1013904223u;
        return rng;
    };
    std::vector<uint32_t> per_prefix(4096, 0);
    uint64_t window = 0;
    for (uint64_t ms = 0; ms < 30'000; ++ms) {
        if (ms / 10'000 != window) {
            window = ms / 10'000;
            std::fill(per_prefix.begin(), per_prefix.end(), 0);
        }
        for (int i = 0; i < 20; ++i) {
            uint32_t r = next();
            uint32_t prefix = (r >> 8) % 4096;
            uint32_t src = ip(172, 16, 0, 0) + (prefix << 8) + (r & 0xff);
            V v = b.admit(src, ms);
            if (InitialBudget::answered(v)) {
                ++answered_total;
                ++per_prefix[prefix];
                // Windows are per prefix, so allow one window boundary inside a period.
                ASSERT_LE(per_prefix[prefix], 2u * 10u);
            } else {
                ++dropped;
            }
        }
        if (ms % 2'000 == 0) { // a new client (from its own /24) every 2 s
            ++client_tries;
            uint32_t client = ip(10, 1, uint8_t(ms / 2'000), 5);
            if (InitialBudget::answered(b.admit(client, ms))) ++client_answers;
        }
    }
    EXPECT_EQ(client_answers, client_tries);
    EXPECT_GT(dropped, 500'000u);
    // Worst case: the ceiling plus the reserve of each /24, per period.
    EXPECT_LE(answered_total, 3u * (100u + InitialBudget::prefix_reserve * 4096u));
}

TEST(InitialBudget, AFloodFromTheClientsOwnPrefixDoesNotLockOutARememberedClient) {
    auto b = make(100, 10);
    uint32_t client = ip(10, 1, 0, 2);
    ASSERT_EQ(b.admit(client, 0), V::Answer);
    b.completed(client, 0);
    uint64_t known = 0;
    for (uint64_t ms = 0; ms < 20'000; ms += 1) {
        b.admit(ip(10, 1, 0, uint8_t(ms % 250 + 3)), ms); // flood in the same /24
        b.admit(ip(10, 9, uint8_t(ms), 1), ms);           // and everywhere else
        if (ms % 1'000 == 0 && b.admit(client, ms) == V::Known) ++known;
    }
    EXPECT_EQ(known, 20u);
}

TEST(InitialBudget, TheKeyDecidesWhereAPrefixLives) {
    // With more prefixes than slots some probe chains overflow (those prefixes then have only
    // the ceiling). Which ones depends on the key, so a chain cannot be aimed at without it.
    std::array<uint8_t, 32> other_key = key;
    other_key[0] ^= 0x80;
    auto overflowing = [](const std::array<uint8_t, 32>& k) {
        InitialBudget b({1000000, 10, 1}, k);
        std::vector<uint32_t> out;
        for (uint32_t p = 0; p < InitialBudget::prefix_slots + 4096; ++p) {
            b.admit(p << 8, 0);
            if (b.admit(p << 8, 0) == V::Answer) out.push_back(p); // no slot: not limited
        }
        return out;
    };
    auto a = overflowing(key);
    auto b = overflowing(other_key);
    EXPECT_GE(a.size(), 4096u);
    EXPECT_GE(b.size(), 4096u);
    EXPECT_NE(a, b);
}
