// Published tables on their own: routes (rte_lpm + next hops), neighbours and proxy-ARP
// (lock-free hashes), sessions (RCU array); ids and next-hop slots reused only after a grace
// period.
#include "dataplane/session/session_table.hpp"
#include "dataplane/tables/neighbor_table.hpp"
#include "dataplane/tables/rcu.hpp"
#include "dataplane/tables/route_table.hpp"
#include "dataplane/tables/session_map.hpp"

#include <gtest/gtest.h>
#include <rte_byteorder.h>

namespace vp::dp {
namespace {

struct Tables : ::testing::Test {
    void SetUp() override {
        auto r = Rcu::create(4, 1024);
        ASSERT_TRUE(r.ok()) << r.message();
        rcu = std::move(*r);
    }
    std::unique_ptr<Rcu> rcu;
};

TEST_F(Tables, RoutesMatchLongestPrefixAndReplaceAtomically) {
    auto t = RouteTable::create(64, *rcu);
    ASSERT_TRUE(t.ok()) << t.message();
    RouteTable& routes = **t;
    ASSERT_TRUE(routes.add(0, 0, {NextHopKind::Gateway, 0, 0x01020304, no_session, 1500}).ok());
    ASSERT_TRUE(routes.add(0x0a000000, 8, {NextHopKind::Connected, 1, 0, no_session, 1500}).ok());
    ASSERT_TRUE(routes.add(0x0a010000, 16, {NextHopKind::Session, 0, 0, 42, 1400}).ok());
    EXPECT_EQ(routes.lookup(0x0a010203)->kind, NextHopKind::Session);
    EXPECT_EQ(routes.lookup(0x0a010203)->session, 42u);
    EXPECT_EQ(routes.lookup(0x0a020203)->kind, NextHopKind::Connected);
    EXPECT_EQ(routes.lookup(0x08080808)->kind, NextHopKind::Gateway);

    uint32_t dst[3] = {0x0a010203, 0x0a7f0000, 0x01010101};
    const NextHop* hops[3];
    routes.lookup_bulk(dst, hops, 3);
    EXPECT_EQ(hops[0]->session, 42u);
    EXPECT_EQ(hops[1]->port, 1);
    EXPECT_EQ(hops[2]->kind, NextHopKind::Gateway);

    ASSERT_TRUE(routes.add(0x0a010000, 16, {NextHopKind::Session, 0, 0, 43, 1400}).ok());
    EXPECT_EQ(routes.lookup(0x0a010203)->session, 43u) << "replaced in place";
    EXPECT_EQ(routes.size(), 3u);
    ASSERT_TRUE(routes.remove(0x0a010000, 16).ok());
    EXPECT_EQ(routes.lookup(0x0a010203)->kind, NextHopKind::Connected);
    EXPECT_FALSE(routes.remove(0x0a010000, 16).ok());
    ASSERT_TRUE(routes.remove(0, 0).ok());
    EXPECT_EQ(routes.lookup(0x08080808), nullptr);
    EXPECT_TRUE(routes.add(0x0a0000ff, 24, {NextHopKind::Local, 0, 0, no_session, 1500}).ok());
    EXPECT_TRUE(routes.contains(0x0a000000, 24)) << "host bits are cleared";
}

TEST_F(Tables, RouteTableRefusesMoreThanItsCapacityAndRecyclesSlots) {
    auto t = RouteTable::create(16, *rcu);
    ASSERT_TRUE(t.ok());
    for (uint32_t i = 0; i < 16; ++i)
        ASSERT_TRUE((*t)->add(0x0b000000 | i << 8, 24, {NextHopKind::Blackhole}).ok()) << i;
    EXPECT_FALSE((*t)->add(0x0c000000, 24, {NextHopKind::Blackhole}).ok());
    // Replacing routes over and over must not run out of next-hop slots.
    for (int round = 0; round < 200; ++round)
        ASSERT_TRUE((*t)->add(0x0b000000, 24, {NextHopKind::Blackhole}).ok()) << round;
}

TEST_F(Tables, NeighborsPublishReplaceAndRemove) {
    auto t = NeighborTable::create(64, *rcu);
    ASSERT_TRUE(t.ok());
    uint8_t mac1[6] = {2, 0, 0, 0, 0, 1}, mac2[6] = {2, 0, 0, 0, 0, 2};
    uint32_t ip = rte_cpu_to_be_32(0x0a000005);
    EXPECT_EQ((*t)->lookup(0, ip), nullptr);
    ASSERT_TRUE((*t)->set(0, ip, mac1, true).ok());
    const NeighborEntry* e = (*t)->lookup(0, ip);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->mac[5], 1);
    EXPECT_EQ((*t)->lookup(1, ip), nullptr) << "keyed by port too";
    ASSERT_TRUE((*t)->set(0, ip, mac2, false).ok());
    EXPECT_EQ((*t)->lookup(0, ip)->mac[5], 2);
    EXPECT_FALSE((*t)->lookup(0, ip)->reachable);
    EXPECT_EQ((*t)->items().size(), 1u);
    (*t)->remove(0, ip);
    EXPECT_EQ((*t)->lookup(0, ip), nullptr);
    rcu->synchronize();
}

// DPDK 22.11's hash confuses an all-zero key with its empty slots; the tables tag their keys.
TEST_F(Tables, ZeroAddressKeysBehave) {
    auto n = NeighborTable::create(64, *rcu);
    auto p = ProxyArpTable::create("t_parp", 64, *rcu);
    ASSERT_TRUE(n.ok() && p.ok());
    uint8_t mac[6] = {2, 0, 0, 0, 0, 9};
    for (int round = 0; round < 50; ++round) {
        ASSERT_TRUE((*n)->set(0, 0, mac, true).ok());
        ASSERT_TRUE((*n)->set(0, 0, mac, true).ok());
        (*n)->remove(0, 0);
        EXPECT_EQ((*n)->lookup(0, 0), nullptr) << round;
        ASSERT_TRUE((*p)->add({0}, 1).ok());
        ASSERT_TRUE((*p)->add({0}, 2).ok());
        (*p)->remove({0});
        EXPECT_FALSE((*p)->contains({0})) << round;
        rcu->reclaim();
    }
    EXPECT_TRUE((*n)->items().empty());
}

TEST_F(Tables, ProxyArpEntries) {

    auto t = ProxyArpTable::create("t_parp", 64, *rcu);
    ASSERT_TRUE(t.ok());
    uint32_t ip = rte_cpu_to_be_32(0x0a090005);
    EXPECT_FALSE((*t)->contains({ip}));
    ASSERT_TRUE((*t)->add({ip}, 9).ok());
    EXPECT_TRUE((*t)->contains({ip}));
    ASSERT_EQ((*t)->items().size(), 1u);
    EXPECT_EQ((*t)->items()[0].second, 9u);
    EXPECT_EQ((*t)->find({ip}), 9u);
    (*t)->remove({ip});
    EXPECT_FALSE((*t)->contains({ip}));
}

struct CountingSession : Session {
    CountingSession(SessionId sid, int* destroyed)
        : Session(sid, SessionKind::Ovpn, 0), d(destroyed) {}
    ~CountingSession() override { ++*d; }
    int* d;
};

TEST_F(Tables, SessionIdsAreReusedOnlyAfterAGracePeriod) {
    auto t = SessionTable::create(4, *rcu);
    ASSERT_TRUE(t.ok());
    SessionTable& sessions = **t;
    int destroyed = 0;
    auto id = sessions.allocate_id();
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(sessions.publish(std::make_unique<CountingSession>(*id, &destroyed)));
    EXPECT_EQ(sessions.get(*id)->id, *id);
    EXPECT_EQ(sessions.size(), 1u);

    // A reader (thread id 0) is online and has not passed a quiescent state: nothing is freed.
    rcu->register_reader(0);
    rcu->reader_online(0);
    sessions.retire(*id);
    EXPECT_EQ(sessions.get(*id), nullptr);
    rcu->reclaim();
    EXPECT_EQ(destroyed, 0) << "freed while a reader might still hold it";
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(sessions.allocate_id().ok());
    EXPECT_FALSE(sessions.allocate_id().ok()) << "the retired id is not reusable yet";

    rcu->quiescent(0);
    rcu->reclaim();
    EXPECT_EQ(destroyed, 1);
    auto again = sessions.allocate_id();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *id);
    rcu->unregister_reader(0);
    EXPECT_EQ(sessions.get(100), nullptr) << "out of range ids are simply absent";
}

TEST_F(Tables, ServicesNeverShareASessionId) {
    auto t = SessionTable::create(4, *rcu);
    ASSERT_TRUE(t.ok());
    SessionTable& sessions = **t;
    int destroyed = 0;
    // OpenVPN picks its own peer-id 1 and reserves it; SSTP's allocation passes it by.
    ASSERT_TRUE(sessions.reserve_id(1));
    EXPECT_FALSE(sessions.reserve_id(1));
    auto a = sessions.allocate_id();
    auto b = sessions.allocate_id();
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, 0u);
    EXPECT_EQ(*b, 2u);
    EXPECT_FALSE(sessions.reserve_id(2)) << "allocated ids are not free";
    ASSERT_TRUE(sessions.publish(std::make_unique<CountingSession>(1, &destroyed)));
    // A second session under a published id is refused (and destroyed), never swapped in.
    EXPECT_FALSE(sessions.publish(std::make_unique<CountingSession>(1, &destroyed)));
    EXPECT_EQ(destroyed, 1);
    ASSERT_NE(sessions.get(1), nullptr);
    // Releasing a published id does nothing; a retired one waits out its grace period.
    sessions.release_id(1);
    EXPECT_FALSE(sessions.id_free(1));
    rcu->register_reader(0);
    rcu->reader_online(0);
    sessions.retire(1);
    sessions.release_id(1);
    EXPECT_FALSE(sessions.id_free(1)) << "freed before its grace period";
    EXPECT_FALSE(sessions.publish(std::make_unique<CountingSession>(1, &destroyed)));
    rcu->quiescent(0);
    rcu->reclaim();
    EXPECT_TRUE(sessions.id_free(1));
    // A reserved id that was never published is given back at once.
    sessions.release_id(*a);
    EXPECT_TRUE(sessions.id_free(*a));
    rcu->unregister_reader(0);
    EXPECT_FALSE(sessions.reserve_id(100)) << "out of range";
}

} // namespace
} // namespace vp::dp
