// The stream-consumer seam: punt framing (raw, TLS records, 16-bit lengths), stepwise punting,
// moving a connection from the punt consumer to another (the SSTP hand-over), sends from the
// control plane with Writable, and the echo and discard consumers.
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

namespace vp::tcp::test {
namespace {

std::vector<uint8_t> tls_record(uint16_t len, uint8_t fill) {
    std::vector<uint8_t> r = {0x17, 0x03, 0x03, static_cast<uint8_t>(len >> 8),
                              static_cast<uint8_t>(len)};
    r.insert(r.end(), len, fill);
    return r;
}

struct Punted {
    EngineBox box;
    ScriptedPeer peer{box};
    ConnHandle h;

    explicit Punted(PuntMode mode) {
        EXPECT_TRUE(box.e().listen({443, ConsumerKind::Punt, mode, 77}).ok());
        peer.dport = 443;
        peer.handshake();
        h = box.e().lookup({kClientIp, kServerIp, peer.sport, 443});
    }
    std::vector<PuntEvent> poll() {
        std::vector<PuntEvent> v;
        PuntEvent ev[16];
        size_t n;
        while ((n = box.e().punt_poll(ev, 16)) > 0)
            v.insert(v.end(), ev, ev + n);
        return v;
    }
    static std::vector<uint8_t> bytes(const PuntEvent& e) {
        std::vector<uint8_t> b(e.data->pkt_len);
        const void* p = rte_pktmbuf_read(e.data, 0, e.data->pkt_len, b.data());
        if (p != b.data()) memcpy(b.data(), p, b.size());
        return b;
    }
};

TEST(TcpStream, PuntTlsRecordsAreWhole) {
    Punted t({PuntFraming::TlsRecords, false});
    auto ev = t.poll();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].kind, PuntEvent::Kind::Opened);
    EXPECT_EQ(ev[0].user_data, 77u);
    EXPECT_EQ(ev[0].flow.local_port, 443);
    auto r1 = tls_record(3000, 1), r2 = tls_record(100, 2);
    std::vector<uint8_t> stream = r1;
    stream.insert(stream.end(), r2.begin(), r2.end());
    // Arrives as 3 bytes, then up to the middle of r2, then the rest.
    t.peer.send(flag::Ack, {stream.begin(), stream.begin() + 3});
    EXPECT_TRUE(t.poll().empty()) << "no whole record yet";
    t.peer.send(flag::Ack, {stream.begin() + 3, stream.begin() + 1400});
    t.peer.send(flag::Ack, {stream.begin() + 1400, stream.begin() + 3050});
    ev = t.poll();
    ASSERT_EQ(ev.size(), 1u);
    ASSERT_EQ(ev[0].kind, PuntEvent::Kind::Data);
    EXPECT_EQ(Punted::bytes(ev[0]), r1);
    rte_pktmbuf_free(ev[0].data);
    t.peer.send(flag::Ack | flag::Fin, {stream.begin() + 3050, stream.end()});
    ev = t.poll();
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].kind, PuntEvent::Kind::Data);
    EXPECT_EQ(Punted::bytes(ev[0]), r2);
    rte_pktmbuf_free(ev[0].data);
    EXPECT_EQ(ev[1].kind, PuntEvent::Kind::PeerClosed);
}

TEST(TcpStream, PuntLength16AndPartialUnitAtEnd) {
    Punted t({PuntFraming::Length16, false});
    t.poll();
    std::vector<uint8_t> s = {0, 3, 'a', 'b', 'c', 0, 5, 'x', 'y'};
    t.peer.send(flag::Ack | flag::Fin, s);
    auto ev = t.poll();
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_EQ(Punted::bytes(ev[0]), std::vector<uint8_t>({0, 3, 'a', 'b', 'c'}));
    // The stream ended inside a unit: what is left goes out as it is, before PeerClosed.
    EXPECT_EQ(Punted::bytes(ev[1]), std::vector<uint8_t>({0, 5, 'x', 'y'}));
    EXPECT_EQ(ev[2].kind, PuntEvent::Kind::PeerClosed);
    rte_pktmbuf_free(ev[0].data);
    rte_pktmbuf_free(ev[1].data);
}

TEST(TcpStream, StepwisePuntingWaitsForResume) {
    Punted t({PuntFraming::TlsRecords, true});
    t.poll();
    auto r1 = tls_record(10, 1), r2 = tls_record(20, 2);
    std::vector<uint8_t> s = r1;
    s.insert(s.end(), r2.begin(), r2.end());
    t.peer.send(flag::Ack, s);
    auto ev = t.poll();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(Punted::bytes(ev[0]), r1);
    rte_pktmbuf_free(ev[0].data);
    EXPECT_TRUE(t.poll().empty());
    t.box.e().punt_resume(t.h);
    ev = t.poll();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(Punted::bytes(ev[0]), r2);
    rte_pktmbuf_free(ev[0].data);
}

TEST(TcpStream, HandOverFromPuntToAnotherConsumer) {
    // The SSTP pattern: the control plane takes the handshake record by record, then gives the
    // stream to a worker consumer; bytes already queued go to the new consumer.
    Punted t({PuntFraming::TlsRecords, true});
    t.poll();
    auto hello = tls_record(50, 1), app = tls_record(40, 9);
    std::vector<uint8_t> s = hello;
    s.insert(s.end(), app.begin(), app.end());
    t.peer.send(flag::Ack, s);
    auto ev = t.poll();
    ASSERT_EQ(ev.size(), 1u);
    rte_pktmbuf_free(ev[0].data);
    // The control plane answers through the inject path...
    rte_mbuf* reply = rte_pktmbuf_alloc(test_pool());
    memcpy(rte_pktmbuf_append(reply, 4), "done", 4);
    EXPECT_TRUE(t.box.e().send(t.h, reply));
    // ...and hands the connection to the echo consumer.
    EXPECT_TRUE(t.box.e().set_consumer(t.h, ConsumerKind::Echo, 5));
    auto out = t.box.flush();
    std::vector<uint8_t> sent;
    for (auto& o : out)
        sent.insert(sent.end(), o.payload.begin(), o.payload.end());
    std::vector<uint8_t> want = {'d', 'o', 'n', 'e'};
    want.insert(want.end(), app.begin(), app.end());
    EXPECT_EQ(sent, want) << "the reply, then the queued record echoed";
    EXPECT_TRUE(t.poll().empty()) << "nothing more is punted";
}

TEST(TcpStream, InjectedSendRefusedWhenFullThenWritable) {
    EngineConfig cfg = test_config();
    cfg.snd_buf_bytes = 8192;
    EngineBox box(cfg);
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Punt}).ok());
    ScriptedPeer p{box};
    p.handshake();
    ConnHandle h = box.e().lookup({kClientIp, kServerIp, p.sport, 80});
    PuntEvent ev[8];
    box.e().punt_poll(ev, 8);
    EXPECT_EQ(box.e().send_copy(h, pattern(8192, 1)), 8192u);
    rte_mbuf* m = rte_pktmbuf_alloc(test_pool());
    rte_pktmbuf_append(m, 100);
    EXPECT_FALSE(box.e().send(h, m)) << "no room: refused, the caller keeps the chain";
    rte_pktmbuf_free(m);
    p.learn(box.flush());
    p.ack();
    size_t n = box.e().punt_poll(ev, 8);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(ev[0].kind, PuntEvent::Kind::Writable);
    EXPECT_GT(box.e().send_space(h), 4000u);
}

TEST(TcpStream, EchoAndDiscardConsumers) {
    EngineBox box;
    ASSERT_TRUE(box.e().listen({7, ConsumerKind::Echo}).ok());
    ASSERT_TRUE(box.e().listen({9, ConsumerKind::Discard}).ok());
    ScriptedPeer echo{box};
    echo.dport = 7;
    echo.handshake();
    auto out = echo.send(flag::Ack | flag::Psh, pattern(1000, 3));
    std::vector<uint8_t> back;
    for (auto& o : out)
        back.insert(back.end(), o.payload.begin(), o.payload.end());
    EXPECT_EQ(back, pattern(1000, 3));
    out = echo.send(flag::Ack | flag::Fin);
    bool fin = false;
    for (auto& o : out)
        fin |= o.has(flag::Fin);
    EXPECT_TRUE(fin) << "echo closes after the peer does";

    ScriptedPeer discard{box};
    discard.dport = 9;
    discard.sport = 40001;
    discard.handshake();
    for (int k = 0; k < 3; ++k) {
        out = discard.send(flag::Ack, pattern(1000, 4));
        for (auto& o : out)
            EXPECT_TRUE(o.payload.empty());
    }
    ConnInfo i{};
    ASSERT_TRUE(box.e().info(box.e().lookup({kClientIp, kServerIp, 40001, 9}), i));
    EXPECT_EQ(i.rcv_queued, 0u) << "discard consumed everything";
}

} // namespace
} // namespace vp::tcp::test
