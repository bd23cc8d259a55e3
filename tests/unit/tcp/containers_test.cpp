// The engine's building blocks: timer wheel, intrusive index lists, mbuf byte lists, the
// out-of-order queue, the SACK scoreboard and the RFC 6298 estimator.
#include "dataplane/tcp/index_list.hpp"
#include "dataplane/tcp/ooo_queue.hpp"
#include "dataplane/tcp/rtt.hpp"
#include "dataplane/tcp/sack_scoreboard.hpp"
#include "dataplane/tcp/timer_wheel.hpp"
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace vp::tcp::test {
namespace {

struct ListNode {
    uint32_t next = kNoListIndex;
    uint32_t prev = kNoListIndex;
};

std::vector<uint32_t> drain(IndexQueue<ListNode, &ListNode::next>& q, ListNode* nodes) {
    std::vector<uint32_t> out;
    while (!q.empty())
        out.push_back(q.pop_front(nodes));
    return out;
}

TEST(TcpIndexList, QueueIsFifoAndTakeAllDetachesTheChain) {
    ListNode nodes[8];
    IndexQueue<ListNode, &ListNode::next> q;
    for (uint32_t i : {5u, 1u, 7u})
        q.push_back(nodes, i);
    EXPECT_EQ(q.front(), 5u);
    EXPECT_EQ(drain(q, nodes), (std::vector<uint32_t>{5, 1, 7}));
    EXPECT_EQ(nodes[7].next, kNoListIndex);
    for (uint32_t i : {2u, 3u})
        q.push_back(nodes, i);
    uint32_t head = q.take_all();
    EXPECT_TRUE(q.empty());
    q.push_back(nodes, 4); // the list is usable while the detached chain is walked
    std::vector<uint32_t> chain;
    for (uint32_t i = head; i != kNoListIndex; i = nodes[i].next)
        chain.push_back(i);
    EXPECT_EQ(chain, (std::vector<uint32_t>{2, 3}));
    EXPECT_EQ(drain(q, nodes), (std::vector<uint32_t>{4}));
}

TEST(TcpIndexList, AnyMemberLeavesAndTheOrderStays) {
    ListNode nodes[8];
    IndexList<ListNode, &ListNode::prev, &ListNode::next> l;
    for (uint32_t i : {0u, 1u, 2u, 3u})
        l.push_back(nodes, i);
    l.unlink(nodes, 2); // middle
    l.unlink(nodes, 0); // head
    EXPECT_EQ(l.front(), 1u);
    l.unlink(nodes, 3); // tail
    l.push_back(nodes, 6);
    EXPECT_EQ(nodes[1].next, 6u);
    EXPECT_EQ(nodes[6].prev, 1u);
    EXPECT_EQ(nodes[2].prev, kNoListIndex);
    EXPECT_EQ(nodes[2].next, kNoListIndex);
    l.unlink(nodes, 1);
    l.unlink(nodes, 6);
    EXPECT_TRUE(l.empty());
}

TEST(TcpTimerWheel, FiresAtItsTickNotBefore) {
    TimerWheel w;
    w.init(16, 64, 100);
    w.schedule(3, 105);
    w.schedule(4, 100 + 64 * 3 + 7); // three turns away
    std::vector<uint32_t> fired;
    auto fire = [&](uint32_t id) { fired.push_back(id); };
    w.advance(104, fire);
    EXPECT_TRUE(fired.empty());
    w.advance(105, fire);
    EXPECT_EQ(fired, std::vector<uint32_t>({3}));
    fired.clear();
    w.advance(100 + 64 * 3 + 6, fire);
    EXPECT_TRUE(fired.empty());
    EXPECT_TRUE(w.scheduled(4));
    w.advance(100 + 64 * 3 + 7, fire);
    EXPECT_EQ(fired, std::vector<uint32_t>({4}));
    EXPECT_EQ(w.size(), 0u);
}

TEST(TcpTimerWheel, CancelRescheduleAndLongGaps) {
    TimerWheel w;
    w.init(16, 64, 0);
    w.schedule(1, 10);
    w.schedule(2, 20);
    w.schedule(1, 30); // moved
    w.cancel(2);
    std::vector<uint32_t> fired;
    w.advance(25, [&](uint32_t id) { fired.push_back(id); });
    EXPECT_TRUE(fired.empty());
    // A gap of many turns still fires everything due, once.
    w.schedule(5, 1000);
    w.advance(100000, [&](uint32_t id) { fired.push_back(id); });
    EXPECT_EQ(fired, std::vector<uint32_t>({1, 5}));
    // A past tick becomes the next tick.
    w.schedule(6, 5);
    EXPECT_EQ(w.expiry(6), 100001u);
}

TEST(TcpTimerWheel, FireMayRescheduleAndCancelOthers) {
    TimerWheel w;
    w.init(16, 64, 0);
    w.schedule(1, 10);
    w.schedule(2, 10);
    w.schedule(3, 10);
    std::vector<uint32_t> fired;
    w.advance(10, [&](uint32_t id) {
        fired.push_back(id);
        if (id == 3 || id == 1) w.cancel(2); // whichever runs first cancels 2
        if (fired.size() == 1) w.schedule(id, 12);
    });
    EXPECT_EQ(fired.size(), 2u);
    EXPECT_EQ(w.size(), 1u);
    w.advance(12, [&](uint32_t id) { fired.push_back(id); });
    EXPECT_EQ(fired.size(), 3u);
    EXPECT_EQ(fired[2], fired[0]);
}

// A list of `n` one-segment mbufs of `seg` bytes holding bytes 0, 1, 2, ...
MbufList make_list(uint32_t n, uint32_t seg, uint8_t first = 0) {
    MbufList l;
    uint8_t v = first;
    for (uint32_t i = 0; i < n; ++i) {
        rte_mbuf* m = rte_pktmbuf_alloc(test_pool());
        auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(seg)));
        for (uint32_t j = 0; j < seg; ++j)
            p[j] = v++;
        l.append(m);
    }
    return l;
}

std::vector<uint8_t> contents(const MbufList& l) {
    std::vector<uint8_t> v(l.bytes());
    EXPECT_EQ(l.copy_out(0, v.data(), l.bytes()), l.bytes());
    return v;
}

TEST(TcpMbufList, DropCopyTakeAndSplit) {
    unsigned before = pool_in_use();
    {
        MbufList l = make_list(4, 100);
        EXPECT_EQ(l.bytes(), 400u);
        EXPECT_EQ(l.segs(), 4u);
        l.drop_front(150);
        EXPECT_EQ(l.bytes(), 250u);
        EXPECT_EQ(l.segs(), 3u);
        auto c = contents(l);
        EXPECT_EQ(c[0], 150);
        l.drop_back(120);
        EXPECT_EQ(l.bytes(), 120u);
        EXPECT_EQ(l.segs(), 2u);
        // take_front splitting a segment shares it by reference.
        rte_mbuf* t = l.take_front(70, test_pool());
        ASSERT_NE(t, nullptr);
        EXPECT_EQ(t->pkt_len, 70u);
        EXPECT_EQ(t->nb_segs, 2);
        uint8_t buf[70];
        const uint8_t* p = static_cast<const uint8_t*>(rte_pktmbuf_read(t, 0, 70, buf));
        EXPECT_EQ(p[0], 150);
        EXPECT_EQ(p[69], static_cast<uint8_t>(219));
        rte_pktmbuf_free(t);
        EXPECT_EQ(l.bytes(), 50u);
        EXPECT_EQ(contents(l)[0], static_cast<uint8_t>(220));
        // append_copy fills the tail's room first.
        std::vector<uint8_t> extra(3000, 7);
        ASSERT_TRUE(l.append_copy(extra.data(), 3000, test_pool()));
        EXPECT_EQ(l.bytes(), 3050u);
        auto all = contents(l);
        EXPECT_EQ(all[49], static_cast<uint8_t>(269));
        EXPECT_EQ(all[50], 7);
        EXPECT_EQ(all[3049], 7);
    }
    EXPECT_EQ(pool_in_use(), before) << "mbufs leaked";
}

TEST(TcpOooQueue, MergesTrimsDrainsAndReportsSack) {
    unsigned before = pool_in_use();
    {
        OooQueue q;
        q.set_max_ranges(3);
        auto put = [&](uint32_t seq, uint32_t len, uint8_t first) {
            MbufList l = make_list(1, len, first);
            return q.insert(seq, l);
        };
        EXPECT_EQ(put(1100, 100, 100), OooQueue::Insert::Queued); // [1100,1200)
        EXPECT_EQ(put(1300, 100, 0), OooQueue::Insert::Queued);   // [1300,1400)
        EXPECT_EQ(q.ranges(), 2);
        SackBlock b[4];
        ASSERT_EQ(q.sack_blocks(b, 4), 2);
        EXPECT_EQ(b[0].left, 1300u); // the most recent first
        EXPECT_EQ(b[1].left, 1100u);
        EXPECT_EQ(put(1150, 100, 150), OooQueue::Insert::Queued); // overlaps: joins the first
        EXPECT_EQ(q.ranges(), 2);
        EXPECT_EQ(q.bytes(), 250u);
        EXPECT_EQ(put(1120, 20, 120), OooQueue::Insert::Duplicate);
        EXPECT_EQ(put(1250, 50, 250), OooQueue::Insert::Queued); // fills the gap: one range
        EXPECT_EQ(q.ranges(), 1);
        EXPECT_EQ(q.high(), 1400u);
        // Full: a segment above everything is refused, one below evicts the highest range.
        EXPECT_EQ(put(1500, 10, 0), OooQueue::Insert::Queued);
        EXPECT_EQ(put(1600, 10, 0), OooQueue::Insert::Queued);
        EXPECT_EQ(put(1700, 10, 0), OooQueue::Insert::Full);
        EXPECT_EQ(put(1050, 10, 50), OooQueue::Insert::QueuedEvicting);
        EXPECT_EQ(q.ranges(), 3);
        EXPECT_EQ(q.high(), 1510u);
        // Drain from RCV.NXT 1000: nothing until 1050 arrives in order.
        MbufList in_order;
        EXPECT_EQ(q.drain(1000, in_order), 1000u);
        EXPECT_EQ(q.drain(1060, in_order), 1060u);
        EXPECT_EQ(q.ranges(), 2);
        in_order.clear();
        // A range starting below RCV.NXT is trimmed and moved.
        EXPECT_EQ(q.drain(1150, in_order), 1400u);
        EXPECT_EQ(in_order.bytes(), 250u);
        EXPECT_EQ(contents(in_order)[0], 150);
        in_order.clear();
        q.clear();
    }
    EXPECT_EQ(pool_in_use(), before) << "mbufs leaked";
}

TEST(TcpSackScoreboard, MergesBlocksFindsHolesComputesBytes) {
    SackScoreboard sb;
    uint32_t una = 1000, max = 10000;
    SackBlock b1[] = {{3000, 4000}, {5000, 6000}};
    EXPECT_EQ(sb.update(b1, 2, una, max), 2);
    SackBlock b2[] = {{4000, 4500}, {500, 900}, {9000, 11000}}; // adjacent, stale, beyond
    EXPECT_EQ(sb.update(b2, 3, una, max), 1);
    EXPECT_EQ(sb.sacked_bytes(), 2500u);
    EXPECT_EQ(sb.high(una), 6000u);
    uint32_t hs, he;
    ASSERT_TRUE(sb.next_hole(1000, hs, he));
    EXPECT_EQ(hs, 1000u);
    EXPECT_EQ(he, 3000u);
    ASSERT_TRUE(sb.next_hole(3500, hs, he));
    EXPECT_EQ(hs, 4500u);
    EXPECT_EQ(he, 5000u);
    EXPECT_FALSE(sb.next_hole(5500, hs, he));
    EXPECT_EQ(sb.unsacked_between(1000, 6000), 2500u);
    EXPECT_EQ(sb.sacked_above(4200), 1300u);
    sb.advance(3500);
    EXPECT_EQ(sb.sacked_bytes(), 2000u);
    sb.advance(7000);
    EXPECT_TRUE(sb.empty());
}

TEST(TcpRtt, FollowsRfc6298) {
    RttLimits lim{200000, 60000000, 1000};
    RttEstimator r;
    r.reset(1000000);
    EXPECT_EQ(r.rto_us, 1000000u); // §2.1
    r.sample(100000, lim);         // §2.2: SRTT=R, RTTVAR=R/2, RTO=SRTT+4*RTTVAR
    EXPECT_EQ(r.srtt_us, 100000u);
    EXPECT_EQ(r.rttvar_us, 50000u);
    EXPECT_EQ(r.rto_us, 300000u);
    r.sample(200000, lim); // §2.3: RTTVAR = 3/4*50000 + 1/4*|100000-200000| = 62500
    EXPECT_EQ(r.rttvar_us, 62500u);
    EXPECT_EQ(r.srtt_us, 112500u); // 7/8*100000 + 1/8*200000
    EXPECT_EQ(r.rto_us, 112500u + 250000u);
    RttEstimator s;
    s.sample(1000, lim); // §2.4: never below the minimum
    EXPECT_EQ(s.rto_us, 200000u);
    EXPECT_EQ(r.backed_off(2, 60000000), 4u * 362500u); // §5.5: doubled per expiry
    EXPECT_EQ(r.backed_off(10, 60000000), 60000000u);   // capped
}

} // namespace
} // namespace vp::tcp::test
