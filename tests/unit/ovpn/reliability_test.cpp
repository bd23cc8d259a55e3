// control/ovpn/reliability: windows, acknowledgements, retransmission with backoff, fast
// retransmission, and in-order delivery across a link that loses, reorders and duplicates.
#include "control/ovpn/reliability.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace vp;
using namespace vp::ovpn;

TEST(ReliableSend, WindowOfSixAndAcks) {
    ReliableSend s;
    for (int i = 0; i < 8; ++i)
        EXPECT_EQ(s.enqueue(Opcode::ControlV1, Bytes{static_cast<uint8_t>(i)}), uint32_t(i));
    auto first = s.due(0);
    ASSERT_EQ(first.size(), 6u);
    EXPECT_EQ(first.front().id, 0u);
    EXPECT_EQ(first.back().id, 5u);
    EXPECT_TRUE(s.due(0).empty());
    EXPECT_FALSE(s.ack(7)); // never sent
    EXPECT_TRUE(s.ack(0));
    EXPECT_FALSE(s.ack(0)); // duplicate ack
    auto next = s.due(1);
    ASSERT_EQ(next.size(), 1u); // the window slid by one
    EXPECT_EQ(next[0].id, 6u);
    EXPECT_FALSE(next[0].retransmission);
}

TEST(ReliableSend, RetransmitsWithExponentialBackoff) {
    ReliabilityParams p;
    p.initial_timeout_ms = 2000;
    p.max_timeout_ms = 8000;
    ReliableSend s(0, p);
    s.enqueue(Opcode::ControlHardResetServerV2, {});
    ASSERT_EQ(s.due(0).size(), 1u);
    EXPECT_EQ(s.next_deadline(), 2000u);
    EXPECT_TRUE(s.due(1999).empty());
    auto r = s.due(2000);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].retransmission);
    EXPECT_EQ(s.next_deadline(), 2000u + 4000);
    EXPECT_EQ(s.due(6000).size(), 1u);
    EXPECT_EQ(s.next_deadline(), 6000u + 8000);
    EXPECT_EQ(s.due(14000).size(), 1u);
    EXPECT_EQ(s.next_deadline(), 14000u + 8000); // capped
    EXPECT_EQ(s.retransmissions(), 3u);
    EXPECT_TRUE(s.ack(0));
    EXPECT_TRUE(s.idle());
    EXPECT_FALSE(s.next_deadline());
}

TEST(ReliableSend, FastRetransmitAfterThreeLaterAcks) {
    ReliableSend s;
    for (int i = 0; i < 5; ++i)
        s.enqueue(Opcode::ControlV1, {});
    ASSERT_EQ(s.due(0).size(), 5u);
    s.ack(1);
    s.ack(2);
    EXPECT_TRUE(s.due(10).empty());
    s.ack(3);
    auto r = s.due(10); // long before the timer
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].id, 0u);
    EXPECT_TRUE(r[0].retransmission);
}

TEST(ReliableReceive, ReordersDeduplicatesAndBoundsTheWindow) {
    ReliableReceive r(1);
    using V = ReliableReceive::Verdict;
    EXPECT_EQ(r.receive(0, Opcode::ControlV1, {}), V::Duplicate); // before the window: re-ack
    EXPECT_EQ(r.receive(3, Opcode::ControlV1, Bytes{3}), V::Accepted);
    EXPECT_EQ(r.receive(3, Opcode::ControlV1, Bytes{3}), V::Duplicate);
    EXPECT_FALSE(r.pop());
    EXPECT_EQ(r.receive(13, Opcode::ControlV1, {}), V::OutOfWindow); // 1 + 12
    EXPECT_EQ(r.receive(12, Opcode::ControlV1, {}), V::Accepted);
    EXPECT_EQ(r.receive(1, Opcode::ControlV1, Bytes{1}), V::Accepted);
    EXPECT_EQ(r.receive(2, Opcode::ControlV1, Bytes{2}), V::Accepted);
    for (uint8_t want = 1; want <= 3; ++want) {
        auto m = r.pop();
        ASSERT_TRUE(m);
        EXPECT_EQ(m->payload, Bytes{want});
    }
    EXPECT_FALSE(r.pop());
    EXPECT_EQ(r.next_expected(), 4u);
}

TEST(AckQueue, DeduplicatesAndHandsOutOldestFirstThenRecentOnes) {
    AckQueue q;
    for (uint32_t id : {5u, 6u, 5u, 7u, 8u, 9u})
        q.add(id);
    uint32_t out[4];
    ASSERT_EQ(q.take(out, 4), 4u);
    EXPECT_EQ(out[0], 5u);
    EXPECT_EQ(out[3], 8u);
    ASSERT_EQ(q.take(out, 4), 4u); // 9, then the most recently acknowledged again
    EXPECT_EQ(out[0], 9u);
    EXPECT_EQ(out[1], 8u);
    EXPECT_EQ(out[3], 6u);
    EXPECT_TRUE(q.empty());
    ASSERT_EQ(q.take(out, 2), 2u); // room on a later packet: re-acks only
    EXPECT_EQ(out[0], 9u);
}

// Two endpoints over a link that drops 30%, duplicates 10% and reorders: every message arrives
// exactly once, in order, and both sides end idle.
TEST(Reliability, DeliversEverythingInOrderOverABadLink) {
    std::mt19937 rng(1234);
    struct Frame {
        bool ack;
        uint32_t id;
        Bytes payload;
    };
    ReliableSend sender;
    ReliableReceive receiver;
    AckQueue acks;
    const int total = 200;
    for (int i = 0; i < total; ++i)
        sender.enqueue(Opcode::ControlV1,
                       Bytes{static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)});
    std::vector<Frame> to_receiver, to_sender;
    std::vector<int> delivered;
    auto lossy = [&](std::vector<Frame>& link, Frame f) {
        if (rng() % 100 < 30) return;
        link.push_back(f);
        if (rng() % 100 < 10) link.push_back(f);
        if (link.size() > 1 && rng() % 2) std::swap(link.back(), link[rng() % link.size()]);
    };
    uint64_t now = 0;
    for (int step = 0; step < 20000 && delivered.size() < size_t(total); ++step, now += 50) {
        for (auto& o : sender.due(now))
            lossy(to_receiver, {false, o.id, *o.payload});
        for (auto& f : to_receiver) {
            if (receiver.receive(f.id, Opcode::ControlV1, f.payload) !=
                ReliableReceive::Verdict::OutOfWindow)
                acks.add(f.id);
        }
        to_receiver.clear();
        while (auto m = receiver.pop())
            delivered.push_back(m->payload[0] | m->payload[1] << 8);
        while (!acks.empty()) {
            uint32_t ids[4];
            size_t n = acks.take(ids, 4);
            for (size_t i = 0; i < n; ++i)
                lossy(to_sender, {true, ids[i], {}});
        }
        for (auto& f : to_sender)
            sender.ack(f.id);
        to_sender.clear();
    }
    ASSERT_EQ(delivered.size(), size_t(total));
    for (int i = 0; i < total; ++i)
        EXPECT_EQ(delivered[i], i);
    // Acks can be lost too; the last few need their retransmissions acknowledged.
    for (int i = 0; i < 200 && !sender.idle(); ++i, now += 20000) {
        for (auto& o : sender.due(now))
            if (receiver.receive(o.id, Opcode::ControlV1, *o.payload) !=
                ReliableReceive::Verdict::OutOfWindow)
                sender.ack(o.id);
    }
    EXPECT_TRUE(sender.idle());
    EXPECT_GT(sender.retransmissions(), 0u);
}
