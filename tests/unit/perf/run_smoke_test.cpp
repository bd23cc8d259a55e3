// vpnperf's send/receive/accounting path on real ethdevs, without an appliance: the "wire" ports
// (two ring ports crossed inside the process) carry the decap traffic unchanged from the WAN port
// to the LAN port and the encap traffic back. Each direction sends a fixed count (--count) at a
// modest rate, so a starved CPU makes the run longer, never smaller. Asserts accounting only
// (everything sent arrives, probes and samples match), never timing.
// Run once on the main lcore alone and once with worker lcores (--eal --lcores ...).
#include "perf/vpnperf/gen_sessions.hpp"
#include "perf/vpnperf/runner.hpp"

#include <gtest/gtest.h>
#include <rte_lcore.h>

namespace vp::perf {
namespace {

TrafficModel make_model(crypto::Cipher cipher, size_t sessions) {
    GenSessionsOptions g;
    g.count = sessions;
    g.cipher = cipher;
    g.server = {0x0a010001, 1194};
    g.client_net = *net::parse_prefix("10.1.0.0/24");
    g.tunnel_net = *net::parse_prefix("10.8.0.0/16");
    auto file = generate_sessions(g);
    EXPECT_TRUE(file.ok());
    auto model = TrafficModel::create(std::move(*file), 0x0a020002);
    EXPECT_TRUE(model.ok());
    return std::move(*model);
}

constexpr uint64_t kPackets = 1000; // per direction: ten probes at --probe-every 100

RunOptions wire_options(TrafficDirection direction, const char* size) {
    RunOptions o;
    o.wan = o.lan = "wire";
    o.loopback = true;
    o.direction = direction;
    o.size = *SizeMix::parse(size);
    o.rate_pps = 20000;
    o.count = kPackets;
    o.duration_s = 60; // a bound for a starved machine; the count ends the run
    o.probe_every = 100;
    o.verify_every = 64;
    o.template_budget = 512;
    return o;
}

void expect_lossless(const DirectionResult& d, bool sealed_receive) {
    SCOPED_TRACE(std::string(to_string(d.direction)));
    EXPECT_EQ(d.tx_packets, kPackets) << "--count packets are sent, probes included";
    EXPECT_EQ(d.rx_packets, d.tx_packets) << "the wire loses nothing";
    EXPECT_EQ(d.rx_frame_bytes, d.tx_frame_bytes) << "frames arrive unchanged";
    EXPECT_EQ(d.rx_inner_bytes, d.tx_inner_bytes);
    EXPECT_EQ(d.tx_rejected, 0u);
    EXPECT_EQ(d.rx_unmatched, 0u);
    EXPECT_EQ(d.probes_sent, kPackets / 100);
    EXPECT_EQ(d.probes_received, d.probes_sent);
    EXPECT_EQ(d.latency.count(), d.probes_sent);
    EXPECT_GT(d.latency.max_ns(), 0u);
    EXPECT_EQ(d.verify_failed, 0u);
    if (sealed_receive) {
        EXPECT_GE(d.verified, d.probes_received) << "probes are opened";
    }
    EXPECT_DOUBLE_EQ(d.loss_percent(), 0.0);
    EXPECT_GT(d.seconds, 0.0);
}

TEST(RunSmoke, DecapOverTheWire) {
    const TrafficModel model = make_model(crypto::Cipher::Aes256Gcm, 16);
    auto report = run_traffic(wire_options(TrafficDirection::Decap, "64"), model, nullptr, false);
    ASSERT_TRUE(report.ok()) << report.message();
    ASSERT_EQ(report->directions.size(), 1u);
    EXPECT_EQ(report->directions[0].direction, TrafficDirection::Decap);
    expect_lossless(report->directions[0], true);
    EXPECT_TRUE(report->info.loopback);
    EXPECT_EQ(report->info.port_other_packets, 0u);
    // With --eal --lcores giving workers, transmit and receive ran on them.
    EXPECT_EQ(report->info.worker_lcores, rte_lcore_count() > 1 ? 2u : 0u);
}

TEST(RunSmoke, BothDirectionsImixCbc) {
    const TrafficModel model = make_model(crypto::Cipher::Aes256Cbc, 5);
    auto report = run_traffic(wire_options(TrafficDirection::Both, "imix"), model, nullptr, false);
    ASSERT_TRUE(report.ok()) << report.message();
    ASSERT_EQ(report->directions.size(), 2u);
    expect_lossless(report->directions[0], true);  // decap: sealed frames come back
    expect_lossless(report->directions[1], false); // encap: plaintext comes back
    // IMIX: 346 inner bytes per packet on average (probes are smaller).
    const DirectionResult& d = report->directions[0];
    const double avg = static_cast<double>(d.tx_inner_bytes) / static_cast<double>(d.tx_packets);
    EXPECT_GT(avg, 300);
    EXPECT_LT(avg, 360);
}

TEST(RunSmoke, InterruptEndsTheRunEarly) {
    const TrafficModel model = make_model(crypto::Cipher::ChaCha20Poly1305, 2);
    RunOptions o = wire_options(TrafficDirection::Encap, "128");
    o.duration_s = 600;
    o.count = 0;
    std::atomic<bool> interrupted{true};
    auto report = run_traffic(o, model, &interrupted, false);
    ASSERT_TRUE(report.ok()) << report.message();
    EXPECT_LT(report->directions[0].seconds, 10);
}

TEST(RunSmoke, BadDevargsAreReported) {
    const TrafficModel model = make_model(crypto::Cipher::Aes256Gcm, 1);
    RunOptions o = wire_options(TrafficDirection::Decap, "64");
    o.wan = "net_nosuchdriver0";
    o.lan = "net_null0";
    o.loopback = false;
    auto report = run_traffic(o, model, nullptr, false);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.message().find("wan (net_nosuchdriver0)"), std::string::npos)
        << report.message();
}

TEST(RunSmoke, ArpTimeoutNamesThePort) {
    // net_null ports answer nothing: resolving the appliance's WAN MAC must time out cleanly.
    const TrafficModel model = make_model(crypto::Cipher::Aes256Gcm, 1);
    RunOptions o = wire_options(TrafficDirection::Decap, "64");
    o.wan = "net_null0,no-rx=1";
    o.lan = "net_null1,no-rx=1";
    o.loopback = false;
    o.arp_timeout_s = 0.3;
    auto report = run_traffic(o, model, nullptr, false);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.message().find("wan: no ARP reply from 10.1.0.1"), std::string::npos)
        << report.message();
}

} // namespace
} // namespace vp::perf
