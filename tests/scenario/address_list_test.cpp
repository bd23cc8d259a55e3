// Dynamic firewall address lists over the real appliance (net_null ports, no traffic): a session's
// grant from the real local AAA puts its tunnel address into its profile's address_list, the
// control loop compiles the filter set again with the real rte_acl and publishes it, and a rule on
// that list starts matching the session's packets; when the grant is released it stops. The rule
// counters go on across the recompilation, and `vpnctl firewall address-list` lists the entry.
// Timed entries: a configuration entry with a timeout, and an add-src-to-address-list rule that a
// real worker matches on packets read from a pcap port, reports to the control loop, which adds
// the address, recompiles, and lets the entry expire.
#include "control/address_lists.hpp"
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "dataplane/firewall/filter.hpp"
#include "dataplane/worker/worker.hpp"

#include <gtest/gtest.h>
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include <unistd.h>

namespace vp {
namespace {

int instance = 0; // vdev names must be unique within the process

std::unique_ptr<ctl::Appliance> make_appliance(const std::string& extra) {
    std::string n = std::to_string(++instance);
    std::string text = "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
                       "system = { logging = { level = \"warning\"; }; };\n"
                       "interfaces = (\n"
                       "  { name = \"wan0\"; device = \"net_null_al_w" +
                       n +
                       "\"; role = \"wan\"; address = \"10.1.0.1/24\"; },\n"
                       "  { name = \"lan0\"; device = \"net_null_al_l" +
                       n + "\"; role = \"lan\"; address = \"10.2.0.1/24\"; }\n);\n" + extra;
    auto cfg = config::load_config_text(text);
    EXPECT_TRUE(cfg.ok()) << cfg.message();
    if (!cfg.ok()) return nullptr;
    auto a = ctl::Appliance::create(*cfg);
    EXPECT_TRUE(a.ok()) << a.message();
    return a.ok() ? std::move(*a) : nullptr;
}

// Users: "alice" (profile vpn-users: joins list "vpn-users"), "bob" (profile plain: no list).
// Forward rules: accept UDP from vpn-users to the LAN server, drop the rest to it.
const std::string sessions_config = R"(
ip_pools = ( { name = "vpn"; ranges = "10.8.0.2-10.8.0.254"; } );
ppp_profiles = ( { name = "vpn-users"; local_address = "10.8.0.1"; remote_address = "vpn";
                   address_list = "vpn-users"; },
                 { name = "plain"; local_address = "10.8.0.1"; remote_address = "vpn"; } );
ppp_secrets = ( { name = "alice"; password = "a"; profile = "vpn-users"; },
                { name = "bob"; password = "b"; profile = "plain"; } );
firewall = {
  filter = (
    { chain = "forward"; src_address_list = "vpn-users"; dst_address = "10.2.0.2";
      action = "accept"; },
    { chain = "forward"; dst_address = "10.2.0.2"; action = "drop"; }
  );
};
)";

aaa::Grant grant(ctl::Appliance& a, const std::string& user, const std::string& password) {
    aaa::AuthRequest request;
    request.user = user;
    request.password = password;
    request.caller_id = "192.0.2.7:1194";
    auto r = a.aaa().authenticate(request);
    EXPECT_TRUE(std::holds_alternative<aaa::Grant>(r)) << user;
    return std::holds_alternative<aaa::Grant>(r) ? std::get<aaa::Grant>(r) : aaa::Grant{};
}

// The forward rule (index + 1, 0: none) that decides a UDP packet from `src` to 10.2.0.2, as
// the worker classifies it with the published set.
uint32_t forward_rule(ctl::Appliance& a, net::Ipv4 src, uint8_t proto = IPPROTO_UDP) {
    alignas(8) uint8_t bytes[64] = {};
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(bytes);
    ip->version_ihl = 0x45;
    ip->next_proto_id = proto;
    ip->src_addr = rte_cpu_to_be_32(src);
    ip->dst_addr = rte_cpu_to_be_32(0x0a020002);
    ip->total_length = rte_cpu_to_be_16(sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr));
    dp::fw::Tuple t;
    dp::fw::fill_tuple(ip, dp::fw::session_interface, 1u << dp::fw::list_ovpn, 1, 0, t);
    const dp::fw::FilterSet* set = a.dataplane().filter();
    EXPECT_NE(set, nullptr);
    if (!set || !set->active(dp::fw::Chain::forward)) return 0;
    const dp::fw::Tuple* tuples[1] = {&t};
    uint32_t result[dp::fw::max_categories] = {}; // one per category (add-to-list rules)
    set->classify(dp::fw::Chain::forward, tuples, result, 1);
    return result[0];
}

// Steps the control loop past the coalescing interval, so that a pending change is compiled.
void settle(ctl::Appliance& a) {
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(2 * ctl::address_list_coalesce_ms + 20);
    while (std::chrono::steady_clock::now() < until) {
        a.poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

TEST(AddressLists, ASessionsAddressMatchesItsProfilesListWhileItIsUp) {
    auto a = make_appliance(sessions_config);
    ASSERT_TRUE(a);
    // The list is only dynamic: the rule on it matches nothing yet.
    EXPECT_EQ(forward_rule(*a, 0x0a080002), 2u);
    EXPECT_TRUE(ctl::address_list_entries(a->config().firewall, a->aaa().active_grants()).empty());

    aaa::Grant alice = grant(*a, "alice", "a");
    aaa::Grant bob = grant(*a, "bob", "b");
    ASSERT_NE(alice.remote_address, 0u);
    EXPECT_EQ(alice.address_list, "vpn-users");
    settle(*a);
    EXPECT_EQ(a->address_list_stats().rebuilds, 1u);
    EXPECT_EQ(forward_rule(*a, alice.remote_address), 1u) << "alice's address is in vpn-users";
    EXPECT_EQ(forward_rule(*a, bob.remote_address), 2u) << "bob's profile names no list";

    auto entries = ctl::address_list_entries(a->config().firewall, a->aaa().active_grants());
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_TRUE(entries[0].dynamic);
    EXPECT_EQ(entries[0].list, "vpn-users");
    EXPECT_EQ(entries[0].user, "alice");
    EXPECT_EQ(ctl::range_text(entries[0].range), net::to_string(alice.remote_address));

    // The rule counters survive the next recompilation (the new set counts into the same slots).
    a->dataplane().filter()->count(0, 0, 100);
    a->aaa().release(alice);
    settle(*a);
    EXPECT_EQ(a->address_list_stats().rebuilds, 2u);
    EXPECT_EQ(a->address_list_stats().rebuild_failures, 0u);
    EXPECT_EQ(forward_rule(*a, alice.remote_address), 2u) << "alice's session ended";
    EXPECT_EQ(a->dataplane().filter()->total(0).packets, 1u);
    EXPECT_EQ(a->dataplane().filter()->total(0).bytes, 100u);
    EXPECT_TRUE(ctl::address_list_entries(a->config().firewall, a->aaa().active_grants()).empty());
    a->aaa().release(bob);
    settle(*a);
    EXPECT_EQ(a->address_list_stats().rebuilds, 2u) << "bob's grant changes no list";
}

// A static list and a profile's dynamic entries merge; "!list" is the complement of both.
TEST(AddressLists, StaticAndDynamicEntriesMergeAndNegationCoversBoth) {
    auto a = make_appliance(R"(
ip_pools = ( { name = "vpn"; ranges = "10.8.0.2-10.8.0.254"; } );
ppp_profiles = ( { name = "p"; local_address = "10.8.0.1"; remote_address = "vpn";
                   address_list = "trusted"; } );
ppp_secrets = ( { name = "alice"; password = "a"; profile = "p"; } );
firewall = {
  address_lists = ( { list = "trusted"; addresses = "10.1.0.5"; } );
  filter = (
    { chain = "forward"; src_address_list = "!trusted"; dst_address = "10.2.0.2";
      action = "drop"; }
  );
};
)");
    ASSERT_TRUE(a);
    EXPECT_EQ(forward_rule(*a, 0x0a010005), 0u) << "static entry";
    EXPECT_EQ(forward_rule(*a, 0x0a080002), 1u);
    aaa::Grant alice = grant(*a, "alice", "a");
    settle(*a);
    EXPECT_EQ(forward_rule(*a, alice.remote_address), 0u);
    EXPECT_EQ(forward_rule(*a, 0x0a010005), 0u);
    EXPECT_EQ(forward_rule(*a, 0x0a010006), 1u);
    auto entries = ctl::address_list_entries(a->config().firewall, a->aaa().active_grants());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_FALSE(entries[0].dynamic);
    EXPECT_TRUE(entries[1].dynamic);
    a->aaa().release(alice);
}

// A pcap file of `count` copies of a UDP datagram 10.1.0.2:5555 -> 10.2.0.2:7000 to wan0's MAC.
void write_knocks(const std::string& path, int count) {
    uint8_t frame[14 + 20 + 8 + 4] = {};
    const uint8_t dst[6] = {2, 0, 0, 0, 1, 1}, src[6] = {2, 0, 0, 0, 1, 2};
    std::memcpy(frame, dst, 6);
    std::memcpy(frame + 6, src, 6);
    frame[12] = 0x08;
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(frame + 14);
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16(sizeof(frame) - 14);
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = rte_cpu_to_be_32(0x0a010002);
    ip->dst_addr = rte_cpu_to_be_32(0x0a020002);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    auto* udp = reinterpret_cast<rte_udp_hdr*>(ip + 1);
    udp->src_port = rte_cpu_to_be_16(5555);
    udp->dst_port = rte_cpu_to_be_16(7000);
    udp->dgram_len = rte_cpu_to_be_16(sizeof(frame) - 14 - 20);
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const uint32_t header[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1}; // Ethernet
    std::fwrite(header, sizeof header, 1, f);
    for (int i = 0; i < count; ++i) {
        const uint32_t record[4] = {1, static_cast<uint32_t>(i), sizeof frame, sizeof frame};
        std::fwrite(record, sizeof record, 1, f);
        std::fwrite(frame, sizeof frame, 1, f);
    }
    std::fclose(f);
}

const ctl::AddressListEntry* find_entry(const std::vector<ctl::AddressListEntry>& entries,
                                        net::Ipv4 address) {
    for (auto& e : entries)
        if (e.range.lo == address) return &e;
    return nullptr;
}

TEST(AddressLists, AddSrcToAddressListFromTheWorkerAndTimeouts) {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("vpnplane-knock-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    write_knocks((dir / "wan.pcap").string(), 3);
    std::string n = std::to_string(++instance);
    std::string text = "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
                       "dataplane = { workers = \"1\"; };\n"
                       "system = { logging = { level = \"warning\"; }; };\n"
                       "interfaces = (\n"
                       "  { name = \"wan0\"; device = \"net_pcap_kw" +
                       n + ",rx_pcap=" + (dir / "wan.pcap").string() +
                       ",tx_pcap=" + (dir / "wan.out").string() +
                       "\"; role = \"wan\"; address = \"10.1.0.1/24\";"
                       " mac_address = \"02:00:00:00:01:01\"; },\n"
                       "  { name = \"lan0\"; device = \"net_null_kl" +
                       n + "\"; role = \"lan\"; address = \"10.2.0.1/24\"; }\n);\n" + R"(
ip = { arp = ( { address = "10.2.0.2"; mac_address = "02:00:00:00:02:02"; interface = "lan0"; } ); };
firewall = {
  address_lists = ( { list = "knocked"; addresses = "10.1.0.77"; timeout = 1; } );
  filter = (
    { chain = "forward"; protocol = "udp"; dst_port = 7000;
      action = "add-src-to-address-list"; address_list = "knocked"; address_list_timeout = "2s"; },
    { chain = "forward"; protocol = "tcp"; src_address_list = "knocked"; action = "accept"; },
    { chain = "forward"; protocol = "tcp"; action = "drop"; }
  );
};
)";
    auto cfg = config::load_config_text(text);
    ASSERT_TRUE(cfg.ok()) << cfg.message();
    auto created = ctl::Appliance::create(*cfg);
    ASSERT_TRUE(created.ok()) << created.message();
    ctl::Appliance& a = **created;
    auto entries = [&] {
        return ctl::address_list_entries(a.config().firewall, a.aaa().active_grants(),
                                         &a.address_list_store(), ctl::Appliance::now_ms());
    };
    // The configuration's timed entry is in the list from the start.
    settle(a);
    EXPECT_EQ(forward_rule(a, 0x0a01004d, IPPROTO_TCP), 2u)
        << "10.1.0.77 (timeout = 1) is in knocked";
    EXPECT_EQ(forward_rule(a, 0x0a010002, IPPROTO_TCP), 3u) << "10.1.0.2 has not knocked yet";
    // The worker reads the three knocks: one report (repeats within a second are not).
    auto& w = a.dataplane().worker(0);
    for (int i = 0; i < 2000 && !find_entry(entries(), 0x0a010002); ++i) {
        w.poll_once();
        a.poll();
    }
    for (int i = 0; i < 200; ++i)
        w.poll_once();
    auto& st = w.stats();
    EXPECT_EQ(st[dp::WorkerCounter::address_list_adds].get(), 1u);
    EXPECT_EQ(st[dp::WorkerCounter::address_list_adds_skipped].get(), 2u);
    auto now = entries();
    const ctl::AddressListEntry* knocked = find_entry(now, 0x0a010002);
    ASSERT_NE(knocked, nullptr) << "the rule added 10.1.0.2";
    EXPECT_EQ(knocked->list, "knocked");
    EXPECT_TRUE(knocked->dynamic);
    EXPECT_EQ(knocked->origin, "rule 0");
    ASSERT_TRUE(knocked->timeout_left_s.has_value());
    EXPECT_LE(*knocked->timeout_left_s, 2u);
    settle(a);
    EXPECT_EQ(forward_rule(a, 0x0a010002, IPPROTO_TCP), 2u) << "accepted after the knock";
    EXPECT_EQ(a.dataplane().filter()->total(0).packets, 3u) << "the add rule counts each match";
    EXPECT_EQ(a.address_list_store().counters().added, 2u);
    // Both timeouts run out: the entries leave the lists, the rules stop matching.
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2400);
    while (std::chrono::steady_clock::now() < until) {
        a.poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    settle(a);
    EXPECT_EQ(a.address_list_store().counters().expired, 2u);
    EXPECT_EQ(forward_rule(a, 0x0a010002, IPPROTO_TCP), 3u);
    EXPECT_EQ(forward_rule(a, 0x0a01004d, IPPROTO_TCP), 3u);
    EXPECT_EQ(find_entry(entries(), 0x0a010002), nullptr);
    // A reload keeps an expired configuration entry gone (its clock is not restarted).
    auto again = config::load_config_text(text);
    ASSERT_TRUE(again.ok());
    ASSERT_TRUE(a.reload(*again).ok());
    settle(a);
    EXPECT_EQ(forward_rule(a, 0x0a01004d, IPPROTO_TCP), 3u);
    created->reset();
    fs::remove_all(dir);
}

} // namespace
} // namespace vp
