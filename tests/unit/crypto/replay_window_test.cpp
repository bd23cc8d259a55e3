// ReplayWindow: in-order and reordered delivery, duplicates, ids older than the window, far
// jumps, id 0, check() not changing state, and all supported sizes, compared with a simple
// reference model (a set of seen ids and the highest id).
#include "crypto/replay_window.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace vp::crypto {
namespace {

TEST(ReplayWindow, InOrderIdsAreAcceptedOnce) {
    ReplayWindow w;
    EXPECT_EQ(w.window_bits(), ReplayWindow::kDefaultBits);
    for (uint64_t pid = 1; pid <= 5000; ++pid) {
        ASSERT_EQ(w.check(pid), ReplayVerdict::Ok);
        ASSERT_EQ(w.accept(pid), ReplayVerdict::Ok);
        ASSERT_EQ(w.check(pid), ReplayVerdict::Replay);
        ASSERT_EQ(w.accept(pid), ReplayVerdict::Replay);
    }
    EXPECT_EQ(w.highest(), 5000u);
}

TEST(ReplayWindow, ZeroIsNeverValid) {
    ReplayWindow w(64);
    EXPECT_EQ(w.check(0), ReplayVerdict::ZeroId);
    EXPECT_EQ(w.accept(0), ReplayVerdict::ZeroId);
    EXPECT_EQ(w.highest(), 0u);
    EXPECT_EQ(w.accept(1), ReplayVerdict::Ok);
    EXPECT_EQ(w.accept(0), ReplayVerdict::ZeroId);
}

TEST(ReplayWindow, CheckDoesNotChangeState) {
    ReplayWindow w(64);
    EXPECT_EQ(w.check(10), ReplayVerdict::Ok);
    EXPECT_EQ(w.check(10), ReplayVerdict::Ok);
    EXPECT_EQ(w.highest(), 0u);
    ASSERT_EQ(w.accept(10), ReplayVerdict::Ok);
    EXPECT_EQ(w.check(1000), ReplayVerdict::Ok);
    EXPECT_EQ(w.check(9), ReplayVerdict::Ok); // still inside the window: 1000 was not accepted
    EXPECT_EQ(w.highest(), 10u);
}

TEST(ReplayWindow, ReorderedWithinTheWindowIsAcceptedAndDuplicatesAreNot) {
    ReplayWindow w(64);
    ASSERT_EQ(w.accept(100), ReplayVerdict::Ok);
    EXPECT_EQ(w.accept(99), ReplayVerdict::Ok);
    EXPECT_EQ(w.accept(37), ReplayVerdict::Ok); // 100 - 37 = 63 < 64
    EXPECT_EQ(w.accept(36), ReplayVerdict::TooOld);
    EXPECT_EQ(w.accept(99), ReplayVerdict::Replay);
    EXPECT_EQ(w.accept(37), ReplayVerdict::Replay);
    EXPECT_EQ(w.accept(50), ReplayVerdict::Ok);
    EXPECT_EQ(w.accept(101), ReplayVerdict::Ok);
    EXPECT_EQ(w.accept(37), ReplayVerdict::TooOld); // slid out
    EXPECT_EQ(w.accept(38), ReplayVerdict::Ok);
}

TEST(ReplayWindow, FarJumpsClearStaleBits) {
    ReplayWindow w(128);
    for (uint64_t pid = 1; pid <= 128; ++pid)
        ASSERT_EQ(w.accept(pid), ReplayVerdict::Ok);
    // Jump by exactly the window: every old slot now belongs to a new, unseen id.
    ASSERT_EQ(w.accept(256), ReplayVerdict::Ok);
    for (uint64_t pid = 129; pid < 256; ++pid)
        ASSERT_EQ(w.check(pid), ReplayVerdict::Ok) << pid;
    EXPECT_EQ(w.check(128), ReplayVerdict::TooOld);
    // Jumps smaller than the window keep the ids still inside it.
    ASSERT_EQ(w.accept(200), ReplayVerdict::Ok);
    ASSERT_EQ(w.accept(300), ReplayVerdict::Ok);
    EXPECT_EQ(w.check(200), ReplayVerdict::Replay);
    EXPECT_EQ(w.check(256), ReplayVerdict::Replay);
    EXPECT_EQ(w.check(172), ReplayVerdict::TooOld);
    // A jump of billions (32-bit wrap territory and beyond).
    ASSERT_EQ(w.accept(uint64_t{1} << 40), ReplayVerdict::Ok);
    EXPECT_EQ(w.check(300), ReplayVerdict::TooOld);
    EXPECT_EQ(w.check((uint64_t{1} << 40) - 1), ReplayVerdict::Ok);
    EXPECT_EQ(w.check((uint64_t{1} << 40) - 127), ReplayVerdict::Ok);
    EXPECT_EQ(w.check((uint64_t{1} << 40) - 128), ReplayVerdict::TooOld);
}

TEST(ReplayWindow, SizesAreRoundedToSupportedPowersOfTwo) {
    EXPECT_EQ(ReplayWindow(64).window_bits(), 64u);
    EXPECT_EQ(ReplayWindow(65536).window_bits(), 65536u);
    EXPECT_EQ(ReplayWindow(1).window_bits(), 64u);
    EXPECT_EQ(ReplayWindow(100).window_bits(), 128u);
    EXPECT_EQ(ReplayWindow(1u << 20).window_bits(), 65536u);
    EXPECT_TRUE(ReplayWindow::valid_size(2048));
    EXPECT_FALSE(ReplayWindow::valid_size(32));
    EXPECT_FALSE(ReplayWindow::valid_size(3000));
    EXPECT_FALSE(ReplayWindow::valid_size(131072));
}

TEST(ReplayWindow, ResetForgetsEverything) {
    ReplayWindow w(64);
    ASSERT_EQ(w.accept(5), ReplayVerdict::Ok);
    w.reset();
    EXPECT_EQ(w.highest(), 0u);
    EXPECT_EQ(w.accept(5), ReplayVerdict::Ok);
}

// Random traffic (bursts of reordering, duplicates, jumps, stale ids) against a reference model,
// for every supported size.
TEST(ReplayWindow, MatchesAReferenceModelForEverySize) {
    for (uint32_t bits = ReplayWindow::kMinBits; bits <= ReplayWindow::kMaxBits; bits <<= 1) {
        SCOPED_TRACE("window " + std::to_string(bits));
        ReplayWindow w(bits);
        ASSERT_EQ(w.window_bits(), bits);
        std::set<uint64_t> seen;
        uint64_t highest = 0;
        std::mt19937_64 rng(bits);
        uint64_t next = 1;
        for (int step = 0; step < 20000; ++step) {
            uint64_t pid;
            switch (rng() % 8) {
            case 0: // duplicate of something recent
                pid = highest > 0 ? highest - rng() % std::min<uint64_t>(highest, 2 * bits) : 0;
                break;
            case 1: // far jump
                next += rng() % (4 * uint64_t{bits});
                pid = next++;
                break;
            case 2: // stale
                pid = highest > bits ? highest - bits - rng() % bits : 1;
                break;
            default: // mostly in order with reordering inside the window
                pid = next + rng() % 16;
                pid = pid > rng() % bits ? pid - rng() % bits : pid;
                next += 1 + rng() % 3;
                break;
            }
            ReplayVerdict expect;
            if (pid == 0)
                expect = ReplayVerdict::ZeroId;
            else if (pid > highest)
                expect = ReplayVerdict::Ok;
            else if (highest - pid >= bits)
                expect = ReplayVerdict::TooOld;
            else
                expect = seen.count(pid) ? ReplayVerdict::Replay : ReplayVerdict::Ok;
            ASSERT_EQ(w.check(pid), expect) << "step " << step << " pid " << pid;
            const bool authentic = rng() % 16 != 0; // forged packets never reach accept()
            if (!authentic) continue;
            ASSERT_EQ(w.accept(pid), expect);
            if (expect == ReplayVerdict::Ok) {
                seen.insert(pid);
                highest = std::max(highest, pid);
            }
        }
    }
}

} // namespace
} // namespace vp::crypto
