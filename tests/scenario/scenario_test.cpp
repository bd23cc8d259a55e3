// Scenario tests: pcap in -> pcap out through the real worker and control-plane code, on
// net_pcap ports, in-process and single-threaded (the test steps the worker loop and the control
// loop itself, so the run is deterministic). Each scenario folder holds config.cfg,
// <port>.in.pcap and <port>.expect.pcap, written by make_scenarios.py (scapy); the frames the
// appliance sends must match the expected ones byte for byte. Some scenarios also check counters.
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "dataplane/worker/worker.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <rte_byteorder.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace vp {
namespace {

namespace fs = std::filesystem;
using Frames = std::vector<std::vector<uint8_t>>;

Frames read_pcap(const fs::path& path) {
    Frames frames;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (!p) {
        ADD_FAILURE() << "cannot open " << path << ": " << err;
        return frames;
    }
    pcap_pkthdr* hdr;
    const u_char* data;
    while (pcap_next_ex(p, &hdr, &data) == 1)
        frames.emplace_back(data, data + hdr->caplen);
    pcap_close(p);
    return frames;
}

std::string hex(const std::vector<uint8_t>& f) {
    std::ostringstream o;
    for (size_t i = 0; i < f.size(); ++i) {
        if (i % 16 == 0) o << "\n  " << std::hex << std::setw(4) << std::setfill('0') << i << ": ";
        o << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(f[i]) << ' ';
    }
    return o.str();
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
}

uint64_t drops(ctl::Appliance& a, dp::DropReason r) {
    return a.dataplane().worker(0).stats().drop(r).get();
}

struct Hooks {
    std::function<void(ctl::Appliance&)> setup = [](ctl::Appliance&) {};
    std::function<void(ctl::Appliance&)> check = [](ctl::Appliance&) {};
};

void run_scenario(const std::string& name, const Hooks& hooks = {}) {
    fs::path dir = fs::path(VP_SCENARIO_DIR) / name;
    fs::path out = fs::temp_directory_path() / ("vpnplane-scenario-" + name);
    fs::remove_all(out);
    fs::create_directories(out);
    std::string text = read_text(dir / "config.cfg");
    replace_all(text, "@DIR@", dir.string());
    replace_all(text, "@OUT@", out.string());
    auto config = config::load_config_text(text);
    ASSERT_TRUE(config.ok()) << config.message();
    {
        auto appliance = ctl::Appliance::create(*config);
        ASSERT_TRUE(appliance.ok()) << appliance.message();
        ctl::Appliance& a = **appliance;
        hooks.setup(a);
        // Step worker and control loop until nothing has moved for a while (the pcap inputs are
        // finite; punted packets come back through the inject ring).
        int quiet = 0;
        for (int i = 0; i < 100000 && quiet < 200; ++i) {
            uint32_t work = a.dataplane().worker(0).poll_once() + a.poll();
            quiet = work ? 0 : quiet + 1;
        }
        hooks.check(a);
    } // closing the ports flushes the output pcaps
    for (const char* port : {"wan0", "lan0"}) {
        Frames expected = read_pcap(dir / (std::string(port) + ".expect.pcap"));
        Frames actual = read_pcap(out / (std::string(port) + ".out.pcap"));
        ASSERT_EQ(actual.size(), expected.size()) << port << ": frame count";
        for (size_t i = 0; i < expected.size(); ++i)
            EXPECT_EQ(actual[i], expected[i])
                << port << " frame " << i << "\nexpected:" << hex(expected[i])
                << "\nactual:" << hex(actual[i]);
    }
    fs::remove_all(out);
}

TEST(Scenario, ArpRepliesForOwnAddressesAndLearnsUnknownSenders) {
    run_scenario("arp_reply", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::arp_not_for_us), 1u);
                     bool learned = false;
                     for (auto& n : a.neighbors().list(ctl::Appliance::now_ms()))
                         learned |= rte_be_to_cpu_32(n.ip_be) == 0x0a01004d; // 10.1.0.77
                     EXPECT_TRUE(learned) << "the unknown sender was learned";
                 }});
}

TEST(Scenario, PingsToBothAddressesAreAnswered) {
    run_scenario("ping_reply");
}

TEST(Scenario, ForwardingDecrementsTtlAndFixesChecksum) {
    run_scenario("forward", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(a.dataplane().worker(0).stats()[dp::WorkerCounter::forwarded].get(),
                               2u);
                 }});
}

TEST(Scenario, MssIsClampedToThePathMtu) {
    run_scenario("mss_clamp", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(
                         a.dataplane().worker(0).stats()[dp::WorkerCounter::mss_clamped].get(), 1u);
                 }});
}

TEST(Scenario, ProxyArpAnswersForRegisteredClientAddresses) {
    run_scenario(
        "proxy_arp",
        {.setup =
             [](ctl::Appliance& a) {
                 ASSERT_TRUE(a.dataplane().proxy_arp().add({rte_cpu_to_be_32(0x0a090005)}, 7).ok());
             },
         .check =
             [](ctl::Appliance& a) {
                 EXPECT_EQ(
                     a.dataplane().worker(0).stats()[dp::WorkerCounter::proxy_arp_replies].get(),
                     1u);
                 EXPECT_EQ(drops(a, dp::DropReason::arp_not_for_us), 1u);
             }});
}

TEST(Scenario, PacketsToClosedPortsAreDroppedAndCounted) {
    run_scenario("closed_port", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::no_service), 2u);
                 }});
}

TEST(Scenario, TtlExpiryAnswersTimeExceeded) {
    run_scenario("ttl_expired", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::ipv4_ttl_expired), 1u);
                 }});
}

TEST(Scenario, NoRouteAnswersNetUnreachable) {
    run_scenario("no_route", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::no_route), 1u);
                 }});
}

TEST(Scenario, OversizePacketsGetFragNeededOrAreFragmented) {
    run_scenario(
        "mtu", {.check = [](ctl::Appliance& a) {
            EXPECT_EQ(drops(a, dp::DropReason::mtu_exceeded), 1u);
            EXPECT_EQ(a.dataplane().worker(0).stats()[dp::WorkerCounter::fragments_sent].get(), 2u);
        }});
}

TEST(Scenario, FirewallFilterDropsRejectsAndCountsPerRule) {
    run_scenario("firewall_filter", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::firewall_drop), 2u); // web, ping
                     EXPECT_EQ(drops(a, dp::DropReason::firewall_reject), 1u);
                     const dp::fw::FilterSet* set = a.dataplane().filter();
                     ASSERT_NE(set, nullptr);
                     for (uint32_t rule = 0; rule < 4; ++rule)
                         EXPECT_EQ(set->total(rule).packets, 1u) << "rule " << rule;
                     EXPECT_EQ(set->total(0).bytes, 40u); // IPv4 + TCP, no options
                 }});
}

TEST(Scenario, FirewallMangleChangesMssWithinTheRangeOnly) {
    run_scenario("firewall_mangle", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(
                         a.dataplane().worker(0).stats()[dp::WorkerCounter::mss_clamped].get(), 1u);
                     const dp::fw::FilterSet* set = a.dataplane().filter();
                     ASSERT_NE(set, nullptr);
                     EXPECT_EQ(set->total(0).packets, 2u); // the SYN and the SYN-ACK matched
                 }});
}

TEST(Scenario, MalformedPacketsAreDroppedByReason) {
    run_scenario("bad_packets", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::ipv4_bad_checksum), 1u);
                     EXPECT_EQ(drops(a, dp::DropReason::ipv4_bad_header), 1u);
                     EXPECT_EQ(drops(a, dp::DropReason::ipv4_bad_length), 1u);
                     EXPECT_EQ(drops(a, dp::DropReason::ipv4_martian), 1u);
                     EXPECT_EQ(drops(a, dp::DropReason::eth_not_for_us), 1u);
                 }});
}

uint64_t worker_count(ctl::Appliance& a, dp::WorkerCounter c) {
    return a.dataplane().worker(0).stats()[c].get();
}

TEST(Scenario, NatMasqueradeTranslatesBothWaysAndIcmpErrorsBack) {
    run_scenario("nat_masquerade", {.check = [](ctl::Appliance& a) {
                     auto* ct = a.dataplane().conntrack();
                     ASSERT_NE(ct, nullptr);
                     EXPECT_EQ(ct->stats().connections, 3u); // UDP, TCP, ICMP echo
                     EXPECT_EQ(worker_count(a, dp::WorkerCounter::conntrack_created), 3u);
                     // 3 out, 3 replies back, 1 ICMP error back.
                     EXPECT_EQ(worker_count(a, dp::WorkerCounter::nat_translated), 7u);
                     // The rule's counters (/ip firewall nat print stats): the first packet of
                     // each connection: UDP, TCP SYN and echo, 33 + 40 + 32 bytes of IPv4.
                     const dp::fw::FilterSet* set = a.dataplane().filter();
                     ASSERT_NE(set, nullptr);
                     EXPECT_EQ(set->nat_total(0).packets, 3u);
                     EXPECT_EQ(set->nat_total(0).bytes, 33u + 40u + 32u);
                 }});
}

TEST(Scenario, NatDstNatForwardsAPortToALanHost) {
    run_scenario("nat_dstnat", {.check = [](ctl::Appliance& a) {
                     auto* ct = a.dataplane().conntrack();
                     ASSERT_NE(ct, nullptr);
                     EXPECT_EQ(ct->stats().connections, 1u);
                     EXPECT_EQ(worker_count(a, dp::WorkerCounter::nat_translated), 2u);
                     EXPECT_EQ(a.dataplane().filter()->nat_total(0).packets, 1u); // the SYN
                     EXPECT_EQ(a.dataplane().filter()->nat_total(0).bytes, 40u);
                 }});
}

TEST(Scenario, NatPortExhaustionAndAFullTableAreCountedDrops) {
    run_scenario("nat_exhausted", {.check = [](ctl::Appliance& a) {
                     EXPECT_EQ(drops(a, dp::DropReason::nat_ports_exhausted), 1u);
                     EXPECT_EQ(drops(a, dp::DropReason::conntrack_full), 1u);
                     EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 2u);
                 }});
}

TEST(Scenario, FirewallConnectionStateAcceptsRepliesOnly) {
    run_scenario("firewall_conn_state", {.check = [](ctl::Appliance& a) {
                     // The unsolicited flow (rule 4) and the lone fragment (invalid, rule 2).
                     EXPECT_EQ(drops(a, dp::DropReason::firewall_drop), 2u);
                     const dp::fw::FilterSet* set = a.dataplane().filter();
                     ASSERT_NE(set, nullptr);
                     EXPECT_EQ(set->total(0).packets, 1u); // the answer: established
                     EXPECT_EQ(set->total(1).packets, 1u); // the fragment: invalid
                     EXPECT_EQ(set->total(2).packets, 1u); // the client's flow: new
                     EXPECT_EQ(set->total(3).packets, 1u); // the unsolicited flow
                     EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 1u);
                 }});
}

TEST(Scenario, FirewallAddressListsMatchInFilterAndNatRules) {
    run_scenario("firewall_address_list", {.check = [](ctl::Appliance& a) {
                     // The SSH SYN from 10.1.0.50 (a disabled entry: rule 1) and the flow to
                     // 10.30.1.1 (not in servers: rule 2).
                     EXPECT_EQ(drops(a, dp::DropReason::firewall_drop), 2u);
                     const dp::fw::FilterSet* set = a.dataplane().filter();
                     ASSERT_NE(set, nullptr);
                     EXPECT_EQ(set->total(0).packets, 2u); // both admins' SYNs
                     EXPECT_EQ(set->total(1).packets, 1u);
                     EXPECT_EQ(set->total(2).packets, 1u);
                     // Masquerade for the two admins' connections (first packets only); the
                     // UDP flow from 10.1.0.60 is tracked untranslated.
                     EXPECT_EQ(set->nat_total(0).packets, 2u);
                     EXPECT_EQ(set->nat_total(0).bytes, 80u);
                     EXPECT_EQ(a.dataplane().conntrack()->stats().connections, 3u);
                 }});
}

} // namespace
} // namespace vp
