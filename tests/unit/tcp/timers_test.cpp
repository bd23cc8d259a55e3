// Timer-driven behaviour against a scripted peer: RFC 6298 retransmission timing with Karn's
// rule, fast retransmit and recovery (NewReno and SACK), zero-window probing, keepalive.
#include "dataplane/tcp/seq.hpp"
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

namespace vp::tcp::test {
namespace {

struct Conn {
    EngineBox box;
    ScriptedPeer peer{box};
    PuntHub hub{box.e()};
    ConnHandle h;

    // Opens a connection whose handshake RTT is `rtt_us` (no timestamps unless asked).
    Conn(uint64_t rtt_us, bool ts, bool sack, EngineConfig cfg = test_config()) : box(cfg) {
        EXPECT_TRUE(box.e().listen({80, ConsumerKind::Punt}).ok());
        peer.use_ts = ts;
        peer.use_sack = sack;
        SegSpec syn = peer.spec(flag::Syn);
        syn.opt.mss = 1460;
        syn.opt.wscale = 7;
        syn.opt.sack_permitted = sack;
        auto out = box.feed(syn);
        peer.seq++;
        peer.learn(out);
        box.advance(rtt_us);
        peer.ack();
        h = box.e().lookup({kClientIp, kServerIp, peer.sport, peer.dport});
        hub.pump();
    }
    ConnInfo info() {
        ConnInfo i{};
        EXPECT_TRUE(box.e().info(h, i));
        return i;
    }
    // Advances `us` in ticks; returns the times (relative to now) of data segments sent.
    std::vector<uint64_t> retransmit_times(uint64_t us) {
        std::vector<uint64_t> at;
        uint64_t t0 = box.now();
        for (uint64_t t = 0; t < us; t += 1000)
            for (auto& o : box.advance(1000))
                if (!o.payload.empty()) at.push_back(box.now() - t0);
        return at;
    }
};

TEST(TcpTimers, RetransmissionTimeoutFollowsRfc6298) {
    Conn c(100000, false, false); // handshake RTT 100 ms: SRTT 100, RTTVAR 50, RTO 300 ms
    ConnInfo i = c.info();
    EXPECT_EQ(i.srtt_us, 100000u);
    EXPECT_EQ(i.rto_us, 300000u);
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(100, 1)), 100u);
    auto first = c.box.flush();
    ASSERT_EQ(first.size(), 1u);
    // §5.5: doubled each expiry: 300, then 600 later, then 1200 later.
    auto at = c.retransmit_times(2200000);
    ASSERT_EQ(at.size(), 3u);
    EXPECT_EQ(at[0], 300000u);
    EXPECT_EQ(at[1], 900000u);
    EXPECT_EQ(at[2], 2100000u);
    EXPECT_EQ(c.box.e().counters().rto_expirations, 3u);
    EXPECT_EQ(c.info().backoff, 3);
}

TEST(TcpTimers, KarnsRuleKeepsBackoffUntilAFreshSample) {
    Conn c(100000, false, false);
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(100, 1)), 100u);
    c.box.flush();
    auto at = c.retransmit_times(1000000); // RTO at 300 ms and 900 ms: backoff 2
    ASSERT_EQ(at.size(), 2u);
    // The ACK of a retransmitted segment gives no RTT sample (Karn): SRTT stays, and so does
    // the backed-off timeout.
    c.box.advance(50000);
    c.peer.rcv_nxt = c.info().snd_max;
    c.peer.ack();
    EXPECT_EQ(c.info().srtt_us, 100000u);
    EXPECT_EQ(c.info().backoff, 2);
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(100, 2)), 100u);
    c.box.flush();
    at = c.retransmit_times(1300000);
    ASSERT_GE(at.size(), 1u);
    EXPECT_EQ(at[0], 1200000u) << "the backed-off RTO (4 x 300 ms) is kept";
    // New data acknowledged without retransmission is a valid sample and clears the backoff.
    c.peer.rcv_nxt = c.info().snd_max;
    c.peer.ack();
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(100, 3)), 100u);
    c.box.flush();
    c.box.advance(200000);
    c.peer.rcv_nxt = c.info().snd_max;
    c.peer.ack();
    ConnInfo i = c.info();
    EXPECT_EQ(i.backoff, 0);
    // SRTT = 7/8*100 + 1/8*200 = 112.5 ms.
    EXPECT_EQ(i.srtt_us, 112500u);
}

TEST(TcpTimers, FastRetransmitAndNewRenoRecovery) {
    Conn c(10000, false, false);
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(40000, 1)), 40000u);
    auto out = c.box.flush();
    ASSERT_EQ(out.size(), 10u) << "RFC 6928 initial window: 10 segments";
    uint32_t s0 = out[0].h.seq;
    const uint32_t mss = 1460;
    // ACK the first segment; the second is "lost".
    c.peer.rcv_nxt = s0 + mss;
    c.peer.ack();
    uint32_t snd_max = c.info().snd_max;
    // Three duplicate ACKs.
    std::vector<OutSeg> rx;
    for (int k = 0; k < 3; ++k) {
        auto v = c.peer.send(flag::Ack);
        rx.insert(rx.end(), v.begin(), v.end());
    }
    ASSERT_FALSE(rx.empty());
    EXPECT_EQ(rx.back().h.seq, s0 + mss) << "fast retransmit of the missing segment";
    EXPECT_EQ(rx.back().payload.size(), mss);
    ConnInfo i = c.info();
    EXPECT_TRUE(i.in_recovery);
    EXPECT_EQ(i.ssthresh, (snd_max - (s0 + mss)) / 2);
    EXPECT_EQ(i.cwnd, i.ssthresh + 3 * mss); // RFC 6582 step 2 (NewReno, no SACK)
    EXPECT_EQ(c.box.e().counters().fast_retransmits, 1u);
    EXPECT_EQ(c.box.e().counters().dup_acks, 3u);
    // A partial ACK (up to the 5th segment) retransmits the next hole at once.
    c.peer.rcv_nxt = s0 + 4 * mss;
    out = c.peer.ack();
    bool hole = false;
    for (auto& o : out)
        hole |= o.h.seq == s0 + 4 * mss;
    EXPECT_TRUE(hole) << "NewReno partial ACK retransmission";
    EXPECT_TRUE(c.info().in_recovery);
    // Acknowledging everything up to `recover` ends the recovery.
    c.peer.rcv_nxt = c.info().snd_max;
    c.peer.ack();
    i = c.info();
    EXPECT_FALSE(i.in_recovery);
    EXPECT_LE(i.cwnd, i.ssthresh);
}

TEST(TcpTimers, SackRecoveryRetransmitsOnlyTheHoles) {
    Conn c(10000, true, true);
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(40000, 1)), 40000u);
    auto out = c.box.flush();
    ASSERT_EQ(out.size(), 10u);
    uint32_t s0 = out[0].h.seq;
    uint32_t seg = static_cast<uint32_t>(out[0].payload.size()); // 1448 with timestamps
    // Segments 1 and 4 are lost; the peer SACKs 2-3 and 5-9.
    c.peer.rcv_nxt = s0 + seg;
    c.peer.ack();
    std::vector<OutSeg> rx;
    for (int k = 0; k < 3; ++k) {
        SegSpec s = c.peer.spec(flag::Ack);
        s.opt.sack_count = 2;
        s.opt.sack[0] = {s0 + 2 * seg, s0 + 4 * seg};
        s.opt.sack[1] = {s0 + 5 * seg, s0 + (k == 2 ? 10 : 7) * seg};
        auto v = c.box.feed(s);
        rx.insert(rx.end(), v.begin(), v.end());
    }
    std::vector<uint32_t> retransmitted;
    for (auto& o : rx)
        if (seq_lt(o.h.seq, c.info().snd_max) && !o.payload.empty() &&
            seq_lt(o.h.seq, s0 + 10 * seg))
            retransmitted.push_back(o.h.seq);
    ASSERT_GE(retransmitted.size(), 2u);
    EXPECT_EQ(retransmitted[0], s0 + seg);
    EXPECT_EQ(retransmitted[1], s0 + 4 * seg);
    for (uint32_t r : retransmitted) {
        EXPECT_TRUE(r == s0 + seg || r == s0 + 4 * seg) << "retransmitted a SACKed segment";
    }
    EXPECT_TRUE(c.info().in_recovery);
    EXPECT_EQ(c.box.e().counters().fast_retransmits, 1u);
}

TEST(TcpTimers, ZeroWindowIsProbedWithBackoff) {
    Conn c(10000, true, true);
    c.peer.window = 0;
    c.peer.ack();
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(5000, 1)), 5000u);
    EXPECT_TRUE(c.box.flush().empty()) << "nothing goes into a zero window";
    std::vector<uint64_t> probes;
    uint64_t t0 = c.box.now();
    for (int t = 0; t < 1500; ++t) {
        for (auto& o : c.box.advance(1000)) {
            if (o.payload.size() == 1) {
                probes.push_back(c.box.now() - t0);
                c.peer.ack(); // still zero: answered with the same ACK
            }
        }
    }
    ASSERT_EQ(probes.size(), 3u);
    EXPECT_EQ(probes[0], 200000u); // RTO (the 200 ms floor), then doubling
    EXPECT_EQ(probes[1], 600000u);
    EXPECT_EQ(probes[2], 1400000u);
    EXPECT_EQ(c.box.e().counters().window_probes, 3u);
    EXPECT_EQ(c.info().state, TcpState::Established);
    // The window opens: data flows without waiting for the next probe.
    c.peer.window = 100;
    auto out = c.peer.ack();
    uint32_t bytes = 0;
    for (auto& o : out)
        bytes += static_cast<uint32_t>(o.payload.size());
    EXPECT_GE(bytes, 4000u);
}

TEST(TcpTimers, KeepaliveProbesThenGivesUp) {
    EngineConfig cfg = test_config();
    cfg.keepalive_idle_ms = 10000;
    cfg.keepalive_interval_ms = 1000;
    cfg.keepalive_probes = 3;
    Conn c(10000, true, true, cfg);
    auto out = c.box.advance(10000000);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].h.seq, c.info().snd_una - 1) << "probe: SEQ = SND.UNA - 1";
    EXPECT_TRUE(out[0].payload.empty());
    c.peer.ack(); // answered: the count starts over
    out = c.box.advance(9990000);
    EXPECT_TRUE(out.empty());
    std::vector<OutSeg> all;
    for (int i = 0; i < 5; ++i) {
        auto v = c.box.advance(1000000);
        all.insert(all.end(), v.begin(), v.end());
    }
    ASSERT_EQ(all.size(), 4u); // three probes, then the RST
    EXPECT_TRUE(all[3].has(flag::Rst));
    c.hub.pump();
    ASSERT_EQ(c.hub.apps().size(), 1u);
    EXPECT_TRUE(c.hub.apps().begin()->second.closed);
    EXPECT_EQ(c.hub.apps().begin()->second.reason, CloseReason::Timeout);
    EXPECT_EQ(c.box.e().counters().keepalive_probes, 4u);
    EXPECT_EQ(c.box.e().gauges().connections, 0u);
}

TEST(TcpTimers, RetransmissionLimitDropsTheConnection) {
    EngineConfig cfg = test_config();
    cfg.max_retransmits = 3;
    Conn c(10000, true, true, cfg);
    ASSERT_EQ(c.box.e().send_copy(c.h, pattern(100, 1)), 100u);
    c.box.flush();
    auto out = c.box.advance(10000000);
    ASSERT_FALSE(out.empty());
    EXPECT_TRUE(out.back().has(flag::Rst));
    c.hub.pump();
    EXPECT_EQ(c.hub.apps().begin()->second.reason, CloseReason::Timeout);
    EXPECT_EQ(c.box.e().counters().conn_timeouts, 1u);
}

} // namespace
} // namespace vp::tcp::test
