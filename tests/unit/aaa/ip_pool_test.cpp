// IpPool: allocation order, FIFO reuse, reservations, no leaks under random churn, big pools.
#include "control/aaa/ip_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <set>

namespace vp::aaa {
namespace {

net::Ipv4 ip(const char* text) {
    return *net::parse_ipv4(text);
}

net::Ipv4Range range(const char* text) {
    return *net::parse_range(text);
}

TEST(IpPool, HandsOutAscendingAcrossRangesThenRunsOut) {
    IpPool pool("p", {range("10.0.1.0/31"), range("10.0.0.5-10.0.0.6")}); // given out of order
    EXPECT_EQ(pool.size(), 4u);
    EXPECT_EQ(pool.allocate(), ip("10.0.0.5"));
    EXPECT_EQ(pool.allocate(), ip("10.0.0.6"));
    EXPECT_EQ(pool.allocate(), ip("10.0.1.0"));
    EXPECT_EQ(pool.allocate(), ip("10.0.1.1"));
    EXPECT_FALSE(pool.allocate());
    EXPECT_EQ(pool.leased(), 4u);
    EXPECT_EQ(pool.available(), 0u);
}

TEST(IpPool, ReleasedAddressesGoToTheBackOfTheQueue) {
    IpPool pool("p", {range("10.0.0.1-10.0.0.4")});
    auto a = pool.allocate();
    auto b = pool.allocate();
    ASSERT_TRUE(pool.release(*a)); // a is now behind .3 and .4
    EXPECT_EQ(pool.allocate(), ip("10.0.0.3"));
    EXPECT_EQ(pool.allocate(), ip("10.0.0.4"));
    EXPECT_EQ(pool.allocate(), a);
    ASSERT_TRUE(pool.release(*b));
    EXPECT_EQ(pool.allocate(), b);
}

TEST(IpPool, DoubleReleaseAndForeignAddressesChangeNothing) {
    IpPool pool("p", {range("10.0.0.1-10.0.0.2")});
    auto a = pool.allocate();
    EXPECT_TRUE(pool.release(*a));
    EXPECT_FALSE(pool.release(*a));
    EXPECT_FALSE(pool.release(ip("10.0.0.2"))); // free, never leased
    EXPECT_FALSE(pool.release(ip("192.0.2.1")));
    EXPECT_EQ(pool.available(), 2u);
    EXPECT_EQ(pool.leased(), 0u);
}

TEST(IpPool, ReservedAddressesAreNeverAllocated) {
    IpPool pool("p", {range("10.0.0.1-10.0.0.3")});
    EXPECT_TRUE(pool.reserve(ip("10.0.0.2")));
    EXPECT_FALSE(pool.reserve(ip("10.0.9.9")));
    EXPECT_EQ(pool.allocate(), ip("10.0.0.1"));
    EXPECT_EQ(pool.allocate(), ip("10.0.0.3"));
    EXPECT_FALSE(pool.allocate());
    EXPECT_EQ(pool.reserved(), 1u);
}

TEST(IpPool, TakeMarksAStaticLeaseThatStaysReservedAfterRelease) {
    IpPool pool("p", {range("10.0.0.1-10.0.0.3")});
    pool.reserve(ip("10.0.0.2"));
    EXPECT_TRUE(pool.take(ip("10.0.0.2")));  // a secret's static address, in use
    EXPECT_FALSE(pool.take(ip("10.0.0.2"))); // no second holder
    EXPECT_TRUE(pool.take(ip("10.0.0.3")));  // a free address carried over a reload
    EXPECT_TRUE(pool.is_leased(ip("10.0.0.2")));
    EXPECT_TRUE(pool.release(ip("10.0.0.2")));
    EXPECT_TRUE(pool.is_reserved(ip("10.0.0.2")));
    EXPECT_TRUE(pool.release(ip("10.0.0.3")));
    EXPECT_EQ(pool.allocate(), ip("10.0.0.1"));
    EXPECT_EQ(pool.allocate(), ip("10.0.0.3"));
    EXPECT_FALSE(pool.allocate()); // .2 stays reserved
}

// Random allocate/release/take/reserve against a model that keeps the free addresses in a queue:
// every allocation must return exactly the model's next address (FIFO, reserved ones skipped),
// counters must agree, nothing is handed out twice, and all released addresses come back.
TEST(IpPool, HundredThousandRandomOperationsMatchAModel) {
    IpPool pool("p", {range("10.1.0.0/24"), range("10.2.0.10-10.2.0.99"), range("10.3.0.1")});
    std::vector<net::Ipv4> addresses;
    for (auto& r : pool.ranges())
        for (uint64_t a = r.first; a <= r.last; ++a)
            addresses.push_back(static_cast<net::Ipv4>(a));
    ASSERT_EQ(addresses.size(), 256u + 90u + 1u);
    ASSERT_EQ(pool.size(), addresses.size());
    std::deque<net::Ipv4> free_queue(addresses.begin(), addresses.end());
    std::set<net::Ipv4> leased, reserved;
    auto unqueue = [&](net::Ipv4 a) {
        free_queue.erase(std::remove(free_queue.begin(), free_queue.end(), a), free_queue.end());
    };
    std::mt19937 rng(12345);
    for (int step = 0; step < 100'000; ++step) {
        int op = static_cast<int>(rng() % 100);
        net::Ipv4 any = addresses[rng() % addresses.size()];
        if (op < 50) {
            auto a = pool.allocate();
            ASSERT_EQ(a.has_value(), !free_queue.empty()) << "step " << step;
            if (a) {
                ASSERT_EQ(*a, free_queue.front()) << "step " << step;
                ASSERT_TRUE(leased.insert(*a).second) << "handed out twice at step " << step;
                free_queue.pop_front();
            }
        } else if (op < 90) {
            bool was_leased = leased.erase(any) > 0;
            ASSERT_EQ(pool.release(any), was_leased) << "step " << step;
            if (was_leased && !reserved.count(any)) free_queue.push_back(any);
        } else if (op < 97) {
            bool expect = !leased.count(any);
            ASSERT_EQ(pool.take(any), expect) << "step " << step;
            leased.insert(any);
            unqueue(any);
        } else if (op < 98) {
            ASSERT_TRUE(pool.reserve(any));
            reserved.insert(any);
            unqueue(any);
        }
        ASSERT_EQ(pool.leased(), leased.size());
        ASSERT_EQ(pool.reserved(), reserved.size());
        ASSERT_EQ(pool.available(), free_queue.size());
    }
    EXPECT_GT(reserved.size(), 0u);
    // Release everything: only the reserved addresses stay out of circulation.
    for (auto a : std::set<net::Ipv4>(leased))
        ASSERT_TRUE(pool.release(a));
    EXPECT_EQ(pool.leased(), 0u);
    EXPECT_EQ(pool.available(), addresses.size() - reserved.size());
    std::set<net::Ipv4> handed;
    while (auto a = pool.allocate())
        ASSERT_TRUE(handed.insert(*a).second);
    EXPECT_EQ(handed.size(), addresses.size() - reserved.size());
    for (auto r : reserved)
        EXPECT_FALSE(handed.count(r));
}

TEST(IpPool, ASlash16HandsOutEveryAddressOnceAndTakesThemAllBack) {
    IpPool pool("big", {range("10.20.0.0/16")});
    ASSERT_EQ(pool.size(), 65536u);
    std::vector<net::Ipv4> got;
    while (auto a = pool.allocate())
        got.push_back(*a);
    ASSERT_EQ(got.size(), 65536u);
    EXPECT_EQ(got.front(), ip("10.20.0.0"));
    EXPECT_EQ(got.back(), ip("10.20.255.255"));
    for (size_t i = 1; i < got.size(); ++i)
        ASSERT_EQ(got[i], got[i - 1] + 1);
    // Release in reverse; the FIFO hands them back in release order.
    for (auto it = got.rbegin(); it != got.rend(); ++it)
        ASSERT_TRUE(pool.release(*it));
    EXPECT_EQ(pool.available(), 65536u);
    EXPECT_EQ(pool.allocate(), ip("10.20.255.255"));
    EXPECT_EQ(pool.allocate(), ip("10.20.255.254"));
}

TEST(IpPool, TheLargestPoolIsAccepted) {
    IpPool pool("max", {range("10.16.0.0/12")});
    EXPECT_EQ(pool.size(), IpPool::kMaxAddresses);
    EXPECT_TRUE(pool.take(ip("10.31.255.255")));
    EXPECT_EQ(pool.allocate(), ip("10.16.0.0"));
}

} // namespace
} // namespace vp::aaa
