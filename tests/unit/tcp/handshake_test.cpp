// Opening connections: option negotiation (MSS, RFC 7323 window scale and timestamps, RFC 2018
// SACK-permitted), SYN-ACK retransmission, active open, and segments for no connection.
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

namespace vp::tcp::test {
namespace {

FlowKey flow_of(const ScriptedPeer& p) {
    return FlowKey{kClientIp, kServerIp, p.sport, p.dport};
}

ConnInfo info_of(EngineBox& box, const ScriptedPeer& p) {
    ConnInfo i{};
    EXPECT_TRUE(box.e().info(box.e().lookup(flow_of(p)), i));
    return i;
}

TEST(TcpHandshake, PassiveOpenNegotiatesAllOptions) {
    EngineBox box;
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Punt}).ok());
    ScriptedPeer p{box};
    p.mss = 1400;
    p.wscale = 7;
    OutSeg sa = p.handshake();
    EXPECT_EQ(sa.h.ack, 1001u);
    EXPECT_TRUE(sa.h.opt.has_mss);
    EXPECT_EQ(sa.h.opt.mss, 1460);
    EXPECT_TRUE(sa.h.opt.has_wscale);
    EXPECT_EQ(sa.h.opt.wscale, 1); // 64 KiB buffer: 65535 << 1 covers it
    EXPECT_TRUE(sa.h.opt.sack_permitted);
    EXPECT_TRUE(sa.h.opt.has_timestamps);
    EXPECT_EQ(sa.h.opt.ts_ecr, 5000u);
    EXPECT_EQ(sa.h.window, 65535); // unscaled on the SYN-ACK

    ConnInfo i = info_of(box, p);
    EXPECT_EQ(i.state, TcpState::Established);
    EXPECT_EQ(i.snd_mss, 1400);
    EXPECT_EQ(i.snd_wscale, 7);
    EXPECT_EQ(i.rcv_wscale, 1);
    EXPECT_TRUE(i.ts_ok);
    EXPECT_TRUE(i.sack_ok);
    EXPECT_EQ(i.snd_wnd, 65535u << 7);
    EXPECT_EQ(box.e().gauges().established, 1u);
    EXPECT_EQ(box.e().counters().conn_passive, 1u);

    PuntHub hub(box.e());
    EXPECT_EQ(hub.pump(), 1u);
    ASSERT_EQ(hub.apps().size(), 1u);
    EXPECT_TRUE(hub.apps().begin()->second.opened);
}

TEST(TcpHandshake, PeerWithoutOptionsGetsNone) {
    EngineBox box;
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    SegSpec syn;
    syn.seq = 77;
    syn.flags = flag::Syn;
    auto out = box.feed(syn);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].h.opt.has_mss);
    EXPECT_FALSE(out[0].h.opt.has_wscale);
    EXPECT_FALSE(out[0].h.opt.sack_permitted);
    EXPECT_FALSE(out[0].h.opt.has_timestamps);
    SegSpec ack;
    ack.seq = 78;
    ack.ack = out[0].h.seq + 1;
    ack.flags = flag::Ack;
    EXPECT_TRUE(box.feed(ack).empty());
    ConnInfo i{};
    ASSERT_TRUE(box.e().info(box.e().lookup({kClientIp, kServerIp, 40000, 80}), i));
    EXPECT_EQ(i.state, TcpState::Established);
    EXPECT_EQ(i.snd_mss, 536); // RFC 9293 §3.7.1 default
    EXPECT_EQ(i.snd_wscale, 0);
    EXPECT_EQ(i.rcv_wscale, 0);
    EXPECT_FALSE(i.ts_ok);
    EXPECT_FALSE(i.sack_ok);
}

TEST(TcpHandshake, TinyPeerMssIsClamped) {
    EngineBox box;
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    ScriptedPeer p{box};
    p.mss = 8;
    p.handshake();
    EXPECT_EQ(info_of(box, p).snd_mss, box.e().config().min_snd_mss);
}

TEST(TcpHandshake, SynAckRetransmittedWithBackoffThenDropped) {
    EngineConfig cfg = test_config();
    cfg.synack_retries = 3;
    EngineBox box(cfg);
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    SegSpec syn;
    syn.seq = 1;
    syn.flags = flag::Syn;
    uint64_t t0 = box.now();
    ASSERT_EQ(box.feed(syn).size(), 1u);
    EXPECT_EQ(box.e().gauges().syn_received, 1u);
    // RFC 6298 §2.1 initial RTO 1 s, doubled each time: retransmissions at 1, 3, 7 s.
    std::vector<uint64_t> at;
    for (int i = 0; i < 20; ++i) {
        for (auto& o : box.advance(1000000))
            if (o.has(flag::Syn)) at.push_back(box.now() - t0);
    }
    ASSERT_EQ(at.size(), 3u);
    EXPECT_EQ(at[0], 1000000u);
    EXPECT_EQ(at[1], 3000000u);
    EXPECT_EQ(at[2], 7000000u);
    EXPECT_EQ(box.e().gauges().syn_received, 0u);
    EXPECT_EQ(box.e().gauges().connections, 0u);
    EXPECT_EQ(box.e().counters().synrecv_timeouts, 1u);
}

TEST(TcpHandshake, RetransmittedSynIsAnsweredAgain) {
    EngineBox box;
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    SegSpec syn;
    syn.seq = 1;
    syn.flags = flag::Syn;
    auto a = box.feed(syn);
    auto b = box.feed(syn);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].h.seq, b[0].h.seq);
    EXPECT_EQ(box.e().gauges().connections, 1u);
}

TEST(TcpHandshake, SegmentsForNoConnection) {
    EngineBox box;
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    // SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    SegSpec syn;
    syn.dport = 81;
    syn.seq = 500;
    syn.flags = flag::Syn;
    auto out = box.feed(syn);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].has(flag::Rst));
    EXPECT_TRUE(out[0].has(flag::Ack));
    EXPECT_EQ(out[0].h.ack, 501u);
    // An ACK to the listening port with no connection (and no cookie): <SEQ=SEG.ACK><RST>.
    SegSpec ack;
    ack.seq = 9;
    ack.ack = 12345;
    ack.flags = flag::Ack;
    out = box.feed(ack);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].has(flag::Rst));
    EXPECT_EQ(out[0].h.seq, 12345u);
    // An RST for no connection is dropped silently.
    SegSpec rst;
    rst.flags = flag::Rst;
    EXPECT_TRUE(box.feed(rst).empty());
    EXPECT_EQ(box.e().counters().drop_rst_no_conn, 1u);
    EXPECT_EQ(box.e().counters().drop_no_listener, 1u);
    // A bad checksum is counted and dropped.
    SegSpec bad = syn;
    bad.dport = 80;
    bad.bad_checksum = true;
    EXPECT_TRUE(box.feed(bad).empty());
    EXPECT_EQ(box.e().counters().drop_bad_checksum, 1u);
    EXPECT_EQ(box.e().gauges().connections, 0u);
}

TEST(TcpHandshake, RstRateLimited) {
    EngineConfig cfg = test_config();
    cfg.rst_per_s = 5;
    EngineBox box(cfg);
    SegSpec syn;
    syn.flags = flag::Syn;
    size_t rsts = 0;
    for (int i = 0; i < 20; ++i) {
        syn.sport = static_cast<uint16_t>(1000 + i);
        rsts += box.feed(syn).size();
    }
    EXPECT_EQ(rsts, 5u);
    EXPECT_EQ(box.e().counters().drop_rst_rate_limited, 15u);
}

TEST(TcpHandshake, ActiveOpenBetweenEngines) {
    EngineBox client, server;
    ASSERT_TRUE(server.e().listen({7, ConsumerKind::Echo}).ok());
    SimNet net(client, server, {});
    ConnHandle h = client.e().connect({{kServerIp, kClientIp, 7, 33000}, ConsumerKind::Punt});
    ASSERT_TRUE(h.valid());
    PuntHub hub(client.e());
    PuntApp& app = hub.add(h);
    app.to_send = pattern(5000, 1);
    ASSERT_TRUE(net.run_until(
        [&] {
            hub.pump();
            return app.received.size() >= 5000;
        },
        5000000));
    EXPECT_TRUE(app.opened);
    EXPECT_EQ(app.received, app.to_send);
    ConnInfo i{};
    ASSERT_TRUE(client.e().info(h, i));
    EXPECT_TRUE(i.ts_ok);
    EXPECT_TRUE(i.sack_ok);
    EXPECT_EQ(i.snd_wscale, 1);
    EXPECT_EQ(client.e().counters().conn_active, 1u);
    // The same flow cannot be opened twice.
    EXPECT_FALSE(
        client.e().connect({{kServerIp, kClientIp, 7, 33000}, ConsumerKind::Punt}).valid());
}

TEST(TcpHandshake, ActiveOpenRefusedAndTimedOut) {
    EngineConfig cfg = test_config();
    cfg.syn_retries = 2;
    EngineBox client(cfg), server;
    SimNet net(client, server, {});
    // Refused: nothing listens on 99.
    ConnHandle h = client.e().connect({{kServerIp, kClientIp, 99, 33001}, ConsumerKind::Punt});
    PuntHub hub(client.e());
    PuntApp& app = hub.add(h);
    ASSERT_TRUE(net.run_until(
        [&] {
            hub.pump();
            return app.closed;
        },
        1000000));
    EXPECT_EQ(app.reason, CloseReason::Refused);
    // Timed out: the peer never answers (all packets lost).
    net.params().loss = 1.0;
    ConnHandle h2 = client.e().connect({{kServerIp, kClientIp, 99, 33002}, ConsumerKind::Punt});
    PuntApp& app2 = hub.add(h2);
    ASSERT_TRUE(net.run_until(
        [&] {
            hub.pump();
            return app2.closed;
        },
        20000000));
    EXPECT_EQ(app2.reason, CloseReason::Timeout);
    EXPECT_EQ(client.e().gauges().connections, 0u);
}

} // namespace
} // namespace vp::tcp::test
