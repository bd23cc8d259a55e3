// The RouterOS importer's firewall, address-list, interface-list, route and client-link
// translation (the seeds' and hand-written exports), read back with the daemon's parsers.
#include "tests/unit/tools/routeros_translate_util.hpp"

namespace vp::tools::routeros {
namespace {

using namespace testing_util;

TEST(RouterosImport, DefaultRoutesPickTheWanPort) {
    auto r = import_text("/ip address add address=192.0.2.2/24 interface=ether1\n"
                         "/ip route add gateway=192.0.2.1\n"
                         "/ip route add dst-address=0.0.0.0/0 gateway=192.0.2.254\n"
                         "/ip route add dst-address=0.0.0.0/0 gateway=10.9.9.9\n",
                         {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(r), (std::vector<std::string>{"line 3: refused: a second default route",
                                                    "line 4: refused: a second default route"}));
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    EXPECT_EQ(cfg->interfaces.at(0).gateway, ip("192.0.2.1"));
    EXPECT_EQ(cfg->interfaces.at(0).role, config::InterfaceRole::Wan);

    auto off = import_text("/ip address add address=192.0.2.2/24 interface=ether1\n"
                           "/ip route add gateway=10.9.9.9\n",
                           {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(off), (std::vector<std::string>{"line 2: refused: default route via "
                                                      "10.9.9.9: no imported interface has it on "
                                                      "its subnet"}));
}

} // namespace
} // namespace vp::tools::routeros

namespace vp::tools::routeros {
namespace {

using namespace testing_util;

// The seeds' firewall, NAT and client-link commands on a router whose ports are imported: the
// output must pass the daemon's whole loader, and every refused line must be reported.
TEST(RouterosImport, SeedFirewallAndClientLinks) {
    auto r = import_text(fixture("seed_firewall_clients.rsc"),
                         {{"ether1", "net_null0"}, {"ether2", "net_null1"}});
    EXPECT_EQ(
        reports(r),
        (std::vector<std::string>{
            "line 14: refused: connection-state is not valid in the input chain (the appliance's "
            "own connections are not tracked)",
            "line 14: refused: this /ip firewall filter rule is not imported",
            "line 15: refused: action=fasttrack-connection: fasttrack is not implemented (an "
            "accept rule with connection-state=established,related does the same in vpnplane)",
            "line 15: refused: this /ip firewall filter rule is not imported",
            "line 16: refused: reject-with=tcp-reset: reject_with 'tcp-reset' is not one of "
            "icmp-network-unreachable, icmp-host-unreachable, icmp-protocol-unreachable, "
            "icmp-port-unreachable, icmp-net-prohibited, icmp-host-prohibited, "
            "icmp-admin-prohibited (tcp-reset is not supported)",
            "line 16: refused: this /ip firewall filter rule is not imported",
            "line 17: refused: src-address-list=blocked: no /ip firewall address-list entries of "
            "that list (nor a /ppp profile address-list=, nor an add-to-address-list rule)",
            "line 17: refused: this /ip firewall filter rule is not imported",
            "line 24: refused: action=redirect: NAT actions are masquerade and src-nat (srcnat), "
            "dst-nat (dstnat)",
            "line 24: refused: this /ip firewall nat rule is not imported",
            "line 25: refused: out-interface=ovpn-in1: not an imported interface (it needs an /ip "
            "address and --port ovpn-in1=DEVICE; tunnel sessions are matched with the ovpn and "
            "sstp interface lists)",
            "line 25: refused: this /ip firewall nat rule is not imported",
            "line 26: unsupported: tcp-close-timeout=10s (vpnplane has one tcp_transitory_timeout "
            "for the handshake and the closing states)",
            "line 28: refused: ca-certificate=ca: vpnplane uses it only with "
            "verify-server-certificate=yes (the link is imported without it)",
            "line 35: refused: mode=ethernet: only layer-3 links (mode=ip) are supported (the "
            "link is not imported)",
            "line 45: refused: /interface list EMPTY has no member (the list is not imported)",
            "line 48: refused: interface=ether9 of list LAN: not an imported interface (the list "
            "is not imported)",
            "line 50: refused: in-interface-list=LAN: the list (line 44) is not imported",
            "line 50: refused: this /ip firewall filter rule is not imported",
        }));
    EXPECT_NE(
        r.config.find("interface_lists = (\n  { name = \"WAN\"; interfaces = \"ether1\"; }\n);"),
        std::string::npos)
        << r.config;
    // place-before=0 puts line 9's rule first.
    EXPECT_NE(r.config.find("filter = (\n    { chain = \"input\"; protocol = \"tcp\"; dst_port = "
                            "443; action = \"accept\"; comment = \"Allow SSTP\"; },"),
              std::string::npos)
        << r.config;
    EXPECT_NE(r.config.find("{ chain = \"srcnat\"; src_address = \"10.8.0.0/24\"; action = "
                            "\"masquerade\"; comment = \"Masquerade OpenVPN clients\"; "
                            "out_interface = \"ether1\"; }"),
              std::string::npos)
        << r.config;
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    auto& fw = cfg->firewall;
    ASSERT_EQ(fw.filter.size(), 9u);
    EXPECT_NE(std::find(fw.lists.begin(), fw.lists.end(), "WAN"), fw.lists.end());
    EXPECT_NE(fw.filter[8].in_lists, 0); // seed 001's rule with in-interface-list=WAN
    EXPECT_EQ(fw.filter[0].dst_ports.size(), 1u);
    EXPECT_EQ(fw.filter[0].dst_ports[0].lo, 443);
    EXPECT_EQ(fw.filter[5].dst_ports.size(), 4u); // 53,22,8291,80
    EXPECT_NE(fw.filter[6].conn_state, 0);
    ASSERT_EQ(fw.nat.size(), 3u);
    EXPECT_TRUE(fw.tracking());
    EXPECT_EQ(fw.timeouts.udp, 20u);
    auto services = ctl::load_services(*cfg);
    ASSERT_TRUE(services.ok()) << services.message() << "\n" << r.config;
    auto& links = services->ovpn_clients;
    ASSERT_EQ(links.size(), 5u);
    EXPECT_EQ(links[0].name, "ovpn-to-hq");
    EXPECT_EQ(links[0].connect_to, ip("198.51.100.1"));
    EXPECT_EQ(links[0].user, "client1");
    EXPECT_EQ(links[0].certificate, "client1");
    EXPECT_FALSE(links[0].verify_server_certificate);
    EXPECT_EQ(links[0].ciphers, std::vector<crypto::Cipher>{crypto::Cipher::Aes256Cbc});
    EXPECT_EQ(links[0].auth, crypto::Digest::Sha256);
    EXPECT_FALSE(links[0].add_default_route);
    EXPECT_EQ(links[1].name, "ovpn-dns"); // connect-to=DNSNAME: the daemon resolves it
    EXPECT_EQ(links[1].connect_host, "vpn.example.com");
    EXPECT_EQ(links[2].name, "ovpn-out1"); // RouterOS's name for the first unnamed link
    EXPECT_TRUE(links[2].verify_server_certificate);
    EXPECT_EQ(links[3].name, "tcp-link"); // protocol=tcp: OpenVPN over TCP
    EXPECT_TRUE(links[3].tcp);
    EXPECT_FALSE(links[0].tcp);
    EXPECT_EQ(links[4].name, "everything");
    EXPECT_TRUE(links[4].add_default_route); // add-default-route=yes
    ASSERT_EQ(services->link_routes.size(), 4u);
    EXPECT_EQ(services->link_routes[0].link, "ovpn-to-hq");
    EXPECT_EQ(services->link_routes[1].link, "ovpn-out1");
    EXPECT_EQ(services->link_routes[2].link, "sstp-out1");
    EXPECT_EQ(services->link_routes[3].link, "ovpn-dns");
    ASSERT_EQ(services->sstp_clients.size(), 1u);
    EXPECT_EQ(services->sstp_clients[0].connect_to, ip("198.51.100.9"));
    EXPECT_EQ(services->sstp_clients[0].pfs, sstp::Pfs::Yes);
}

} // namespace
} // namespace vp::tools::routeros

namespace vp::tools::routeros {
namespace {

using namespace testing_util;

// One property at a time: what the daemon would refuse is reported and the rule left out; what
// it takes is written with the daemon's syntax and read back by its firewall parser.
TEST(RouterosImport, FirewallRuleValues) {
    auto r = import_text(
        "/ip firewall filter\n"
        "add chain=input protocol=icmp icmp-options=8:0 action=accept disabled=yes\n" // 2
        "add chain=forward protocol=6 tcp-flags=syn,!ack action=reject "
        "reject-with=icmp-admin-prohibited dst-address=10.0.0.1-10.0.0.9\n" // 3
        "add chain=forward src-address=!10.0.0.0/8 action=drop\n"           // 4
        "add chain=forward dst-port=80 action=drop\n"                       // 5
        "add chain=output action=drop\n"                                    // 6
        "add chain=input out-interface-list=ovpn action=drop\n"             // 7
        "add chain=forward protocol=tcp action=drop nth=2,1\n"              // 8
        "/ip firewall nat\n"
        "add chain=dstnat protocol=tcp dst-port=80 action=dst-nat to-addresses=10.0.0.5 "
        "to-ports=8000-8100\n"                                        // 10
        "add chain=srcnat action=masquerade to-addresses=192.0.2.1\n" // 11
        "add chain=srcnat action=src-nat\n"                           // 12
        "/ip firewall mangle\n"
        "add chain=forward action=change-mss new-mss=clamp-to-pmtu protocol=tcp "
        "tcp-flags=syn passthrough=yes\n"                                     // 14
        "add chain=prerouting action=mark-connection new-connection-mark=x\n" // 15
        "/ip firewall address-list add list=blocked address=192.0.2.7\n"      // 16 (imported)
        "/ip firewall filter set 0 disabled=yes\n");                          // 17
    EXPECT_EQ(
        reports(r),
        (std::vector<std::string>{
            "refused: no interface was imported; vpnplaned needs at least one (an /ip address "
            "and --port NAME=DEVICE)",
            "line 4: refused: src-address=!10.0.0.0/8: negated matchers (!) are not supported",
            "line 4: refused: this /ip firewall filter rule is not imported",
            "line 5: refused: src-port/dst-port need protocol=tcp or udp",
            "line 5: refused: this /ip firewall filter rule is not imported",
            "line 6: refused: chain=output: vpnplane filters the input and forward chains only "
            "(output and jump chains are not implemented)",
            "line 6: refused: this /ip firewall filter rule is not imported",
            "line 7: refused: out-interface matchers are not valid in chain input",
            "line 7: refused: this /ip firewall filter rule is not imported",
            "line 8: unsupported: /ip firewall filter nth=2,1 (no vpnplane counterpart)",
            "line 8: refused: this /ip firewall filter rule is not imported",
            "line 10: refused: to-ports=8000-8100: dst-nat takes one port",
            "line 10: refused: this /ip firewall nat rule is not imported",
            "line 11: refused: to-addresses is not valid with masquerade (use action=src-nat)",
            "line 11: refused: this /ip firewall nat rule is not imported",
            "line 12: refused: src-nat needs to-addresses=",
            "line 12: refused: this /ip firewall nat rule is not imported",
            "line 14: unsupported: passthrough=yes (vpnplane applies the first matching "
            "change-mss rule only; the rule is imported)",
            "line 15: refused: chain=prerouting: mangle rules run in the forward chain only",
            "line 15: refused: action=mark-connection: the only mangle action is change-mss",
            "line 15: refused: new-connection-mark=x: is not implemented in vpnplane yet",
            "line 15: refused: change-mss needs protocol=tcp",
            "line 15: refused: change-mss needs new-mss=",
            "line 15: refused: this /ip firewall mangle rule is not imported",
            "line 17: unsupported: /ip firewall filter set (firewall rules are translated from "
            "add only)",
        }));
    EXPECT_NE(r.config.find("{ chain = \"input\"; protocol = \"icmp\"; icmp_options = \"8:0\"; "
                            "action = \"accept\"; disabled = true; }"),
              std::string::npos)
        << r.config;
    EXPECT_NE(r.config.find("protocol = 6; tcp_flags = \"syn,!ack\"; action = \"reject\"; "
                            "reject_with = \"icmp-admin-prohibited\"; dst_address = "
                            "\"10.0.0.1-10.0.0.9\";"),
              std::string::npos)
        << r.config;
    EXPECT_NE(r.config.find("new_mss = \"clamp-to-pmtu\""), std::string::npos) << r.config;
    expect_firewall_accepted(r.config, 2, 0, 1);
}

} // namespace
} // namespace vp::tools::routeros

namespace vp::tools::routeros {
namespace {

using namespace testing_util;

// The daemon takes 14 lists besides ovpn and sstp: the 15th is refused, and so is a rule on it.
TEST(RouterosImport, InterfaceListsBeyondTheDaemonsLimit) {
    std::string text = "/ip address add address=192.0.2.2/24 interface=ether1\n";
    for (int n = 1; n <= 15; ++n)
        text += "/interface list add name=L" + std::to_string(n) +
                "\n/interface list member add interface=ether1 list=L" + std::to_string(n) + "\n";
    text += "/ip firewall filter add chain=forward in-interface-list=L15 action=drop\n"
            "/ip firewall filter add chain=forward in-interface-list=L14 action=drop\n";
    auto r = import_text(text, {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(r),
              (std::vector<std::string>{
                  "line 30: refused: /interface list L15: vpnplane has at most 14 lists besides "
                  "ovpn and sstp (the list is not imported)",
                  "line 32: refused: in-interface-list=L15: the list (line 30) is not imported",
                  "line 32: refused: this /ip firewall filter rule is not imported"}));
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    EXPECT_EQ(cfg->firewall.lists.size(), 16u);
    EXPECT_EQ(cfg->firewall.filter.size(), 1u);
}

} // namespace
} // namespace vp::tools::routeros

namespace vp::tools::routeros {
namespace {

using namespace testing_util;

// /ip firewall address-list entries become firewall.address_lists; rules naming a list (or
// !list) keep the matcher; a list with a refused entry is left out with the rules naming it.
TEST(RouterosImport, FirewallAddressLists) {
    auto r = import_text(fixture("seed_firewall_address_lists.rsc"), {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(r),
              (std::vector<std::string>{
                  "line 8: refused: address=vpn.example.com: address 'vpn.example.com' is not an "
                  "address, a prefix (10.0.0.0/24) or a range (10.0.0.1-10.0.0.9); DNS names are "
                  "not resolved in vpnplane's address lists",
                  "line 8: refused: this address-list entry is not imported (nor list cloud)",
                  "line 11: unsupported: /ip firewall address-list set (address lists are "
                  "translated from add only)",
                  "line 17: refused: dst-address-list=cloud: the list (entry at line 8) is not "
                  "imported",
                  "line 17: refused: this /ip firewall filter rule is not imported",
                  "line 19: refused: src-address-list=off: every entry of the list is disabled "
                  "(vpnplane refuses a rule on an empty list)",
                  "line 19: refused: this /ip firewall filter rule is not imported",
                  "line 20: refused: src-address-list=nowhere: no /ip firewall address-list "
                  "entries of that list (nor a /ppp profile address-list=, nor an "
                  "add-to-address-list rule)",
                  "line 20: refused: this /ip firewall filter rule is not imported",
              }));
    EXPECT_NE(
        r.config.find("  address_lists = (\n"
                      "    { list = \"blocked\"; addresses = \"198.51.100.0/24\"; comment = "
                      "\"scanners\"; },\n"
                      "    { list = \"blocked\"; addresses = \"192.0.2.66\"; },\n"
                      "    { list = \"admins\"; addresses = \"10.8.0.10-10.8.0.20\"; },\n"
                      "    { list = \"admins\"; addresses = \"10.8.0.99\"; disabled = true; },\n"
                      "    { list = \"temporary\"; addresses = \"192.0.2.77\"; timeout = "
                      "\"1d\"; },\n"
                      "    { list = \"off\"; addresses = \"192.0.2.88\"; disabled = true; }\n"
                      "  );\n"),
        std::string::npos)
        << r.config;
    EXPECT_NE(r.config.find("{ chain = \"forward\"; action = \"drop\"; src_address_list = "
                            "\"blocked\"; }"),
              std::string::npos)
        << r.config;
    // Read back by the daemon: the lists, the matchers (!admins complemented) and NAT's.
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    auto& fw = cfg->firewall;
    ASSERT_EQ(fw.address_lists.size(), 4u);
    EXPECT_EQ(fw.address_lists.at("admins").size(), 1u); // the disabled entry left out
    EXPECT_TRUE(fw.address_lists.at("off").empty());
    ASSERT_EQ(fw.timed_entries.size(), 1u); // timeout=1d: in the list for a day
    EXPECT_EQ(fw.timed_entries[0].list, "temporary");
    EXPECT_EQ(fw.timed_entries[0].timeout_s, 86400u);
    ASSERT_EQ(fw.filter.size(), 5u);
    EXPECT_EQ(fw.filter[4].src_list_name, "temporary");
    ASSERT_TRUE(fw.filter[0].src_list.has_value());
    EXPECT_EQ(fw.filter[0].src_list->size(), 2u);
    ASSERT_TRUE(fw.filter[3].dst_list.has_value());
    EXPECT_EQ(fw.filter[3].dst_list->size(), 2u); // below and above 10.8.0.10-20
    ASSERT_EQ(fw.nat.size(), 1u);
    EXPECT_TRUE(fw.nat[0].src_list.has_value());
}

// /ppp profile address-list= is translated (sessions add their address to it), and a rule naming
// that list is imported although the export has no /ip firewall address-list entry of it.
TEST(RouterosImport, ProfileAddressListFeedsFirewallRules) {
    auto r = import_text("/ip address add address=192.0.2.1/24 interface=ether1\n"
                         "/ip pool add name=vpn ranges=10.8.0.2-10.8.0.254\n"
                         "/ppp profile add name=users local-address=10.8.0.1 "
                         "remote-address=vpn address-list=vpn-users\n"
                         "/ip firewall filter\n"
                         "add chain=forward src-address-list=vpn-users action=accept\n"
                         "add chain=forward in-interface-list=ovpn action=drop\n",
                         {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(r), std::vector<std::string>{});
    EXPECT_NE(r.config.find("address_list = \"vpn-users\";"), std::string::npos) << r.config;
    EXPECT_NE(r.config.find("src_address_list = \"vpn-users\""), std::string::npos) << r.config;
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    EXPECT_EQ(cfg->firewall.dynamic_lists.count("vpn-users"), 1u);
    ASSERT_EQ(cfg->firewall.filter.size(), 2u);
    EXPECT_EQ(cfg->firewall.filter[0].src_list_name, "vpn-users");
}

// action=add-src-to-address-list address-list= address-list-timeout=: the rule is imported with
// its list and timeout, and rules may name the list it fills; none-static is refused.
TEST(RouterosImport, AddToAddressListRules) {
    auto r = import_text("/ip address add address=192.0.2.1/24 interface=ether1\n"
                         "/ip firewall filter\n"
                         "add chain=input protocol=tcp dst-port=22 src-address-list=ssh_stage1 "
                         "action=drop\n"
                         "add action=add-src-to-address-list address-list=ssh_stage1 "
                         "address-list-timeout=1m chain=input connection-state=new protocol=tcp "
                         "dst-port=22\n"
                         "add chain=forward action=add-dst-to-address-list address-list=seen "
                         "address-list-timeout=none-dynamic\n"
                         "add chain=forward action=add-src-to-address-list address-list=x "
                         "address-list-timeout=none-static\n"
                         "add chain=forward action=accept address-list=x\n",
                         {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(r),
              (std::vector<std::string>{
                  "line 3: refused: src-address-list=ssh_stage1: no /ip firewall address-list "
                  "entries of that list (nor a /ppp profile address-list=, nor an "
                  "add-to-address-list rule)",
                  "line 3: refused: this /ip firewall filter rule is not imported",
                  "line 4: refused: connection-state is not valid in the input chain (the "
                  "appliance's own connections are not tracked)",
                  "line 4: refused: this /ip firewall filter rule is not imported",
                  "line 6: refused: address-list-timeout=none-static: vpnplane does not write its "
                  "configuration: use none-dynamic or a duration",
                  "line 6: refused: this /ip firewall filter rule is not imported",
                  "line 7: refused: address-list= and address-list-timeout= need "
                  "action=add-src-to-address-list or add-dst-to-address-list",
                  "line 7: refused: this /ip firewall filter rule is not imported",
              }));
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    auto& f = cfg->firewall.filter;
    ASSERT_EQ(f.size(), 1u) << r.config;
    EXPECT_EQ(f[0].action, dp::fw::Action::add_dst_to_list);
    EXPECT_EQ(f[0].address_list, "seen");
    EXPECT_EQ(f[0].address_list_timeout_s, 0u);
    auto ok = import_text("/ip address add address=192.0.2.1/24 interface=ether1\n"
                          "/ip firewall filter\n"
                          "add chain=input protocol=tcp dst-port=22 src-address-list=knock "
                          "action=accept\n"
                          "add action=add-src-to-address-list address-list=knock "
                          "address-list-timeout=1m chain=input protocol=udp dst-port=7000\n",
                          {{"ether1", "net_null0"}});
    EXPECT_EQ(reports(ok), std::vector<std::string>{});
    EXPECT_NE(ok.config.find("action = \"add-src-to-address-list\"; address_list = \"knock\"; "
                             "address_list_timeout = \"1m\";"),
              std::string::npos)
        << ok.config;
    auto cfg2 = config::load_config_text(ok.config);
    ASSERT_TRUE(cfg2.ok()) << cfg2.message() << "\n" << ok.config;
    ASSERT_EQ(cfg2->firewall.filter.size(), 2u);
    EXPECT_EQ(cfg2->firewall.filter[0].src_list_name, "knock");
    EXPECT_EQ(cfg2->firewall.filter[1].address_list_timeout_s, 60u);
}

} // namespace
} // namespace vp::tools::routeros
