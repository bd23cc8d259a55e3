// RST and FIN in every state (RFC 9293 §3.10.7.4 with RFC 5961 and RFC 1337), TIME-WAIT and
// its bound, FIN-WAIT-2 expiry, abort.
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

namespace vp::tcp::test {
namespace {

struct Conn {
    EngineBox box;
    ScriptedPeer peer{box};
    PuntHub hub{box.e()};
    ConnHandle h;

    explicit Conn(EngineConfig cfg = test_config(), uint16_t sport = 40000) : box(cfg) {
        EXPECT_TRUE(box.e().listen({80, ConsumerKind::Punt}).ok());
        hub.accept_template.close_on_peer_close = false;
        peer.sport = sport;
    }
    FlowKey flow() const { return {kClientIp, kServerIp, peer.sport, peer.dport}; }
    TcpState state() {
        ConnInfo i{};
        if (!box.e().info(box.e().lookup(flow()), i)) return TcpState::Closed;
        return i.state;
    }
    void open() {
        peer.handshake();
        h = box.e().lookup(flow());
        hub.pump();
    }
    // Our side sends 100 bytes and FIN; the peer sees them (and so would ACK the FIN).
    void close_ours() {
        EXPECT_EQ(box.e().send_copy(h, pattern(100, 1)), 100u);
        box.e().close(h);
        auto out = box.flush();
        ASSERT_EQ(out.size(), 1u);
        EXPECT_TRUE(out[0].has(flag::Fin));
        peer.learn(out);
    }
    void to(TcpState s) {
        switch (s) {
        case TcpState::SynReceived: {
            SegSpec syn = peer.spec(flag::Syn);
            peer.learn(box.feed(syn));
            peer.seq++;
            break;
        }
        case TcpState::Established:
            open();
            break;
        case TcpState::FinWait1:
            open();
            close_ours();
            break;
        case TcpState::FinWait2:
            open();
            close_ours();
            peer.ack();
            break;
        case TcpState::CloseWait:
            open();
            peer.send(flag::Ack | flag::Fin);
            break;
        case TcpState::Closing: {
            open();
            uint32_t una = peer.rcv_nxt;
            close_ours();
            SegSpec fin = peer.spec(flag::Ack | flag::Fin);
            fin.ack = una; // does not acknowledge our FIN
            peer.seq++;
            box.feed(fin);
            break;
        }
        case TcpState::LastAck:
            to(TcpState::CloseWait);
            hub.pump();
            box.e().close(h);
            peer.learn(box.flush());
            break;
        case TcpState::TimeWait:
            to(TcpState::FinWait2);
            peer.send(flag::Ack | flag::Fin);
            break;
        default:
            break;
        }
        ASSERT_EQ(state(), s) << to_string(s);
    }
};

const TcpState kStates[] = {TcpState::SynReceived, TcpState::Established, TcpState::FinWait1,
                            TcpState::FinWait2,    TcpState::CloseWait,   TcpState::Closing,
                            TcpState::LastAck,     TcpState::TimeWait};

TEST(TcpClose, ExactRstResetsEveryStateButTimeWait) {
    for (TcpState s : kStates) {
        SCOPED_TRACE(to_string(s));
        Conn c;
        c.to(s);
        SegSpec rst = c.peer.spec(flag::Rst);
        auto out = c.box.feed(rst);
        EXPECT_TRUE(out.empty());
        c.hub.pump();
        if (s == TcpState::TimeWait) {
            EXPECT_EQ(c.state(), TcpState::TimeWait) << "RFC 1337: RST does not end TIME-WAIT";
            continue;
        }
        EXPECT_EQ(c.state(), TcpState::Closed);
        EXPECT_EQ(c.box.e().gauges().connections, 0u);
        EXPECT_EQ(c.box.e().counters().conn_reset_rx, 1u);
        if (s != TcpState::SynReceived) {
            ASSERT_EQ(c.hub.apps().size(), 1u);
            auto& app = c.hub.apps().begin()->second;
            EXPECT_TRUE(app.closed);
            EXPECT_EQ(app.reason, CloseReason::Reset);
        } else {
            EXPECT_TRUE(c.hub.apps().empty()) << "an embryonic connection ends unseen";
        }
    }
}

TEST(TcpClose, InWindowRstDrawsChallengeAckOutOfWindowIsIgnored) {
    for (TcpState s : kStates) {
        if (s == TcpState::TimeWait) continue;
        SCOPED_TRACE(to_string(s));
        Conn c;
        c.to(s);
        SegSpec rst = c.peer.spec(flag::Rst);
        rst.seq = c.peer.seq + 100;
        auto out = c.box.feed(rst);
        ASSERT_EQ(out.size(), 1u);
        EXPECT_FALSE(out[0].has(flag::Rst));
        EXPECT_TRUE(out[0].has(flag::Ack));
        EXPECT_EQ(out[0].h.ack, c.peer.seq);
        EXPECT_EQ(out[0].has(flag::Syn), s == TcpState::SynReceived);
        EXPECT_EQ(c.state(), s);
        rst.seq = c.peer.seq + 10000000;
        EXPECT_TRUE(c.box.feed(rst).empty());
        EXPECT_EQ(c.state(), s);
    }
}

TEST(TcpClose, FinInEstablishedGoesToCloseWait) {
    Conn c;
    c.open();
    auto out = c.peer.send(flag::Ack | flag::Fin, pattern(10, 1));
    ASSERT_EQ(out.size(), 1u) << "FIN is ACKed at once";
    EXPECT_EQ(out[0].h.ack, c.peer.seq);
    EXPECT_EQ(c.state(), TcpState::CloseWait);
    c.hub.pump();
    auto& app = c.hub.apps().begin()->second;
    EXPECT_EQ(app.received.size(), 10u);
    EXPECT_TRUE(app.peer_closed);
    // A retransmitted FIN is ACKed again.
    SegSpec fin = c.peer.spec(flag::Ack | flag::Fin);
    fin.seq = c.peer.seq - 1;
    out = c.box.feed(fin);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].h.ack, c.peer.seq);
    // Our close: LAST-ACK, then the peer's ACK ends it.
    c.box.e().close(app.h);
    out = c.box.flush();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].has(flag::Fin));
    c.peer.learn(out);
    EXPECT_EQ(c.state(), TcpState::LastAck);
    c.peer.ack();
    c.hub.pump();
    EXPECT_EQ(c.state(), TcpState::Closed);
    EXPECT_TRUE(app.closed);
    EXPECT_EQ(app.reason, CloseReason::Normal);
    EXPECT_EQ(c.box.e().gauges().connections, 0u);
}

TEST(TcpClose, FinAfterAGapWaitsForTheGap) {
    Conn c;
    c.open();
    uint32_t base = c.peer.seq;
    c.peer.seq = base + 50;
    auto out = c.peer.send(flag::Ack | flag::Fin, pattern(50, 1));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].h.ack, base);
    EXPECT_EQ(c.state(), TcpState::Established);
    c.peer.seq = base;
    out = c.peer.send(flag::Ack, pattern(50, 2));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].h.ack, base + 101) << "data and the queued FIN taken together";
    EXPECT_EQ(c.state(), TcpState::CloseWait);
}

TEST(TcpClose, SimultaneousCloseThroughClosing) {
    Conn c;
    c.to(TcpState::Closing);
    c.peer.ack(); // now it ACKs our FIN
    EXPECT_EQ(c.state(), TcpState::TimeWait);
    c.hub.pump();
    auto& app = c.hub.apps().begin()->second;
    EXPECT_TRUE(app.peer_closed);
    EXPECT_TRUE(app.closed);
    EXPECT_EQ(app.reason, CloseReason::Normal);
}

TEST(TcpClose, FinAckInFinWait1GoesStraightToTimeWait) {
    Conn c;
    c.to(TcpState::FinWait1);
    c.peer.send(flag::Ack | flag::Fin); // acknowledges our FIN and sends its own
    EXPECT_EQ(c.state(), TcpState::TimeWait);
}

TEST(TcpClose, TimeWaitAcksFinRetransmissionsAndExpires) {
    EngineConfig cfg = test_config();
    cfg.time_wait_ms = 2000;
    Conn c(cfg);
    c.to(TcpState::TimeWait);
    EXPECT_EQ(c.box.e().gauges().time_wait, 1u);
    c.box.advance(1500000);
    SegSpec fin = c.peer.spec(flag::Ack | flag::Fin);
    fin.seq = c.peer.seq - 1;
    auto out = c.box.feed(fin);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].h.ack, c.peer.seq);
    c.box.advance(1500000); // restarted by the FIN: not yet expired
    EXPECT_EQ(c.state(), TcpState::TimeWait);
    c.box.advance(600000);
    c.hub.pump();
    EXPECT_EQ(c.state(), TcpState::Closed);
    EXPECT_EQ(c.box.e().gauges().connections, 0u);
    EXPECT_EQ(c.box.e().gauges().time_wait, 0u);
}

TEST(TcpClose, NewerSynReopensTimeWait) {
    Conn c;
    c.to(TcpState::TimeWait);
    c.peer.seq += 100000;
    c.peer.ts += 1000;
    SegSpec syn = c.peer.spec(flag::Syn);
    auto out = c.box.feed(syn);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].has(flag::Syn) && out[0].has(flag::Ack));
    EXPECT_EQ(c.state(), TcpState::SynReceived);
    EXPECT_EQ(c.box.e().counters().time_wait_reopened, 1u);
}

TEST(TcpClose, TimeWaitIsBounded) {
    EngineConfig cfg = test_config();
    cfg.time_wait_max = 4;
    EngineBox box(cfg);
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Punt}).ok());
    PuntHub hub(box.e());
    hub.accept_template.close_on_peer_close = false;
    for (uint16_t i = 0; i < 10; ++i) {
        ScriptedPeer p{box};
        p.sport = static_cast<uint16_t>(50000 + i);
        p.handshake();
        ConnHandle h = box.e().lookup({kClientIp, kServerIp, p.sport, 80});
        box.e().close(h);
        p.learn(box.flush());
        p.ack();
        p.send(flag::Ack | flag::Fin);
        hub.pump();
        EXPECT_LE(box.e().gauges().time_wait, 4u);
    }
    EXPECT_EQ(box.e().gauges().time_wait, 4u);
    EXPECT_EQ(box.e().gauges().connections, 4u);
    EXPECT_EQ(box.e().counters().time_wait_recycled, 6u);
}

TEST(TcpClose, FinWait2IsBounded) {
    EngineConfig cfg = test_config();
    cfg.fin_wait2_ms = 5000;
    Conn c(cfg);
    c.to(TcpState::FinWait2);
    auto out = c.box.advance(4900000);
    EXPECT_EQ(c.state(), TcpState::FinWait2);
    out = c.box.advance(200000);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].has(flag::Rst));
    c.hub.pump();
    EXPECT_EQ(c.hub.apps().begin()->second.reason, CloseReason::Timeout);
    EXPECT_EQ(c.box.e().gauges().connections, 0u);
}

TEST(TcpClose, AbortSendsRstAndReportsAborted) {
    Conn c;
    c.open();
    EXPECT_EQ(c.box.e().send_copy(c.h, pattern(1000, 1)), 1000u);
    c.box.e().abort(c.h);
    auto out = c.box.flush();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].has(flag::Rst));
    c.hub.pump();
    EXPECT_EQ(c.hub.apps().begin()->second.reason, CloseReason::Aborted);
    EXPECT_EQ(c.box.e().gauges().connections, 0u);
    EXPECT_FALSE(c.box.e().valid(c.h));
    // A stale handle is refused and counted, not used on whoever gets the slot next.
    EXPECT_FALSE(c.box.e().send(c.h, nullptr));
    EXPECT_GE(c.box.e().counters().drop_stale_handle, 1u);
}

} // namespace
} // namespace vp::tcp::test
