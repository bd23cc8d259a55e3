// The publish/retire contract under concurrency: a writer (the control plane) keeps publishing,
// replacing and retiring routes, neighbours and sessions while reader lcores (workers) look them
// up without locks and report quiescent states. Readers check that every entry they see is whole
// (fields written together agree); the sanitizer build turns any read of freed memory into a
// failure. Run with extra lcores: `--eal --lcores 0@0,1@1,2@1` (see meson.build).
#include "dataplane/session/session_table.hpp"
#include "dataplane/tables/neighbor_table.hpp"
#include "dataplane/tables/rcu.hpp"
#include "dataplane/tables/route_table.hpp"
#include "tests/common/skip.hpp"

#include <gtest/gtest.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <random>
#include <vector>

namespace vp::dp {
namespace {

constexpr uint32_t magic = 0x5eed5eed;
constexpr uint32_t slots = 64;

struct TestSession : Session {
    TestSession(SessionId sid, std::atomic<int>* destroyed)
        : Session(sid, SessionKind::Ovpn, 0), destroyed_(destroyed) {
        tunnel_ip_be = sid * 7 + 1;
        check = sid ^ magic;
    }
    ~TestSession() override {
        check = 0; // a reader that still saw this would notice (and ASan would too)
        destroyed_->fetch_add(1);
    }
    uint32_t check;
    std::atomic<int>* destroyed_;
};

struct Shared {
    Rcu* rcu;
    RouteTable* routes;
    NeighborTable* neighbors;
    SessionTable* sessions;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> reads{0};
    std::atomic<uint64_t> torn{0};
};

struct ReaderArg {
    Shared* shared;
    uint32_t thread_id;
};

int reader_main(void* p) {
    auto* arg = static_cast<ReaderArg*>(p);
    Shared& s = *arg->shared;
    s.rcu->reader_online(arg->thread_id);
    std::mt19937 rng(arg->thread_id);
    uint64_t reads = 0, torn = 0;
    while (!s.stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; ++i) {
            uint32_t slot = rng() % slots;
            if (const NextHop* nh = s.routes->lookup(0x0a000000 | slot << 8 | 1)) {
                ++reads;
                if (nh->kind != NextHopKind::Session || nh->gateway_be != (nh->session ^ magic))
                    ++torn;
                if (Session* sess = s.sessions->get(nh->session)) {
                    auto* t = static_cast<TestSession*>(sess);
                    if (t->check != (t->id ^ magic) || t->tunnel_ip_be != t->id * 7 + 1) ++torn;
                }
            }
            if (const NeighborEntry* n = s.neighbors->lookup(0, slot)) {
                ++reads;
                for (int b = 1; b < 6; ++b)
                    if (n->mac[b] != n->mac[0]) ++torn;
                if (n->reachable != (n->mac[0] % 2 == 0)) ++torn;
            }
        }
        s.rcu->quiescent(arg->thread_id);
    }
    s.rcu->reader_offline(arg->thread_id);
    s.reads.fetch_add(reads);
    s.torn.fetch_add(torn);
    return 0;
}

TEST(RcuConcurrency, WriterPublishesAndRetiresWhileReadersRun) {
    std::vector<unsigned> reader_lcores;
    unsigned lcore;
    RTE_LCORE_FOREACH_WORKER(lcore) reader_lcores.push_back(lcore);
    if (reader_lcores.empty()) VP_SKIP_UNLESS_CI("needs worker lcores (--eal --lcores ...)");

    auto rcu = Rcu::create(static_cast<uint32_t>(reader_lcores.size()), 256);
    ASSERT_TRUE(rcu.ok());
    auto routes = RouteTable::create(4 * slots, **rcu);
    auto neighbors = NeighborTable::create(4 * slots, **rcu);
    auto sessions = SessionTable::create(4 * slots, **rcu);
    ASSERT_TRUE(routes.ok() && neighbors.ok() && sessions.ok());
    std::atomic<int> destroyed{0};

    Shared shared;
    shared.rcu = rcu->get();
    shared.routes = routes->get();
    shared.neighbors = neighbors->get();
    shared.sessions = sessions->get();
    std::vector<ReaderArg> args;
    for (uint32_t i = 0; i < reader_lcores.size(); ++i) {
        (*rcu)->register_reader(i);
        args.push_back({&shared, i});
    }
    for (uint32_t i = 0; i < reader_lcores.size(); ++i)
        ASSERT_EQ(rte_eal_remote_launch(reader_main, &args[i], reader_lcores[i]), 0);

    std::mt19937 rng(7);
    std::vector<SessionId> live(slots, no_session);
    int published = 0, retired = 0;
    for (int round = 0; round < 20000; ++round) {
        uint32_t slot = rng() % slots;
        uint32_t prefix = 0x0a000000 | slot << 8;
        switch (rng() % 4) {
        case 0:
        case 1: { // publish a session and point the slot's route at it (replacing the old one)
            auto id = (*sessions)->allocate_id();
            if (!id.ok()) break;
            EXPECT_TRUE((*sessions)->publish(std::make_unique<TestSession>(*id, &destroyed)));
            ++published;
            NextHop nh{NextHopKind::Session, 0, *id ^ magic, *id, 1400};
            ASSERT_TRUE((*routes)->add(prefix, 24, nh).ok());
            if (live[slot] != no_session) {
                (*sessions)->retire(live[slot]);
                ++retired;
            }
            live[slot] = *id;
            break;
        }
        case 2: { // withdraw the slot's route and session
            if (live[slot] == no_session) break;
            ASSERT_TRUE((*routes)->remove(prefix, 24).ok());
            (*sessions)->retire(live[slot]);
            ++retired;
            live[slot] = no_session;
            break;
        }
        default: { // replace or remove a neighbour
            uint8_t b = static_cast<uint8_t>(rng());
            uint8_t mac[6] = {b, b, b, b, b, b};
            if (b % 5 == 0)
                (*neighbors)->remove(0, slot);
            else
                ASSERT_TRUE((*neighbors)->set(0, slot, mac, b % 2 == 0).ok());
            break;
        }
        }
        if (round % 64 == 0) (*rcu)->reclaim();
    }
    shared.stop.store(true);
    rte_eal_mp_wait_lcore();
    (*rcu)->synchronize();

    EXPECT_EQ(shared.torn.load(), 0u) << "a reader saw a half-written or freed entry";
    EXPECT_GT(shared.reads.load(), 0u);
    EXPECT_EQ(destroyed.load(), retired) << "every retired session is freed after the grace period";
    EXPECT_GT(published, 1000);
    for (uint32_t i = 0; i < reader_lcores.size(); ++i)
        (*rcu)->unregister_reader(i);
    sessions->reset();
    EXPECT_EQ(destroyed.load(), published) << "the table frees what it still holds";
    routes->reset();
    neighbors->reset();
}

} // namespace
} // namespace vp::dp
