// Two engines over a simulated link: bulk transfer both ways with byte-exact integrity under
// loss, reordering and duplication, with and without SACK and timestamps; many connections
// through the echo consumer; a stalled reader; an abort in mid-transfer. Every run must end
// with all slots and mbufs returned.
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

namespace vp::tcp::test {
namespace {

struct Case {
    const char* name;
    LinkParams link;
    bool sack;
    bool ts;
    size_t bytes;
    bool zero_copy = false;
};

EngineConfig transfer_config(bool sack, bool ts, bool zero_copy = false) {
    EngineConfig cfg = test_config();
    cfg.tx_zero_copy = zero_copy;
    cfg.sack = sack;
    cfg.timestamps = ts;
    cfg.time_wait_ms = 1000;
    cfg.max_retransmits = 15;
    return cfg;
}

class TcpTransfer : public ::testing::TestWithParam<Case> {};

TEST_P(TcpTransfer, BulkBothWaysIsByteExact) {
    const Case& k = GetParam();
    unsigned baseline = pool_in_use();
    {
        EngineBox client(transfer_config(k.sack, k.ts, k.zero_copy)),
            server(transfer_config(k.sack, k.ts, k.zero_copy));
        ASSERT_TRUE(server.e().listen({80, ConsumerKind::Punt}).ok());
        SimNet net(client, server, k.link);
        PuntHub ch(client.e()), sh(server.e());
        sh.accept_template.to_send = pattern(k.bytes, 2);
        ConnHandle h = client.e().connect({{kServerIp, kClientIp, 80, 30000}, ConsumerKind::Punt});
        PuntApp& app = ch.add(h);
        app.to_send = pattern(k.bytes, 1);
        app.close_when_done = true;
        bool done = net.run_until(
            [&] {
                ch.pump();
                sh.pump();
                return app.closed && sh.closed_count() == 1;
            },
            300000000);
        ASSERT_TRUE(done) << "client got " << app.received.size() << " of " << k.bytes;
        ASSERT_EQ(sh.apps().size(), 1u);
        PuntApp& srv = sh.apps().begin()->second;
        EXPECT_EQ(app.reason, CloseReason::Normal);
        EXPECT_EQ(srv.reason, CloseReason::Normal);
        EXPECT_TRUE(app.received == srv.to_send) << "server to client corrupted";
        EXPECT_TRUE(srv.received == app.to_send) << "client to server corrupted";
        // TIME-WAIT ends; every slot is free.
        net.run_until([&] { return client.e().gauges().connections == 0; }, 5000000);
        EXPECT_EQ(client.e().gauges().connections, 0u);
        EXPECT_EQ(server.e().gauges().connections, 0u);
        if (k.link.loss > 0) {
            EXPECT_GT(client.e().counters().retransmits + server.e().counters().retransmits, 0u);
        }
    }
    EXPECT_EQ(pool_in_use(), baseline) << "mbufs leaked";
}

INSTANTIATE_TEST_SUITE_P(
    Links, TcpTransfer,
    ::testing::Values(
        Case{"clean", {}, true, true, 1 << 20},
        Case{"loss1", {.loss = 0.01, .seed = 11}, true, true, 1 << 20},
        Case{"loss5", {.loss = 0.05, .seed = 12}, true, true, 512 << 10},
        Case{"loss5_nosack", {.loss = 0.05, .seed = 13}, false, true, 512 << 10},
        Case{"loss5_nots", {.loss = 0.05, .seed = 14}, true, false, 512 << 10},
        Case{"loss2_plain", {.loss = 0.02, .seed = 15}, false, false, 512 << 10},
        Case{"reorder", {.reorder = 0.1, .seed = 16}, true, true, 1 << 20},
        Case{"duplicate", {.dup = 0.1, .seed = 17}, true, true, 1 << 20},
        Case{"clean_zero_copy", {}, true, true, 1 << 20, true},
        Case{"loss5_zero_copy", {.loss = 0.05, .seed = 19}, true, true, 512 << 10, true},
        Case{"everything",
             {.loss = 0.03, .dup = 0.03, .reorder = 0.05, .seed = 18},
             true,
             true,
             512 << 10}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(TcpTransferMisc, ThousandConnectionsThroughEcho) {
    unsigned baseline = pool_in_use();
    {
        EngineConfig cfg = transfer_config(true, true);
        EngineBox client(cfg), server(cfg);
        ASSERT_TRUE(server.e().listen({7, ConsumerKind::Echo}).ok());
        SimNet net(client, server, {.loss = 0.01, .seed = 21});
        PuntHub ch(client.e());
        std::vector<ConnHandle> hs;
        for (uint16_t i = 0; i < 1000; ++i) {
            ConnHandle h = client.e().connect(
                {{kServerIp, kClientIp, 7, static_cast<uint16_t>(20000 + i)}, ConsumerKind::Punt});
            ASSERT_TRUE(h.valid());
            PuntApp& a = ch.add(h);
            a.to_send = pattern(2000, i);
            a.close_when_done = true;
            hs.push_back(h);
        }
        bool done = net.run_until(
            [&] {
                ch.pump();
                return ch.closed_count() == 1000;
            },
            120000000);
        ASSERT_TRUE(done) << ch.closed_count() << " of 1000 closed";
        size_t good = 0;
        for (auto& h : hs) {
            PuntApp* a = ch.find(h);
            good += a && a->received == a->to_send && a->reason == CloseReason::Normal;
        }
        EXPECT_EQ(good, 1000u);
        int shown = 0; // name a few failures
        for (auto& h : hs) {
            PuntApp* a = ch.find(h);
            if (a && !(a->received == a->to_send && a->reason == CloseReason::Normal) &&
                shown++ < 5)
                printf("conn %u: got %zu of %zu, reason %s\n", h.index, a->received.size(),
                       a->to_send.size(), to_string(a->reason));
        }

        // 1000 simultaneous SYNs overflow the 256-entry backlog: cookies carry the rest.
        EXPECT_GT(server.e().counters().syn_cookies_accepted, 0u);
        net.run_until([&] { return client.e().gauges().connections == 0; }, 5000000);
        EXPECT_EQ(server.e().gauges().connections, 0u);
    }
    EXPECT_EQ(pool_in_use(), baseline) << "mbufs leaked";
}

TEST(TcpTransferMisc, StalledReaderIsProbedAndResumes) {
    EngineConfig cfg = transfer_config(true, true);
    EngineBox client(cfg), server(cfg);
    ASSERT_TRUE(server.e().listen({80, ConsumerKind::Punt}).ok());
    SimNet net(client, server, {});
    PuntHub ch(client.e()), sh(server.e());
    ConnHandle h = client.e().connect({{kServerIp, kClientIp, 80, 30001}, ConsumerKind::Punt});
    PuntApp& app = ch.add(h);
    app.to_send = pattern(300000, 3);
    app.close_when_done = true;
    // The server reads the first events, then stops reading for 5 s.
    net.run_until(
        [&] {
            ch.pump();
            sh.pump();
            return !sh.apps().empty();
        },
        1000000);
    sh.paused = true;
    net.run_until(
        [&] {
            ch.pump();
            return false;
        },
        5000000);
    EXPECT_GT(client.e().counters().window_probes, 0u);
    ConnInfo i{};
    ASSERT_TRUE(client.e().info(h, i));
    EXPECT_EQ(i.state, TcpState::Established);
    EXPECT_EQ(i.snd_wnd, 0u);
    sh.paused = false;
    ASSERT_TRUE(net.run_until(
        [&] {
            ch.pump();
            sh.pump();
            return sh.apps().begin()->second.received.size() == 300000;
        },
        10000000));
    EXPECT_TRUE(sh.apps().begin()->second.received == app.to_send);
}

TEST(TcpTransferMisc, AbortInMidTransferResetsThePeer) {
    EngineConfig cfg = transfer_config(true, true);
    EngineBox client(cfg), server(cfg);
    ASSERT_TRUE(server.e().listen({80, ConsumerKind::Punt}).ok());
    SimNet net(client, server, {});
    PuntHub ch(client.e()), sh(server.e());
    ConnHandle h = client.e().connect({{kServerIp, kClientIp, 80, 30002}, ConsumerKind::Punt});
    PuntApp& app = ch.add(h);
    app.to_send = pattern(1 << 20, 4);
    ASSERT_TRUE(net.run_until(
        [&] {
            ch.pump();
            sh.pump();
            return !sh.apps().empty() && sh.apps().begin()->second.received.size() > 100000;
        },
        10000000));
    client.e().abort(h);
    ASSERT_TRUE(net.run_until(
        [&] {
            ch.pump();
            sh.pump();
            return sh.closed_count() == 1 && app.closed;
        },
        5000000));
    EXPECT_EQ(sh.apps().begin()->second.reason, CloseReason::Reset);
    EXPECT_EQ(app.reason, CloseReason::Aborted);
    EXPECT_EQ(server.e().gauges().connections, 0u);
    EXPECT_EQ(client.e().gauges().connections, 0u);
}

} // namespace
} // namespace vp::tcp::test
