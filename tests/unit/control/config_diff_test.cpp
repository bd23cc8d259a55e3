// The reload's setting-by-setting report (control/config/config_diff.hpp): what is applied live,
// what needs a restart, and that an unchanged file reports nothing.
#include "control/config/config_diff.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vp::config {
namespace {

const std::string base =
    "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
    "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; role = \"wan\";\n"
    "                 address = \"10.1.0.1/24\"; },\n"
    "  { name = \"lan0\"; device = \"net_null1\"; address = \"10.0.0.1/24\"; } );\n";

ApplianceConfig load(const std::string& text) {
    auto c = load_config_text(text);
    EXPECT_TRUE(c.ok()) << c.message();
    return c.ok() ? *c : ApplianceConfig{};
}

std::vector<std::string> lines(const std::string& next) {
    std::vector<std::string> out;
    for (auto& c : diff_config(load(base), load(next)))
        out.push_back(describe(c));
    return out;
}

using Lines = std::vector<std::string>;

TEST(ConfigDiff, NothingChanged) {
    EXPECT_TRUE(lines(base).empty());
}

TEST(ConfigDiff, LiveSettingsAreApplied) {
    EXPECT_EQ(lines(base + "system = { identity = \"edge\"; logging = { level = \"debug\"; }; };\n"
                           "ip = { routes = ( { dst_address = \"10.9.0.0/16\"; gateway = "
                           "\"10.0.0.2\"; } ); icmp_rate_limit = 5; };\n"
                           "firewall = { icmp_echo = false; };\n"),
              (Lines{"system.identity: applied", "system.logging: applied", "ip.routes: applied",
                     "ip.icmp_rate_limit: applied", "firewall.icmp_echo: applied"}));
}

TEST(ConfigDiff, EalWorkersPortsNeedARestart) {
    std::string next = "dpdk = { lcores = \"0-2\"; no_huge = true; memory_mb = 512; };\n"
                       "dataplane = { burst = 64; };\n"
                       "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; role = \"wan\";\n"
                       "                 address = \"10.1.0.1/24\"; mtu = 1400; },\n"
                       "  { name = \"lan0\"; device = \"net_null1\"; address = \"10.0.0.1/24\";\n"
                       "    arp = \"proxy-arp\"; } );\n"
                       "tcp = { max_connections = 100; };\n"
                       "mgmt = { prometheus_listen = \"127.0.0.1:9469\"; };\n"
                       "firewall = { mss_clamp = false; };\n";
    EXPECT_EQ(lines(next), (Lines{
                               "dpdk.lcores: needs a restart (not applied)",
                               "dpdk.memory_mb: needs a restart (not applied)",
                               "dataplane.workers: needs a restart (not applied)",
                               "dataplane.burst: needs a restart (not applied)",
                               "interfaces.wan0.mtu: needs a restart (not applied)",
                               "interfaces.lan0.arp: applied",
                               // the rules name interfaces by index: wait with them
                               "firewall.mss_clamp: needs a restart (not applied)",
                               "tcp: needs a restart (not applied)",
                               "mgmt: needs a restart (not applied)",
                           }));
}

TEST(ConfigDiff, RenamedInterfaces) {
    std::string next = "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
                       "interfaces = ( { name = \"ether1\"; device = \"net_null0\"; role = "
                       "\"wan\"; address = \"10.1.0.1/24\"; } );\n";
    auto l = lines(next);
    ASSERT_FALSE(l.empty());
    EXPECT_EQ(l[0], "interfaces (added, removed or renamed): needs a restart (not applied)");
}

} // namespace
} // namespace vp::config

namespace vp::config {
namespace {

// firewall.address_lists: a changed list is applied live with the rules (the reload rebuilds
// the ACL from both and swaps them at once).
TEST(ConfigDiff, AddressListChangesAreApplied) {
    std::string lists = "firewall = { address_lists = ( { list = \"b\"; addresses = \"%\"; } );\n"
                        "  filter = ( { chain = \"forward\"; src_address_list = \"b\";"
                        " action = \"drop\"; } ); };\n";
    auto with = [&](const std::string& address) {
        std::string t = lists;
        t.replace(t.find('%'), 1, address);
        return load(base + t);
    };
    std::vector<std::string> out;
    for (auto& c : diff_config(with("192.0.2.1"), with("192.0.2.0/24")))
        out.push_back(describe(c));
    EXPECT_EQ(out, (Lines{"firewall.address_lists: applied"}));
    EXPECT_TRUE(diff_config(with("192.0.2.1"), with("192.0.2.1")).empty());
}

} // namespace
} // namespace vp::config
