// SSTP's first stage through the real workers, on net_pcap ports, in-process (the rig of
// ovpn_data_test.cpp): the control plane injects what it opened and gets what it must seal.
#include "tests/scenario/ovpn_data_rig.hpp"

#include <gtest/gtest.h>

namespace vp {
namespace {

using namespace scenario_rig;

// SSTP's first stage on the workers (the control plane opens and seals the records): a packet the
// control plane injects as SessionInput is counted on its session, anti-spoofed and forwarded;
// a LAN packet routed into the session is counted and punted (SstpEvent::Outbound) by the
// owner; injections for an unknown session or with a foreign source are counted drops.
TEST(SstpFirstStage, InjectedInputIsForwardedAndOutputIsPuntedToTheControlPlane) {
    Bytes up = ipv4_udp(tunnel_ip, host_ip, 1, 2, Bytes(50, 1));
    Bytes spoofed = ipv4_udp(0x0a020063, host_ip, 1, 2, Bytes(50, 2));
    Bytes down = ipv4_udp(host_ip, tunnel_ip, 2, 1, Bytes(60, 3));
    std::unique_ptr<dp::SessionPublisher> sstp;
    constexpr dp::SessionId id = 77;
    auto inject = [](ctl::Appliance& a, dp::SessionId session, const Bytes& ip) {
        rte_mbuf* m = rte_pktmbuf_alloc(a.dataplane().pool());
        ASSERT_NE(m, nullptr);
        auto* p = rte_pktmbuf_append(m, static_cast<uint16_t>(14 + ip.size()));
        std::memcpy(p + 14, ip.data(), ip.size());
        EXPECT_TRUE(
            a.dataplane().inject({m, dp::InjectAction::SessionInput, 0, {.session = session}}, 0));
    };
    ApplianceRun run;
    run.in[1] = {{ethernet(lan_mac, host_mac, down)}};
    run.setup = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        sstp = std::make_unique<dp::SessionPublisher>(a.dataplane());
        dp::SessionSpec spec;
        spec.tunnel_ip_be = rte_cpu_to_be_32(tunnel_ip);
        spec.tunnel_local_ip_be = rte_cpu_to_be_32(tunnel_local);
        ASSERT_TRUE(sstp->publish(std::make_unique<dp::SstpSession>(id, 0, 0x1234), spec).ok());
        inject(a, id, up);
        inject(a, id, spoofed);
        inject(a, id + 1, up);
    };
    run.check = [&](ctl::Appliance& a, dp::OvpnPublisher&) {
        dp::Session* s = sstp->find(id);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->kind, dp::SessionKind::Sstp);
        EXPECT_EQ(s->counters.rx_packets.get(), 2u) << "both injected into the session";
        EXPECT_EQ(s->counters.rx_bytes.get(), up.size() + spoofed.size());
        EXPECT_EQ(s->counters.rx_dropped.get(), 1u) << "the spoofed source";
        EXPECT_EQ(s->counters.tx_packets.get(), 1u);
        EXPECT_EQ(s->counters.tx_bytes.get(), down.size());
        EXPECT_EQ(counter(a, dp::WorkerCounter::sstp_punted_out), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::anti_spoof), 1u);
        EXPECT_EQ(drops(a, dp::DropReason::session_gone), 1u) << "the unknown session";
        sstp.reset(); // before the appliance goes
    };
    run.execute();
    ASSERT_EQ(run.out[1][0].size(), 1u) << "the injected packet, forwarded to the LAN host";
    EXPECT_EQ(Bytes(run.out[1][0][0].begin() + 14, run.out[1][0][0].begin() + 20),
              Bytes(up.begin(), up.begin() + 6));
    EXPECT_TRUE(run.out[0][0].empty()) << "the outbound packet went to the control plane";
}

} // namespace
} // namespace vp
