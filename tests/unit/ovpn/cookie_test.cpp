// control/ovpn/cookie: stateless HMAC session ids (time slots, address binding) and the initial
// packet rate limit.
#include "control/ovpn/cookie.hpp"

#include <gtest/gtest.h>

using namespace vp::ovpn;

namespace {
const SessionId client{1, 2, 3, 4, 5, 6, 7, 8};
const Endpoint from{0x7f000001, 40000};
} // namespace

TEST(Cookie, AcceptedFromTheSameClientAndAddress) {
    CookieJar jar(60);
    SessionId sid = jar.make(client, from, 1'000'000);
    EXPECT_TRUE(jar.verify(sid, client, from, 1'000'000));
    EXPECT_FALSE(jar.verify(sid, client, {0x7f000001, 40001}, 1'000'000));
    EXPECT_FALSE(jar.verify(sid, client, {0x7f000002, 40000}, 1'000'000));
    SessionId other_client = client;
    other_client[0] ^= 1;
    EXPECT_FALSE(jar.verify(sid, other_client, from, 1'000'000));
    SessionId forged = sid;
    forged[7] ^= 1;
    EXPECT_FALSE(jar.verify(forged, client, from, 1'000'000));
}

TEST(Cookie, ValidForTheCurrentAndTwoPreviousTimeSlots) {
    // hand-window 60 s -> 30 s slots; a cookie made at the start of a slot stays valid until
    // the end of the slot two later (90 s), one made at its end for at least 60 s.
    CookieJar jar(60);
    uint64_t start = 30'000ull * 1000; // the beginning of slot 1000
    SessionId sid = jar.make(client, from, start);
    EXPECT_TRUE(jar.verify(sid, client, from, start + 89'999));
    EXPECT_FALSE(jar.verify(sid, client, from, start + 90'000));
    uint64_t late = start + 29'999;
    SessionId sid2 = jar.make(client, from, late);
    EXPECT_EQ(sid2, sid); // same slot
    EXPECT_TRUE(jar.verify(sid2, client, from, late + 60'000));
    EXPECT_FALSE(jar.verify(sid, client, from, start - 1)); // from the future
}

TEST(Cookie, SecretsDifferBetweenServers) {
    CookieJar a(60), b(60);
    EXPECT_NE(a.make(client, from, 0), b.make(client, from, 0));
    std::array<uint8_t, 32> secret{};
    CookieJar c(60, secret), d(60, secret);
    EXPECT_EQ(c.make(client, from, 5000), d.make(client, from, 5000));
}

TEST(RateLimiter, AllowsMaxPerPeriodAndRefunds) {
    RateLimiter r(3, 10);
    EXPECT_TRUE(r.allow(0));
    EXPECT_TRUE(r.allow(1));
    EXPECT_TRUE(r.allow(2));
    EXPECT_FALSE(r.allow(3));
    r.refund(); // a client completed the exchange
    EXPECT_TRUE(r.allow(4));
    EXPECT_FALSE(r.allow(9'999));
    EXPECT_TRUE(r.allow(10'000)); // new period
}
