// SYN cookies (RFC 4987) when the SYN backlog is full: stateless SYN-ACKs, connections opened
// from the returning ACK with their options, forged and stale cookies refused, secret rotation.
#include "dataplane/tcp/syn_cookie.hpp"
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

namespace vp::tcp::test {
namespace {

EngineConfig small_backlog() {
    EngineConfig cfg = test_config();
    cfg.syn_backlog = 2;
    return cfg;
}

// Fills the backlog with two embryonic connections.
void fill_backlog(EngineBox& box) {
    for (uint16_t p = 1; p <= 2; ++p) {
        SegSpec syn;
        syn.sport = p;
        syn.seq = 100;
        syn.flags = flag::Syn;
        ASSERT_EQ(box.feed(syn).size(), 1u);
    }
    ASSERT_EQ(box.e().gauges().syn_received, 2u);
}

TEST(TcpCookies, FullBacklogAnswersStatelesslyAndTheAckOpens) {
    EngineBox box(small_backlog());
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Punt}).ok());
    fill_backlog(box);
    ScriptedPeer p{box};
    p.wscale = 9;
    SegSpec syn = p.spec(flag::Syn);
    syn.opt.mss = 1400;
    syn.opt.wscale = 9;
    syn.opt.sack_permitted = true;
    auto out = box.feed(syn);
    p.seq++;
    ASSERT_EQ(out.size(), 1u);
    const OutSeg& sa = out[0];
    EXPECT_TRUE(sa.has(flag::Syn) && sa.has(flag::Ack));
    EXPECT_EQ(box.e().gauges().connections, 2u) << "no state for the cookie SYN";
    EXPECT_EQ(box.e().counters().syn_cookies_sent, 1u);
    EXPECT_TRUE(sa.h.opt.has_wscale);
    EXPECT_TRUE(sa.h.opt.sack_permitted);
    ASSERT_TRUE(sa.h.opt.has_timestamps);
    bool ws = false, sack = false;
    uint8_t scale = 0;
    SynCookies::decode_ts(sa.h.opt.ts_val, ws, scale, sack);
    EXPECT_TRUE(ws);
    EXPECT_EQ(scale, 9);
    EXPECT_TRUE(sack);
    p.learn(out);
    p.ts++;
    out = p.send(flag::Ack, pattern(100, 1)); // data on the third segment is kept
    ConnHandle h = box.e().lookup({kClientIp, kServerIp, p.sport, p.dport});
    ConnInfo i{};
    ASSERT_TRUE(box.e().info(h, i));
    EXPECT_EQ(i.state, TcpState::Established);
    EXPECT_TRUE(i.from_cookie);
    EXPECT_EQ(i.snd_mss, 1400); // from the cookie's MSS table
    EXPECT_EQ(i.snd_wscale, 9);
    EXPECT_TRUE(i.sack_ok);
    EXPECT_TRUE(i.ts_ok);
    EXPECT_EQ(box.e().counters().syn_cookies_accepted, 1u);
    PuntHub hub(box.e());
    hub.pump();
    PuntApp* app = hub.find(h);
    ASSERT_NE(app, nullptr);
    EXPECT_TRUE(app->opened);
    EXPECT_EQ(app->received, pattern(100, 1));
    // And the engine sends on it.
    EXPECT_EQ(box.e().send_copy(h, pattern(3000, 2)), 3000u);
    out = box.flush();
    uint32_t n = 0;
    for (auto& o : out)
        n += static_cast<uint32_t>(o.payload.size());
    EXPECT_EQ(n, 3000u);
}

TEST(TcpCookies, WithoutTimestampsWindowScaleAndSackAreLost) {
    EngineBox box(small_backlog());
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    fill_backlog(box);
    ScriptedPeer p{box};
    p.use_ts = false;
    SegSpec syn = p.spec(flag::Syn);
    syn.opt.mss = 1460;
    syn.opt.wscale = 7;
    syn.opt.sack_permitted = true;
    auto out = box.feed(syn);
    p.seq++;
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].h.opt.has_wscale);
    EXPECT_FALSE(out[0].h.opt.sack_permitted);
    p.learn(out);
    p.ack();
    ConnInfo i{};
    ASSERT_TRUE(box.e().info(box.e().lookup({kClientIp, kServerIp, p.sport, 80}), i));
    EXPECT_EQ(i.snd_wscale, 0);
    EXPECT_FALSE(i.sack_ok);
    EXPECT_EQ(i.snd_mss, 1460);
}

TEST(TcpCookies, ForgedStaleAndRotatedSecrets) {
    EngineBox box(small_backlog());
    ASSERT_TRUE(box.e().listen({80, ConsumerKind::Discard}).ok());
    fill_backlog(box);
    auto cookie_syn = [&](uint16_t port) {
        SegSpec syn;
        syn.sport = port;
        syn.seq = 5000;
        syn.flags = flag::Syn;
        auto out = box.feed(syn);
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? 0u : out[0].h.seq;
    };
    auto ack = [&](uint16_t port, uint32_t cookie) {
        SegSpec a;
        a.sport = port;
        a.seq = 5001;
        a.ack = cookie + 1;
        a.flags = flag::Ack;
        return box.feed(a);
    };
    // Forged: wrong cookie.
    uint32_t c1 = cookie_syn(1000);
    auto out = ack(1000, c1 + 7);
    EXPECT_TRUE(out.empty()) << "dropped quietly while cookies are in use";
    EXPECT_EQ(box.e().counters().syn_cookies_rejected, 1u);
    // A cookie for another flow does not open this one.
    uint32_t c2 = cookie_syn(1001);
    ack(1002, c2);
    EXPECT_EQ(box.e().counters().syn_cookies_rejected, 2u);
    // One rotation: cookies made under the previous secret still open.
    uint32_t c3 = cookie_syn(1003);
    uint8_t k2[16] = {9};
    ASSERT_TRUE(box.e().set_syn_cookie_secret(k2).ok());
    ack(1003, c3);
    EXPECT_EQ(box.e().counters().syn_cookies_accepted, 1u);
    // Two rotations: no longer.
    uint32_t c4 = cookie_syn(1004);
    uint8_t k3[16] = {10}, k4[16] = {11};
    ASSERT_TRUE(box.e().set_syn_cookie_secret(k3).ok());
    ASSERT_TRUE(box.e().set_syn_cookie_secret(k4).ok());
    ack(1004, c4);
    EXPECT_EQ(box.e().counters().syn_cookies_accepted, 1u);
    EXPECT_EQ(box.e().counters().syn_cookies_rejected, 3u);
    // Stale: more than two 64 s steps old.
    uint32_t c5 = cookie_syn(1005);
    box.advance(150000000);
    box.set_now(box.now() + 50000000);
    ack(1005, c5);
    EXPECT_EQ(box.e().counters().syn_cookies_accepted, 1u);
    EXPECT_FALSE(box.e().lookup({kClientIp, kServerIp, 1005, 80}).valid());
}

TEST(TcpCookies, CookieArithmetic) {
    SynCookies sc;
    uint8_t k[16] = {42};
    ASSERT_TRUE(sc.set_secret(k).ok());
    FlowKey f{kClientIp, kServerIp, 1234, 443};
    uint64_t now = 1000ull * 1000000;
    for (uint16_t mss : {536, 1300, 1359, 1460, 9000}) {
        uint32_t c = sc.make(f, 77, mss, now);
        uint16_t got = 0;
        ASSERT_TRUE(sc.check(f, 77, c, now + 100000000, got)); // 100 s later
        EXPECT_LE(got, mss);
        EXPECT_GE(got, 536);
        EXPECT_FALSE(sc.check(f, 78, c, now, got)) << "the peer ISN is covered";
        EXPECT_FALSE(sc.check(f, 77, c, now + 200000000, got)) << "too old";
    }
}

} // namespace
} // namespace vp::tcp::test
