// The session rate limit's semantics (dataplane/session/session_meter.hpp): packets offered to
// the meters on a simulated TSC clock, the admitted bytes compared with what RouterOS's
// rate-limit promises (rate, burst-rate for threshold * burst-time / burst-rate seconds).
#include "dataplane/session/session_meter.hpp"

#include <gtest/gtest.h>
#include <rte_cycles.h>

#include <cstdint>

namespace vp::dp {
namespace {

constexpr uint32_t kPacket = 1000; // bytes

// Offers `offered_Bps` bytes/s in kPacket packets from `*clock` for `seconds`; returns the bytes
// admitted and advances the clock.
uint64_t offer(DirectionMeter& m, uint64_t& clock, double offered_Bps, double seconds) {
    const double hz = static_cast<double>(rte_get_tsc_hz());
    const auto packets = static_cast<uint64_t>(offered_Bps * seconds / kPacket);
    const double gap = hz * kPacket / offered_Bps;
    const uint64_t start = clock;
    uint64_t admitted = 0;
    for (uint64_t i = 0; i < packets; ++i) {
        uint64_t t = start + static_cast<uint64_t>(gap * static_cast<double>(i));
        if (m.admit(t, kPacket)) admitted += kPacket;
    }
    clock = start + static_cast<uint64_t>(hz * seconds);
    return admitted;
}

uint64_t one_second() {
    return rte_get_tsc_hz();
}

TEST(SessionMeter, WithoutABurstTheRateCapsTheAverage) {
    DirectionMeter m;
    uint64_t clock = 1000 * one_second();
    ASSERT_TRUE(m.configure({8'000'000, 0, 0, 0}, clock)); // 8 Mbit/s = 1 MB/s
    // Four times the rate for 10 s: 10 MB plus the initial bucket (0.1 s and the queue's worth),
    // within 1 %.
    uint64_t admitted = offer(m, clock, 4'000'000, 10);
    EXPECT_NEAR(static_cast<double>(admitted), 10'000'000 + 100'000 + kQueueBytes, 101'000);
    // Then half the rate: everything passes.
    EXPECT_EQ(offer(m, clock, 500'000, 5), 2'500'000u);
}

TEST(SessionMeter, UnlimitedAdmitsEverything) {
    DirectionMeter m;
    uint64_t clock = one_second();
    ASSERT_TRUE(m.configure({}, clock));
    EXPECT_FALSE(m.limited());
    EXPECT_EQ(offer(m, clock, 100'000'000, 1), 100'000'000u);
}

TEST(SessionMeter, BurstRateForThresholdTimesBurstTimeOverBurstRateSeconds) {
    // rate 8M, burst-rate 16M, threshold 4M, burst-time 8 s: RouterOS bursts at 2 MB/s for
    // 4M * 8 / 16M = 2 s from idle, then holds 1 MB/s.
    DirectionMeter m;
    uint64_t clock = 1000 * one_second();
    ASSERT_TRUE(m.configure({8'000'000, 16'000'000, 4'000'000, 8}, clock));
    uint64_t burst = offer(m, clock, 4'000'000, 2);
    EXPECT_NEAR(static_cast<double>(burst), 4'000'000, 200'000); // 2 s at the burst-rate
    uint64_t after = offer(m, clock, 4'000'000, 8);
    EXPECT_NEAR(static_cast<double>(after), 8'000'000, 200'000); // 8 s at the rate
    // Idle long enough to earn the burst back (the extra 2 MB at the 1 MB/s rate, plus margin),
    // and the next 2 s burst again.
    clock += 3 * one_second();
    EXPECT_NEAR(static_cast<double>(offer(m, clock, 4'000'000, 2)), 4'000'000, 200'000);
}

TEST(SessionMeter, TheMappingOntoTrTcm) {
    auto p = meter_params({8'000'000, 0, 0, 0});
    ASSERT_TRUE(p) << p.message();
    EXPECT_EQ(p->cir, 1'000'000u);
    EXPECT_EQ(p->pir, 1'000'000u);
    EXPECT_EQ(p->cbs, 100'000u + kQueueBytes); // 0.1 s and what RouterOS's queue would hold
    EXPECT_EQ(p->pbs, 100'000u + kQueueBytes);
    p = meter_params({64'000, 0, 0, 0});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->cbs, 800u + kQueueBytes);
    p = meter_params({8'000'000, 16'000'000, 4'000'000, 8});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->pir, 2'000'000u);
    EXPECT_EQ(p->pbs, 200'000u + kQueueBytes);
    EXPECT_EQ(p->cbs, 100'000u + kQueueBytes + 2'000'000u); // + (16M-8M) * 4M * 8 / 16M bits
    EXPECT_FALSE(meter_params({}));
    EXPECT_FALSE(meter_params({8'000'000, 4'000'000, 4'000'000, 8}));  // burst below the rate
    EXPECT_FALSE(meter_params({8'000'000, 16'000'000, 9'000'000, 8})); // threshold above it
}

TEST(SessionMeter, EachDirectionHasItsOwnMeter) {
    auto meter = make_session_meter({{8'000'000, 0, 0, 0}, {}}, 1000 * one_second());
    ASSERT_TRUE(meter) << meter.message();
    EXPECT_TRUE((*meter)->rx.limited());
    EXPECT_FALSE((*meter)->tx.limited());
    EXPECT_FALSE(make_session_meter({{8'000'000, 1, 1, 1}, {}}, 0));
}

} // namespace
} // namespace vp::dp
