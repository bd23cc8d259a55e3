// Session-timeout, idle-timeout and byte limits (control/aaa/session_limits.hpp).
#include "control/aaa/session_limits.hpp"

#include <gtest/gtest.h>

namespace vp::aaa {
namespace {

Grant grant(uint32_t session_s, uint32_t idle_s, std::optional<uint64_t> in,
            std::optional<uint64_t> out) {
    Grant g;
    g.session_timeout_s = session_s;
    g.idle_timeout_s = idle_s;
    g.limit_bytes_in = in;
    g.limit_bytes_out = out;
    return g;
}

TEST(SessionLimits, NoLimitsNeverEnd) {
    SessionLimits l(grant(0, 0, std::nullopt, std::nullopt), 1000);
    EXPECT_FALSE(l.check({0, ~0ull, ~0ull}, ~0ull / 2));
    EXPECT_FALSE(l.bytes_in_left({}));
}

TEST(SessionLimits, SessionTimeoutCountsFromTheStart) {
    SessionLimits l(grant(60, 0, std::nullopt, std::nullopt), 1000);
    EXPECT_FALSE(l.check({5, 100, 100}, 60'999));
    EXPECT_EQ(l.check({6, 200, 200}, 61'000), LimitReached::SessionTimeout);
    EXPECT_EQ(l.describe(LimitReached::SessionTimeout), "session-timeout 60 s");
}

TEST(SessionLimits, IdleMeansNoDataFromTheClient) {
    SessionLimits l(grant(0, 10, std::nullopt, std::nullopt), 0);
    EXPECT_FALSE(l.check({1, 100, 0}, 9'000));
    EXPECT_FALSE(l.check({1, 100, 5000}, 18'999)); // traffic towards the client is not activity
    EXPECT_EQ(l.check({1, 100, 9000}, 19'000), LimitReached::IdleTimeout);
    EXPECT_STREQ(to_string(LimitReached::IdleTimeout), "idle-timeout");
}

TEST(SessionLimits, BytesInAndOutWithWhatIsLeft) {
    SessionLimits l(grant(0, 0, 1000, 5000), 0);
    EXPECT_EQ(l.bytes_in_left({1, 400, 0}), 600u);
    EXPECT_EQ(l.bytes_out_left({1, 400, 4999}), 1u);
    EXPECT_FALSE(l.check({1, 999, 4999}, 1));
    EXPECT_EQ(l.check({2, 1000, 0}, 2), LimitReached::LimitBytesIn);
    EXPECT_EQ(l.check({2, 0, 6000}, 3), LimitReached::LimitBytesOut);
    EXPECT_EQ(l.bytes_out_left({2, 0, 6000}), 0u);
    EXPECT_EQ(l.describe(LimitReached::LimitBytesOut), "limit-bytes-out 5000 bytes");
}

} // namespace
} // namespace vp::aaa
