// control/config/firewall_config and firewall_values: filter rules and interface lists parsed from
// libconfig into the dataplane's rule model, and every refusal pinned with its file:line.
#include "control/config/appliance_config.hpp"
#include "control/config/firewall_values.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vp::config {
namespace {

using dp::fw::Action;
using dp::fw::Chain;

// Four lines of foundation settings, so that the section under test starts at line 5.
const std::string base =
    "dpdk = { lcores = \"0-1\"; };\n"
    "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; role = \"wan\";\n"
    "                 address = \"10.1.0.1/24\"; },\n"
    "  { name = \"lan0\"; device = \"net_null1\"; address = \"10.0.0.1/24\"; } );\n";

Result<ApplianceConfig> load(const std::string& text) {
    return load_config_text(base + text);
}

void refused(const std::string& text, const std::string& expected) {
    auto c = load(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.message().find(expected), std::string::npos)
        << "expected: " << expected << "\ngot: " << c.message();
}

TEST(FirewallConfig, SeedRulesParseInOrder) {
    auto c = load("interface_lists = ( { name = \"LAN\"; interfaces = \"lan0\"; } );\n"
                  "firewall = { filter = (\n"
                  "  { chain = \"input\"; protocol = \"udp\"; dst_port = 1194; action = \"accept\";"
                  "    comment = \"OpenVPN\"; },\n"
                  "  { chain = \"forward\"; in_interface_list = \"ovpn\"; action = \"accept\"; },\n"
                  "  { chain = \"forward\"; protocol = \"tcp\"; dst_address = \"10.0.0.5\";\n"
                  "    dst_port = \"80,8000-8100\"; out_interface_list = \"LAN\";\n"
                  "    action = \"reject\"; reject_with = \"icmp-port-unreachable\"; },\n"
                  "  { chain = \"forward\"; protocol = \"tcp\"; tcp_flags = \"syn,!ack\";\n"
                  "    src_address = \"10.8.0.10-10.8.0.20\"; in_interface = \"wan0\";"
                  "    action = \"drop\"; disabled = true; },\n"
                  "  { chain = \"input\"; protocol = \"icmp\"; icmp_options = \"8:0\"; "
                  "action = \"drop\"; } ); };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    ASSERT_EQ(f.filter.size(), 5u);
    EXPECT_EQ(f.lists, (std::vector<std::string>{"ovpn", "sstp", "LAN"}));
    EXPECT_EQ(f.interface_lists, (std::vector<uint16_t>{0, 4}));
    auto& r0 = f.filter[0];
    EXPECT_EQ(r0.chain, Chain::input);
    EXPECT_EQ(r0.protocol, 17);
    ASSERT_EQ(r0.dst_ports.size(), 1u);
    EXPECT_EQ(r0.dst_ports[0].lo, 1194);
    EXPECT_EQ(r0.comment, "OpenVPN");
    EXPECT_EQ(r0.text, "chain=input protocol=udp dst-port=1194 action=accept");
    EXPECT_EQ(f.filter[1].in_lists, 1u << dp::fw::list_ovpn);
    auto& r2 = f.filter[2];
    EXPECT_EQ(r2.action, Action::reject);
    EXPECT_EQ(r2.reject_code, 3);
    EXPECT_EQ(r2.dst_address.lo, 0x0a000005u);
    EXPECT_EQ(r2.dst_address.hi, 0x0a000005u);
    ASSERT_EQ(r2.dst_ports.size(), 2u);
    EXPECT_EQ(r2.dst_ports[1].lo, 8000);
    EXPECT_EQ(r2.dst_ports[1].hi, 8100);
    EXPECT_EQ(r2.out_lists, 4u);
    auto& r3 = f.filter[3];
    EXPECT_TRUE(r3.disabled);
    EXPECT_EQ(r3.tcp_flags, 0x02);
    EXPECT_EQ(r3.tcp_flags_mask, 0x12);
    EXPECT_EQ(r3.in_interface, 0);
    EXPECT_EQ(r3.src_address.hi - r3.src_address.lo, 10u);
    EXPECT_EQ(f.filter[4].icmp_type, 8);
    EXPECT_EQ(f.filter[4].icmp_code, 0);
}

TEST(FirewallConfig, NoSectionKeepsTodaysDefaults) {
    auto c = load("");
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_TRUE(c->firewall.icmp_echo);
    EXPECT_TRUE(c->firewall.mss_clamp);
    EXPECT_TRUE(c->firewall.filter.empty());
}

TEST(FirewallConfig, RefusalsNameFileLineAndSetting) {
    refused("firewall = { filter = ( { chain = \"output\"; } ); };",
            "<config>:5: firewall.filter.[0].chain: 'output' is not supported");
    refused("firewall = { filter = ( { chain = \"forward\"; action = \"jump\"; } ); };",
            ":5: firewall.filter.[0].action: 'jump' is not supported");
    refused("firewall = { filter = (\n { chain = \"forward\"; dst_port = 80; } ); };",
            ":6: firewall.filter.[0].dst_port: needs protocol = \"tcp\" or \"udp\"");
    refused("firewall = { filter = ( { chain = \"forward\"; protocol = \"tcp\";\n"
            "  dst_port = \"80-70\"; } ); };",
            ":6: firewall.filter.[0].dst_port: port range '80-70' ends before it starts");
    refused("firewall = { filter = ( { chain = \"forward\"; protocol = \"foo\"; } ); };",
            "firewall.filter.[0].protocol: protocol 'foo' is not a protocol name");
    refused("firewall = { filter = ( { chain = \"forward\"; src_address = \"10.0.0.0/33\"; } ); };",
            "src_address: address '10.0.0.0/33' is not an address");
    refused("firewall = { filter = ( { chain = \"forward\"; src_address = \"!10.0.0.0/8\"; } ); };",
            "negated addresses ('!') are not supported");
    refused("firewall = { filter = ( { chain = \"input\"; out_interface = \"lan0\"; } ); };",
            "the input chain has no out interface");
    refused("firewall = { filter = ( { chain = \"forward\"; in_interface = \"ovpn-x\"; } ); };",
            "in_interface: 'ovpn-x' is not a configured interface");
    refused("firewall = { filter = ( { chain = \"forward\"; in_interface_list = \"WAN\"; } ); };",
            "in_interface_list: 'WAN' is not an interface list");
    refused("firewall = { filter = ( { chain = \"forward\"; protocol = \"udp\";\n"
            "  tcp_flags = \"syn\"; } ); };",
            ":6: firewall.filter.[0].tcp_flags: needs protocol = \"tcp\"");
    refused("firewall = { filter = ( { chain = \"forward\"; protocol = \"tcp\";"
            " tcp_flags = \"syn,bogus\"; } ); };",
            "tcp flag 'bogus' is not one of");
    refused("firewall = { filter = ( { chain = \"input\"; connection_state = \"new\"; } ); };",
            ":5: firewall.filter.[0].connection_state: is not supported in the input chain");
    refused("firewall = { filter = ( { chain = \"forward\"; connection_state = \"untracked\"; "
            "} ); };",
            "connection_state 'untracked' is not one of new, established, related, invalid");
    refused("firewall = { filter = ( { chain = \"forward\"; connection_mark = \"x\"; } ); };",
            "connection_mark: is not implemented yet");
    refused("firewall = { filter = ( { chain = \"forward\"; action = \"drop\";"
            " reject_with = \"icmp-port-unreachable\"; } ); };",
            "reject_with: is only valid with action = \"reject\"");
    refused("firewall = { filter = ( { chain = \"forward\"; dst_adress = \"1.2.3.4\"; } ); };",
            "dst_adress");
    refused("firewall = {\n nat = ( { chain = \"srcnat\"; action = \"redirect\"; } ); };",
            ":6: firewall.nat.[0].action: 'redirect' is not supported in chain srcnat");
    refused("firewall = { nat = ( { chain = \"dstnat\"; action = \"masquerade\"; } ); };",
            "'masquerade' is not supported in chain dstnat");
    refused("firewall = { nat = ( { chain = \"srcnat\"; action = \"masquerade\";\n"
            "  to_addresses = \"1.2.3.4\"; } ); };",
            ":6: firewall.nat.[0].to_addresses: is not valid with masquerade");
    refused("firewall = { nat = ( { chain = \"srcnat\"; action = \"src-nat\"; } ); };",
            "to_addresses: is required with src-nat");
    refused("firewall = { nat = ( { chain = \"dstnat\"; action = \"dst-nat\";"
            " to_addresses = \"10.0.0.5\"; out_interface = \"lan0\"; } ); };",
            "the dstnat chain runs before routing");
    refused("firewall = { nat = ( { chain = \"dstnat\"; action = \"dst-nat\"; protocol = \"tcp\";"
            " to_addresses = \"10.0.0.5\"; to_ports = \"80-81\"; } ); };",
            "to_ports: is one port with dst-nat");
    refused("firewall = { nat = ( { chain = \"srcnat\"; action = \"src-nat\";"
            " to_addresses = \"10.0.0.5\"; to_ports = 2000; } ); };",
            "to_ports: needs protocol");
    refused("firewall = { nat = ( { chain = \"srcnat\"; action = \"masquerade\"; bogus = 1; } ); "
            "};",
            "bogus");
    refused("firewall = { connection_tracking = { max_connections = 0; }; };",
            "firewall.connection_tracking.max_connections");
    refused("firewall = { raw = ( ); };", "firewall.raw: is not implemented yet");
    refused("interface_lists = ( { name = \"ovpn\"; } );", "'ovpn' is already a list");
    refused("interface_lists = ( { name = \"L\"; interfaces = \"lan0,eth9\"; } );",
            "'eth9' is not a configured interface");
}

TEST(FirewallConfig, SeedNatRulesAndConnectionState) {
    auto c = load(
        "firewall = {\n"
        "  filter = ( { chain = \"forward\"; connection_state = \"established,related\";"
        " action = \"accept\"; } );\n"
        "  nat = (\n"
        "    { chain = \"srcnat\"; out_interface = \"wan0\"; src_address = \"10.8.0.0/24\";"
        "      action = \"masquerade\"; comment = \"Masquerade OpenVPN clients\"; },\n"
        "    { chain = \"dstnat\"; in_interface = \"wan0\"; protocol = \"tcp\"; dst_port = 8080;"
        "      action = \"dst-nat\"; to_addresses = \"10.0.0.5\"; to_ports = 80; },\n"
        "    { chain = \"srcnat\"; protocol = \"udp\"; action = \"src-nat\";"
        "      to_addresses = \"10.1.0.1-10.1.0.4\"; to_ports = \"10000-20000\"; } );\n"
        "  connection_tracking = { max_connections = 1000; udp_timeout = \"1m\"; };\n"
        "};\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    EXPECT_TRUE(f.tracking());
    EXPECT_EQ(f.filter[0].conn_state, dp::ct::state_established | dp::ct::state_related);
    ASSERT_EQ(f.nat.size(), 3u);
    EXPECT_EQ(f.nat[0].chain, dp::fw::NatChain::srcnat);
    EXPECT_EQ(f.nat[0].action, dp::fw::NatAction::masquerade);
    EXPECT_EQ(f.nat[0].out_interface, 0);
    EXPECT_EQ(f.nat[0].src_address.lo, 0x0a080000u);
    EXPECT_EQ(f.nat[0].src_address.hi, 0x0a0800ffu);
    EXPECT_EQ(f.nat[0].text, "chain=srcnat out-interface=wan0 src-address=10.8.0.0/24 "
                             "action=masquerade");
    EXPECT_EQ(f.nat[1].action, dp::fw::NatAction::dst_nat);
    EXPECT_EQ(f.nat[1].to_addresses.lo, 0x0a000005u);
    EXPECT_EQ(f.nat[1].to_ports.lo, 80);
    EXPECT_EQ(f.nat[2].to_addresses.hi, 0x0a010004u);
    EXPECT_EQ(f.nat[2].to_ports.lo, 10000);
    EXPECT_EQ(f.nat[2].to_ports.hi, 20000);
    EXPECT_EQ(f.max_connections, 1000u);
    EXPECT_EQ(f.timeouts.udp, 60u);
    auto none = load("");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->firewall.tracking());
}

TEST(FirewallConfig, SeedMangleRuleReplacesTheMssClamp) {
    auto c = load("firewall = { mangle = (\n"
                  "  { chain = \"forward\"; action = \"change-mss\"; new_mss = 1380;\n"
                  "    protocol = \"tcp\"; tcp_flags = \"syn\"; tcp_mss = \"1381-65535\";\n"
                  "    out_interface_list = \"ovpn\"; },\n"
                  "  { chain = \"forward\"; action = \"change-mss\"; new_mss = \"clamp-to-pmtu\";"
                  "    protocol = \"tcp\"; tcp_flags = \"syn\"; } ); };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    EXPECT_FALSE(f.mss_clamp); // the rules replace it
    ASSERT_EQ(f.mangle.size(), 2u);
    EXPECT_EQ(f.mangle[0].chain, Chain::mangle_forward);
    EXPECT_EQ(f.mangle[0].action, Action::change_mss);
    EXPECT_EQ(f.mangle[0].new_mss, 1380);
    EXPECT_EQ(f.mangle[0].tcp_mss.lo, 1381);
    EXPECT_EQ(f.mangle[0].tcp_mss.hi, 65535);
    EXPECT_EQ(f.mangle[0].out_lists, 1u << dp::fw::list_ovpn);
    EXPECT_EQ(f.mangle[1].new_mss, 0); // clamp-to-pmtu
    EXPECT_EQ(f.mangle[1].tcp_mss.lo, 0);

    refused("firewall = { mss_clamp = true; mangle = ( { chain = \"forward\";\n"
            "  action = \"change-mss\"; new_mss = 1380; protocol = \"tcp\"; } ); };",
            ":5: firewall.mss_clamp: and firewall.mangle both change the MSS");
    refused("firewall = { mangle = ( { chain = \"prerouting\"; action = \"change-mss\";"
            " new_mss = 1380; protocol = \"tcp\"; } ); };",
            "firewall.mangle.[0].chain: 'prerouting' is not supported");
    refused("firewall = { mangle = ( { chain = \"forward\"; action = \"mark-routing\";"
            " new_mss = 1380; protocol = \"tcp\"; } ); };",
            "firewall.mangle.[0].action: 'mark-routing' is not supported");
    refused("firewall = { mangle = ( { chain = \"forward\"; action = \"change-mss\";"
            " protocol = \"tcp\"; } ); };",
            "firewall.mangle.[0].new_mss: is required");
    refused("firewall = { mangle = ( { chain = \"forward\"; action = \"change-mss\";"
            " new_mss = \"big\"; protocol = \"tcp\"; } ); };",
            "new_mss: 'big' is not 88..65535");
    refused("firewall = { mangle = ( { chain = \"forward\"; action = \"change-mss\";"
            " new_mss = 1380; } ); };",
            "firewall.mangle.[0].protocol: change-mss needs protocol = \"tcp\"");
    refused("firewall = { mangle = ( { chain = \"forward\"; action = \"change-mss\";"
            " new_mss = 1380; protocol = \"tcp\"; tcp_mss = \"1,5\"; } ); };",
            "tcp_mss: is one value or one range");
}

// firewall.address_lists (RouterOS /ip firewall address-list): entries merge into sorted ranges,
// disabled entries drop out, and a rule naming a list (or `!list`) carries its ranges.
TEST(FirewallConfig, AddressListsMergeAndReachTheRules) {
    auto c =
        load("firewall = {\n"
             "  address_lists = (\n"
             "    { list = \"blocked\"; addresses = [ \"192.0.2.0/25\", \"192.0.2.128/25\" ]; },\n"
             "    { list = \"blocked\"; addresses = \"198.51.100.7\"; comment = \"scanner\"; },\n"
             "    { list = \"blocked\"; addresses = \"203.0.113.1-203.0.113.9\";"
             " disabled = true; },\n"
             "    { list = \"lan\"; addresses = \"10.0.0.0/24, 10.0.1.0/24\"; } );\n"
             "  filter = (\n"
             "    { chain = \"forward\"; src_address_list = \"blocked\"; action = \"drop\"; },\n"
             "    { chain = \"forward\"; dst_address_list = \"!lan\"; action = \"drop\"; } );\n"
             "  nat = ( { chain = \"srcnat\"; src_address_list = \"lan\";"
             " action = \"masquerade\"; } ); };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    using R = dp::fw::Range32;
    ASSERT_EQ(f.address_lists.size(), 2u);
    EXPECT_EQ(f.address_lists.at("blocked"),
              (std::vector<R>{{0xc0000200u, 0xc00002ffu}, {0xc6336407u, 0xc6336407u}}));
    EXPECT_EQ(f.address_lists.at("lan"), (std::vector<R>{{0x0a000000u, 0x0a0001ffu}}));
    ASSERT_EQ(f.filter.size(), 2u);
    ASSERT_TRUE(f.filter[0].src_list.has_value());
    EXPECT_EQ(*f.filter[0].src_list, f.address_lists.at("blocked"));
    EXPECT_FALSE(f.filter[0].dst_list.has_value());
    EXPECT_EQ(f.filter[0].text, "chain=forward src-address-list=blocked action=drop");
    ASSERT_TRUE(f.filter[1].dst_list.has_value());
    EXPECT_EQ(*f.filter[1].dst_list,
              (std::vector<R>{{0, 0x09ffffffu}, {0x0a000200u, 0xffffffffu}}));
    EXPECT_EQ(dp::fw::acl_entries(f.filter[0]), 2u);
    EXPECT_EQ(dp::fw::acl_entries(f.filter[1]), 2u);
    ASSERT_EQ(f.nat.size(), 1u);
    ASSERT_TRUE(f.nat[0].src_list.has_value());
    EXPECT_TRUE(dp::fw::in_ranges(*f.nat[0].src_list, 0x0a000105u));
    EXPECT_FALSE(dp::fw::in_ranges(*f.nat[0].src_list, 0x0a000205u));
    EXPECT_FALSE(dp::fw::in_ranges(*f.nat[0].src_list, 0x09ffffffu));
}

// A ppp profile's address_list is a list whose entries are the sessions' addresses (dynamic):
// rules may name it with no static entry; it starts empty (matches nothing, `!` everything), and
// a static list of the same name merges with it.
TEST(FirewallConfig, ProfileAddressListsAreKnownToRules) {
    auto c = load("ppp_profiles = ( { name = \"users\"; address_list = \"vpn-users\"; },\n"
                  "  { name = \"admins\"; address_list = \"trusted\"; } );\n"
                  "firewall = {\n"
                  "  address_lists = ( { list = \"trusted\"; addresses = \"10.0.0.9\"; } );\n"
                  "  filter = (\n"
                  "    { chain = \"forward\"; src_address_list = \"vpn-users\"; },\n"
                  "    { chain = \"forward\"; dst_address_list = \"!vpn-users\"; },\n"
                  "    { chain = \"forward\"; src_address_list = \"trusted\"; } );\n"
                  "  nat = ( { chain = \"srcnat\"; src_address_list = \"vpn-users\";"
                  " action = \"masquerade\"; } ); };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    EXPECT_EQ(f.dynamic_lists, (std::set<std::string>{"trusted", "vpn-users"}));
    using R = dp::fw::Range32;
    ASSERT_EQ(f.filter.size(), 3u);
    EXPECT_EQ(f.filter[0].src_list_name, "vpn-users");
    EXPECT_EQ(*f.filter[0].src_list, std::vector<R>{});
    EXPECT_EQ(f.filter[1].dst_list_name, "!vpn-users");
    EXPECT_EQ(*f.filter[1].dst_list, (std::vector<R>{{0, 0xffffffffu}}));
    EXPECT_EQ(*f.filter[2].src_list, (std::vector<R>{{0x0a000009u, 0x0a000009u}}));
    EXPECT_EQ(f.nat[0].src_list_name, "vpn-users");
}

// Entries with a timeout (RouterOS's timeout=) are kept apart from the static ranges: they come
// and go at run time; their list is known to rules even when it has no static entry.
TEST(FirewallConfig, AddressListEntriesWithATimeout) {
    auto c = load("firewall = {\n"
                  "  address_lists = (\n"
                  "    { list = \"ban\"; addresses = [ \"10.0.0.1\", \"10.0.1.0/24\" ];"
                  " timeout = \"1h\"; comment = \"x\"; },\n"
                  "    { list = \"ban\"; addresses = \"10.0.0.9\"; timeout = 90;"
                  " disabled = true; },\n"
                  "    { list = \"ok\"; addresses = \"10.0.0.2\"; } );\n"
                  "  filter = ( { chain = \"input\"; src_address_list = \"ban\";"
                  " action = \"drop\"; } ); };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    using R = dp::fw::Range32;
    ASSERT_EQ(f.timed_entries.size(), 2u) << "the disabled entry is left out";
    EXPECT_EQ(f.timed_entries[0],
              (config::TimedListEntry{"ban", R{0x0a000001u, 0x0a000001u}, 3600, "x"}));
    EXPECT_EQ(f.timed_entries[1].range, (R{0x0a000100u, 0x0a0001ffu}));
    EXPECT_TRUE(f.address_lists.at("ban").empty());
    EXPECT_EQ(f.address_lists.at("ok").size(), 1u);
    EXPECT_TRUE(f.dynamic_lists.count("ban"));
    EXPECT_EQ(*f.filter[0].src_list, std::vector<R>{}) << "filled at run time";
}

// add-src/dst-to-address-list: the list and its timeout; the list is known to every rule.
TEST(FirewallConfig, AddToAddressListActions) {
    auto c = load("firewall = { filter = (\n"
                  "  { chain = \"input\"; src_address_list = \"knocked\"; protocol = \"tcp\";"
                  " dst_port = 22; action = \"accept\"; },\n"
                  "  { chain = \"input\"; protocol = \"udp\"; dst_port = 7000;"
                  " action = \"add-src-to-address-list\"; address_list = \"knocked\";"
                  " address_list_timeout = \"1m\"; },\n"
                  "  { chain = \"forward\"; action = \"add-dst-to-address-list\";"
                  " address_list = \"seen\"; address_list_timeout = \"none-dynamic\"; } ); };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    auto& f = c->firewall;
    ASSERT_EQ(f.filter.size(), 3u);
    EXPECT_EQ(f.filter[1].action, Action::add_src_to_list);
    EXPECT_EQ(f.filter[1].address_list, "knocked");
    EXPECT_EQ(f.filter[1].address_list_timeout_s, 60u);
    EXPECT_EQ(f.filter[2].action, Action::add_dst_to_list);
    EXPECT_EQ(f.filter[2].address_list_timeout_s, 0u);
    EXPECT_EQ(f.dynamic_lists, (std::set<std::string>{"knocked", "seen"}));
    refused("firewall = { filter = (\n { chain = \"input\";"
            " action = \"add-src-to-address-list\"; } ); };",
            ":6: firewall.filter.[0].address_list: is required");
    refused("firewall = { filter = (\n { chain = \"input\"; action = \"drop\";"
            " address_list = \"x\"; } ); };",
            ":6: firewall.filter.[0].address_list: is only valid with action "
            "add-src-to-address-list or add-dst-to-address-list");
    refused("firewall = { filter = (\n { chain = \"input\";"
            " action = \"add-src-to-address-list\"; address_list = \"x\";"
            " address_list_timeout = \"none-static\"; } ); };",
            "address_list_timeout: none-static is not supported");
    std::string many = "firewall = { filter = (\n";
    for (int i = 0; i < 16; ++i)
        many += std::string(i ? "," : "") + " { chain = \"input\"; action = " +
                "\"add-src-to-address-list\"; address_list = \"l\"; }\n";
    refused(many + "); };", "at most 15 add-to-address-list rules per chain");
}

TEST(FirewallConfig, AddressListRefusals) {
    refused("firewall = { filter = (\n { chain = \"forward\"; src_address_list = \"x\"; } ); };",
            ":6: firewall.filter.[0].src_address_list: 'x' is not a list of "
            "firewall.address_lists, the address_list of a ppp profile nor of an "
            "add-to-address-list rule");
    refused("firewall = { address_lists = ( { list = \"x\"; addresses = \"10.0.0.1\";"
            " disabled = true; } );\n"
            "  nat = ( { chain = \"srcnat\"; action = \"masquerade\";"
            " dst_address_list = \"!x\"; } ); };",
            ":6: firewall.nat.[0].dst_address_list: 'x' has no enabled addresses");
    refused("firewall = { address_lists = (\n { list = \"x\"; addresses = \"10.0.0.300\"; } ); };",
            ":6: firewall.address_lists.[0].addresses: address '10.0.0.300' is not an address");
    refused("firewall = { address_lists = ( { list = \"x\"; } ); };",
            "firewall.address_lists.[0].addresses: is required");
    refused("firewall = { address_lists = ( { list = \"x\"; addresses = \"10.0.0.1\";"
            " timeout = \"soon\"; } ); };",
            "firewall.address_lists.[0].timeout: 'soon' is not a duration");
    refused("firewall = { address_lists = ( { list = \"x\"; addresses = \"10.0.0.1\";"
            " bogus = 1; } ); };",
            "bogus");
    // Too many entries: 16385 separate ranges in one list.
    std::string many = "firewall = { address_lists = ( { list = \"big\"; addresses = [ ";
    for (unsigned i = 0; i <= 16384; ++i)
        many += (i ? ", \"10." : "\"10.") + std::to_string(i >> 7) + "." +
                std::to_string((i & 127) * 2) + ".1\"";
    many += " ]; } ); };";
    refused(many, "firewall.address_lists: list 'big' holds 16385 separate ranges; at most 16384");
    // The chain's ACL size: 5000 list ranges times 15 ports.
    std::string wide = "firewall = { address_lists = ( { list = \"w\"; addresses = [ ";
    for (unsigned i = 0; i < 5000; ++i)
        wide += (i ? ", \"10." : "\"10.") + std::to_string(i >> 7) + "." +
                std::to_string((i & 127) * 2) + ".1\"";
    wide += " ]; } );\n filter = ( { chain = \"forward\"; protocol = \"tcp\"; dst_port = \"";
    for (unsigned p = 1; p <= 15; ++p)
        wide += (p > 1 ? "," : "") + std::to_string(p * 10);
    wide += "\"; src_address_list = \"w\"; action = \"drop\"; } ); };";
    refused(wide, ":6: firewall.filter.[0]: this rule makes its chain 75000 ACL entries; at most "
                  "65536");
}

TEST(FirewallValues, PortsFlagsIcmpProtocols) {
    auto p = fw::parse_ports("22,80-90,65535");
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->size(), 3u);
    EXPECT_EQ((*p)[1].hi, 90);
    EXPECT_FALSE(fw::parse_ports("").ok());
    EXPECT_FALSE(fw::parse_ports("80,").ok());
    EXPECT_FALSE(fw::parse_ports("65536").ok());
    EXPECT_FALSE(fw::parse_ports("-5").ok());
    EXPECT_FALSE(fw::parse_ports("1 ,2").ok());
    EXPECT_EQ(fw::parse_protocol("47").value(), 47);
    EXPECT_FALSE(fw::parse_protocol("256").ok());
    auto f = fw::parse_tcp_flags("!fin,syn");
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->set, 0x02);
    EXPECT_EQ(f->mask, 0x03);
    EXPECT_FALSE(fw::parse_tcp_flags("syn,syn").ok());
    EXPECT_FALSE(fw::parse_tcp_flags("").ok());
    auto i = fw::parse_icmp_options("3");
    ASSERT_TRUE(i.ok());
    EXPECT_EQ(i->type, 3);
    EXPECT_EQ(i->code, -1);
    EXPECT_FALSE(fw::parse_icmp_options("3:").ok());
    EXPECT_FALSE(fw::parse_icmp_options("3:256").ok());
    auto a = fw::parse_address("10.0.0.0/8");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->lo, 0x0a000000u);
    EXPECT_EQ(a->hi, 0x0affffffu);
    EXPECT_FALSE(fw::parse_address("10.0.0.9-10.0.0.1").ok());
}

} // namespace
} // namespace vp::config
