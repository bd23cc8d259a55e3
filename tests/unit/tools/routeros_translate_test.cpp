// The RouterOS importer end to end: each seed manual's commands (tests/fixtures/routeros/) and
// hand-written exports are translated, and the produced configuration is read back with the
// daemon's own parsers (AAA, OpenVPN server, the whole appliance loader).
#include "tests/unit/tools/routeros_translate_util.hpp"

namespace vp::tools::routeros {
namespace {

using namespace testing_util;

TEST(RouterosImport, Seed000OpenVpnAndSstpHowto) {
    auto r = import_text(fixture("seed000_ovpn_sstp_howto.rsc"));
    auto b = read_back(r.config);
    expect_pool_profile(b, "vpn", "10.10.10.2", "10.10.10.254", "vpn-profile", "10.10.10.1");
    auto* p = b.aaa.profile("vpn-profile");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->use_encryption, aaa::EncryptionSetting::Yes);
    ASSERT_TRUE(b.aaa.secret("user"));
    EXPECT_EQ(b.aaa.secret("user")->password, "password");
    EXPECT_EQ(b.aaa.secret("user")->profile, "default");
    ASSERT_TRUE(b.aaa.secret("Laptop"));
    EXPECT_FALSE(b.aaa.secret("Laptop")->local_address); // blank in the manual = unset
    ASSERT_TRUE(b.ovpn);
    EXPECT_TRUE(b.ovpn->enabled);
    EXPECT_EQ(b.ovpn->certificate, "server-certificate");
    EXPECT_EQ(b.ovpn->default_profile, "vpn-profile");
    EXPECT_TRUE(b.ovpn->require_client_certificate);
    EXPECT_EQ(sstp_setting(b, "certificate"), "server-certificate");
    EXPECT_EQ(sstp_setting(b, "authentication"), "mschap2");
    EXPECT_EQ(sstp_setting(b, "default_profile"), "vpn-profile");
    EXPECT_EQ(sstp_setting(b, "enabled"), "no");
    EXPECT_NE(r.config.find("#   server-certificate\n"), std::string::npos);
    EXPECT_NE(r.config.find("vpnctl certificate import"), std::string::npos);
    // Line 21's rule is translated; line 29's blank src-address (the manual's placeholder)
    // would make an accept-everything rule, so it is refused.
    EXPECT_NE(r.config.find("filter = (\n    { chain = \"input\"; protocol = \"tcp\"; dst_port = "
                            "1194; action = \"accept\"; comment = \"Allow OVPN\"; }\n  );"),
              std::string::npos)
        << r.config;
    expect_firewall_accepted(r.config, 1, 0);
    has_report(r,
               "line 27: refused: interface bridge has no /ip address; a vpnplane port needs one");
    has_report(r, "line 29: refused: src-address=: an empty matcher (a placeholder in a manual?) "
                  "would widen the rule");
    has_report(r, "line 29: refused: this /ip firewall filter rule is not imported");
    has_report(r, "line 36: refused: enabled=yes: the SSTP server is not available in this "
                  "version of vpnplaned (written as enabled = false)");
}

TEST(RouterosImport, Seed001SstpForWindows) {
    auto r = import_text(fixture("seed001_sstp_windows.rsc"));
    auto b = read_back(r.config);
    expect_pool_profile(b, "sstp-pool", "10.10.10.10", "10.10.10.254", "sstp-profile",
                        "10.10.10.1");
    auto* p = b.aaa.profile("sstp-profile");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->use_encryption, aaa::EncryptionSetting::Required);
    EXPECT_EQ(p->dns_servers, (std::vector<net::Ipv4>{ip("8.8.8.8"), ip("8.8.4.4")}));
    auto* s = b.aaa.secret("vpnuser");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->password, "StrongUserPass");
    EXPECT_EQ(s->service, aaa::Service::Sstp);
    EXPECT_EQ(s->profile, "sstp-profile");
    EXPECT_FALSE(b.ovpn);
    EXPECT_EQ(sstp_setting(b, "certificate"), "sstp-server");
    EXPECT_EQ(sstp_setting(b, "default_profile"), "sstp-profile");
    EXPECT_EQ(sstp_setting(b, "verify_client_certificate"), "no");
    EXPECT_EQ(reports(r).size(), 4u) << testing::PrintToString(reports(r));
    has_report(r, "line 25: refused: enabled=yes: the SSTP server is not available in this "
                  "version of vpnplaned (written as enabled = false)");
    has_report(r, "line 36: refused: in-interface-list=WAN: no /interface list of that name (the "
                  "built-in ones are ovpn and sstp)");
    has_report(r, "line 36: refused: this /ip firewall filter rule is not imported");
    EXPECT_EQ(r.config.find("firewall"), std::string::npos);
}

TEST(RouterosImport, Seed002ConsoleCommands) {
    auto r = import_text(fixture("seed002_sstp_v7_manual.rsc"));
    auto b = read_back(r.config);
    auto* s = b.aaa.secret("MT-User");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->password, "StrongPass");
    EXPECT_EQ(s->service, aaa::Service::Sstp);
    EXPECT_FALSE(s->remote_address);
    EXPECT_EQ(sstp_setting(b, "default_profile"), "default-encryption");
    // The manual's `connect-to=` (no address): the link cannot be written.
    has_report(r, "line 3: refused: connect-to=: the server's address is required (the link is "
                  "not imported)");
    EXPECT_EQ(r.config.find("sstp_clients"), std::string::npos) << r.config;
}

// Seed 004's site-to-site client: the link and the route through it, read back with the
// daemon's parsers; what sstp_clients refuses is reported and left out.
TEST(RouterosImport, Seed004SstpSiteToSite) {
    auto r = import_text(fixture("seed004_sstp_site_to_site.rsc"));
    has_report(r, "line 6: refused: http-proxy=10.0.0.1:8080: connecting through an HTTP proxy "
                  "is not supported (the link is not imported)");
    has_report(r, "line 8: refused: dial-on-demand=yes: client links dial at start (the link is "
                  "not imported)");
    has_report(r, "line 11: refused: gateway=via-proxy: the sstp-client link (line 6) is not "
                  "imported");
    // The section read back with the daemon's parser (no interfaces are imported from this
    // fragment, so the whole file is not a valid appliance configuration).
    config::Diagnostics diag;
    auto file = config::read_string(r.config, diag);
    ASSERT_TRUE(file) << diag.text() << r.config;
    config::Section root(file->config->getRoot(), diag);
    auto sections = root.groups("sstp_clients");
    auto links = sstp::parse_client_links(sections);
    EXPECT_TRUE(diag.ok()) << diag.text() << r.config;
    ASSERT_EQ(links.size(), 3u) << r.config;
    EXPECT_EQ(links[0].name, "sstp-out1"); // RouterOS's name for the first unnamed link
    EXPECT_EQ(links[0].connect_to, ip("192.168.80.1"));
    EXPECT_EQ(links[0].port, 443);
    EXPECT_EQ(links[0].user, "Home");
    EXPECT_EQ(links[0].password, "123");
    EXPECT_EQ(links[0].certificate, "client");
    EXPECT_TRUE(links[0].verify_server_certificate);
    EXPECT_EQ(links[0].ca_certificate, "CA");
    EXPECT_EQ(links[0].keepalive_timeout_s, 30u);
    EXPECT_EQ(links[0].authentication, std::vector<ppp::AuthMethod>{ppp::AuthMethod::MsChapV2});
    EXPECT_FALSE(links[0].disabled);
    EXPECT_EQ(links[1].name, "dns-name"); // the daemon resolves the name at every attempt
    EXPECT_EQ(links[1].connect_host, "vpn.example.com");
    EXPECT_FALSE(links[1].disabled);
    EXPECT_EQ(links[2].name, "spare");
    EXPECT_EQ(links[2].port, 8443);
    EXPECT_TRUE(links[2].disabled); // RouterOS adds client interfaces disabled
    EXPECT_EQ(links[2].tls_version, sstp::TlsVersions::Only12);
    EXPECT_EQ(links[2].pfs, sstp::Pfs::Required);
    EXPECT_NE(r.config.find("{ dst_address = \"10.1.101.0/24\"; gateway = \"sstp-out1\"; }"),
              std::string::npos)
        << r.config;
    EXPECT_EQ(r.config.find("10.1.102.0/24"), std::string::npos) << r.config;
}

TEST(RouterosImport, Seed003OpenVpnV7) {
    auto r = import_text(fixture("seed003_ovpn_v7.rsc"));
    auto b = read_back(r.config);
    expect_pool_profile(b, "ovpn-pool", "10.8.0.2", "10.8.0.254", "ovpn-profile", "10.8.0.1");
    auto* p = b.aaa.profile("ovpn-profile");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->dns_servers, (std::vector<net::Ipv4>{ip("8.8.8.8")}));
    EXPECT_EQ(p->use_encryption, aaa::EncryptionSetting::Required);
    auto* s = b.aaa.secret("client1");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->service, aaa::Service::Ovpn);
    EXPECT_EQ(s->profile, "ovpn-profile");
    ASSERT_TRUE(b.ovpn);
    EXPECT_TRUE(b.ovpn->enabled);
    EXPECT_EQ(b.ovpn->port, 1194);
    // Line 26 sets protocol=tcp (translated as it is), line 36's `set protocol=udp` wins.
    EXPECT_EQ(b.ovpn->protocol, ovpn::Transport::Udp);
    EXPECT_EQ(b.ovpn->certificate, "server");
    EXPECT_TRUE(b.ovpn->require_client_certificate);
    EXPECT_EQ(b.ovpn->auth, crypto::Digest::Sha256);
    EXPECT_EQ(b.ovpn->ciphers, std::vector<crypto::Cipher>{crypto::Cipher::Aes256Cbc});
    EXPECT_EQ(b.ovpn->max_mtu, 1420u);
    EXPECT_EQ(b.ovpn->keepalive_timeout_s, 30u);
    // The filter rule (line 45) and the change-mss rule (line 48) are translated; the NAT rule
    // names ether1, which this server export gives no address (see SeedFirewallWithPorts).
    EXPECT_NE(r.config.find("{ chain = \"input\"; protocol = \"udp\"; dst_port = 1194; action = "
                            "\"accept\"; comment = \"OpenVPN UDP server\"; }"),
              std::string::npos)
        << r.config;
    EXPECT_NE(r.config.find("mangle = (\n    { chain = \"forward\"; action = \"change-mss\"; "
                            "new_mss = 1380; protocol = \"tcp\"; tcp_flags = \"syn\"; "
                            "tcp_mss = \"1381-65535\"; comment = \"Clamp MSS for OVPN UDP\"; "
                            "out_interface_list = \"ovpn\"; }\n  );"),
              std::string::npos)
        << r.config;
    expect_firewall_accepted(r.config, 1, 0, 1);
    has_report(r, "line 52: unsupported: /interface list ovpn (built into vpnplane: it holds "
                  "every ovpn session; its members are not imported)");
    has_report(r, "line 53: unsupported: member ovpn-incoming1 of the built-in list ovpn (every "
                  "ovpn session is in it)");
    has_report(r, "line 54: refused: out-interface=ether1: not an imported interface (it needs an "
                  "/ip address and --port ether1=DEVICE; tunnel sessions are matched with the "
                  "ovpn and sstp interface lists)");
    has_report(r, "line 54: refused: this /ip firewall nat rule is not imported");
}

TEST(RouterosImport, Seed004SstpV6Manual) {
    auto r = import_text(fixture("seed004_sstp_v6_manual.rsc"), {{"ether2", "net_null0"}});
    auto b = read_back(r.config);
    auto* laptop = b.aaa.secret("Laptop");
    ASSERT_TRUE(laptop);
    EXPECT_EQ(laptop->local_address, ip("10.1.101.1"));
    EXPECT_EQ(laptop->remote_address, ip("10.1.101.100"));
    auto* home = b.aaa.secret("Home");
    ASSERT_TRUE(home);
    ASSERT_EQ(home->routes.size(), 1u);
    EXPECT_EQ(home->routes[0].destination, *net::parse_prefix("10.1.202.0/24"));
    EXPECT_EQ(home->routes[0].gateway, ip("172.16.1.2"));
    EXPECT_EQ(home->routes[0].metric, 1u);
    EXPECT_EQ(sstp_setting(b, "certificate"), "server");
    EXPECT_EQ(sstp_setting(b, "verify_client_certificate"), "yes");
    EXPECT_NE(r.config.find("#   CA\n"), std::string::npos);
    has_report(r, "line 7: refused: interface ether2 has no /ip address; a vpnplane port needs "
                  "one");
}

// A v7 export of a whole edge box: the output must pass the daemon's full loader.
TEST(RouterosImport, V7EdgeExportLoadsAsAWholeConfiguration) {
    auto r = import_text(fixture("edge_v7_export.rsc"),
                         {{"ether1", "0000:03:00.0"}, {"lan", "net_af_packet0,iface=eth1"}});
    EXPECT_TRUE(r.reports.empty()) << testing::PrintToString(reports(r));
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    auto services = ctl::load_services(*cfg);
    ASSERT_TRUE(services.ok()) << services.message() << "\n" << r.config;
    EXPECT_EQ(cfg->system.identity, "edge1");
    ASSERT_EQ(cfg->interfaces.size(), 2u);
    auto* wan = cfg->find_interface("wan"); // renamed from ether1 by `set [ find default-name ]`
    ASSERT_TRUE(wan);
    EXPECT_EQ(wan->device, "0000:03:00.0");
    EXPECT_EQ(wan->address, *net::parse_prefix("203.0.113.10/24"));
    EXPECT_EQ(wan->gateway, ip("203.0.113.1"));
    EXPECT_EQ(wan->role, config::InterfaceRole::Wan);
    auto* lan = cfg->find_interface("lan");
    ASSERT_TRUE(lan);
    EXPECT_TRUE(lan->proxy_arp);
    EXPECT_EQ(lan->role, config::InterfaceRole::Lan);
    ASSERT_EQ(cfg->ip.routes.size(), 2u);
    EXPECT_EQ(cfg->ip.routes[0].destination, *net::parse_prefix("10.50.0.0/16"));
    EXPECT_EQ(cfg->ip.routes[0].gateway, ip("192.168.88.254"));
    EXPECT_TRUE(cfg->ip.routes[1].blackhole);
    auto& aaa = services->aaa;
    ASSERT_TRUE(aaa.pool("sites"));
    EXPECT_EQ(aaa.pool("sites")->next_pool, "vpn");
    EXPECT_EQ(aaa.pool("sites")->ranges.size(), 2u);
    EXPECT_EQ(aaa.profile("default")->only_one, aaa::Tristate::Yes);
    EXPECT_EQ(aaa.profile("default-encryption")->change_tcp_mss, aaa::Tristate::Yes);
    EXPECT_EQ(aaa.profile("vpn-profile")->session_timeout_s, 26u * 3600);
    EXPECT_EQ(aaa.secret("alice")->password, "p@ss \"quoted\" \\ word");
    EXPECT_EQ(aaa.secret("branch")->comment, "branch office");
    EXPECT_EQ(services->ovpn.ciphers,
              (std::vector<crypto::Cipher>{crypto::Cipher::Aes256Gcm, crypto::Cipher::Aes128Cbc}));
    EXPECT_EQ(services->ovpn.default_profile, "vpn-profile");
}

// v6 flavour: find-selectors on built-ins, bridges, type=blackhole, distance=1, one-line menus.
TEST(RouterosImport, V6ExportRoundTrip) {
    auto r = import_text("# jan/02/1970 by RouterOS 6.49.7\n"
                         "/interface bridge\n"
                         "add arp=proxy-arp name=bridge1\n"
                         "/interface ethernet\n"
                         "set [ find default-name=ether1 ] mtu=1400\n"
                         "/ip pool\n"
                         "add name=p1 ranges=10.20.0.10-10.20.0.20,10.20.0.30\n"
                         "set [ find name=p1 ] comment=\"first\\tpool\\n\"\n"
                         "/ppp profile\n"
                         "set [ find default=yes ] dns-server=10.20.0.1 idle-timeout=10m\n"
                         "add name=site local-address=10.20.0.1 remote-address=p1 \\\n"
                         "    rate-limit=10M/20M only-one=yes\n"
                         "/interface ovpn-server server\n"
                         "set certificate=srv cipher=blowfish128,aes128-cbc enabled=yes\n"
                         "/ip address\n"
                         "add address=192.168.1.1/24 interface=bridge1 network=192.168.1.0\n"
                         "add address=198.51.100.2/30 interface=ether1 network=198.51.100.0\n"
                         "/ip route\n"
                         "add distance=1 gateway=198.51.100.1\n"
                         "add distance=1 dst-address=10.99.0.0/16 type=blackhole\n"
                         "/ip firewall mangle add action=change-mss chain=forward \\\n"
                         "    new-mss=clamp-to-pmtu protocol=tcp tcp-flags=syn\n"
                         "/ppp secret\n"
                         "add name=bob password=b profile=site service=any\n"
                         "set [ find name=bob ] disabled=yes\n",
                         {{"bridge1", "net_tap0,iface=vp0"}, {"ether1", "0000:01:00.0"}});
    ASSERT_EQ(reports(r),
              std::vector<std::string>{"line 14: refused: cipher blowfish128: Blowfish is not "
                                       "supported"});
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    auto services = ctl::load_services(*cfg);
    ASSERT_TRUE(services.ok()) << services.message() << "\n" << r.config;
    auto* bridge = cfg->find_interface("bridge1");
    ASSERT_TRUE(bridge);
    EXPECT_TRUE(bridge->proxy_arp);
    EXPECT_EQ(bridge->device, "net_tap0,iface=vp0");
    EXPECT_EQ(cfg->find_interface("ether1")->mtu, 1400);
    EXPECT_EQ(cfg->find_interface("ether1")->gateway, ip("198.51.100.1"));
    ASSERT_EQ(cfg->ip.routes.size(), 1u);
    EXPECT_TRUE(cfg->ip.routes[0].blackhole);
    auto& aaa = services->aaa;
    EXPECT_EQ(aaa.pool("p1")->ranges.size(), 2u);
    EXPECT_EQ(aaa.pool("p1")->comment, "first\tpool\n"); // escapes survive the trip
    EXPECT_EQ(aaa.profile("default")->idle_timeout_s, 600u);
    EXPECT_EQ(aaa.profile("site")->only_one, aaa::Tristate::Yes);
    ASSERT_TRUE(aaa.profile("site")->rate_limit);
    EXPECT_TRUE(aaa.secret("bob")->disabled);
    EXPECT_EQ(services->ovpn.ciphers, std::vector<crypto::Cipher>{crypto::Cipher::Aes128Cbc});
}

// v7.17+: `/interface ovpn-server server add name=... disabled=no`.
TEST(RouterosImport, V7MultiServerAdd) {
    auto r = import_text("/interface ovpn-server server\n"
                         "add certificate=c disabled=no name=ovpn-server1 port=1195\n"
                         "add certificate=c disabled=no name=ovpn-server2 port=1196\n");
    has_report(r, "line 3: refused: a second OpenVPN server: vpnplane runs one");
    auto b = read_back(r.config);
    ASSERT_TRUE(b.ovpn);
    EXPECT_TRUE(b.ovpn->enabled);
    EXPECT_EQ(b.ovpn->port, 1195);
}

TEST(RouterosImport, EverythingNotTranslatedIsReportedWithItsLine) {
    auto r = import_text("/ip firewall filter add chain=input action=drop\n"              // 1
                         "/interface ovpn-client add connect-to=hq_1 user=u password=p\n" // 2
                         "/interface list member add interface=ether1 list=WAN\n"         // 3
                         "/interface ovpn-server server set certificate=c mode=ethernet \\\n"
                         "    protocol=tcp netmask=29\n"                            // 4-5
                         "/ppp secret add name=p password=x service=pppoe\n"        // 6
                         "/ppp profile add name=v6 use-ipv6=yes on-up=\"\"\n"       // 7
                         "/ip route add dst-address=10.0.0.0/8 gateway=ovpn-out1\n" // 8
                         "/ip address add address=10.1.1.1/24 interface=ether5\n"   // 9
                         "/ip pool add name=q ranges=\"unterminated\n"              // 10
                         "/ppp secret remove [ find name=x ]\n"                     // 11
                         "/ppp secret add name=nopass\n",                           // 12
                         {{"ether9", "net_null0"}});
    EXPECT_EQ(reports(r),
              (std::vector<std::string>{
                  "refused: --port ether9=net_null0: the export has no interface named ether9",
                  "refused: no interface was imported; vpnplaned needs at least one (an /ip "
                  "address and --port NAME=DEVICE)",
                  "line 2: refused: connect-to=hq_1: neither an IPv4 address nor a DNS host "
                  "name (the link is not imported)",
                  "line 3: refused: list=WAN: no /interface list above",
                  "line 4: refused: netmask=29: addresses come from the PPP profile",
                  "line 4: refused: mode=ethernet: only mode=ip (layer 3) is supported",
                  "line 6: refused: service=pppoe: vpnplane serves only ovpn and sstp",
                  "line 7: refused: use-ipv6=yes: IPv6 is not supported yet",
                  "line 8: refused: gateway=ovpn-out1: the ovpn-client link (line 2) is not "
                  "imported",
                  "line 9: refused: interface ether5 (10.1.1.1/24) has no --port ether5=DEVICE",
                  "line 10: error: unterminated quoted value",
                  "line 11: unsupported: /ppp secret remove (the importer translates add and set "
                  "only)",
                  "line 12: refused: /ppp secret 'nopass' has no password (CHAP and MS-CHAP need "
                  "one)",
              }));
    // What was refused is not in the output; what was accepted is.
    EXPECT_EQ(r.config.find("pppoe"), std::string::npos);
    EXPECT_NE(r.config.find("protocol = \"tcp\""), std::string::npos); // OpenVPN over TCP
    EXPECT_NE(r.config.find("name = \"v6\""), std::string::npos);
    EXPECT_NE(r.config.find("filter = (\n    { chain = \"input\"; action = \"drop\"; }"),
              std::string::npos);
    EXPECT_EQ(r.config.find("ovpn_clients"), std::string::npos);
}

TEST(RouterosImport, OvpnServerWithoutCertificateIsNotWritten) {
    auto r = import_text("/interface ovpn-server server set enabled=yes\n");
    has_report(r, "line 1: refused: /interface ovpn-server server has no certificate=; the "
                  "section is not written (vpnplane needs the server's certificate)");
    EXPECT_EQ(r.config.find("ovpn_server"), std::string::npos);
}

// A rate-limit the daemon would refuse is reported with its line; the profile is still imported
// without it (a refused `set` keeps the value before it), and the output loads.
TEST(RouterosImport, RateLimitsAreCheckedAsTheDaemonChecksThem) {
    auto r = import_text("/ppp profile\n"
                         "add name=ok rate-limit=\"10M/20M 20M/40M 8M/16M 10/10\"\n"
                         "add name=bad rate-limit=10M/20M only-one=yes\n"
                         "set bad rate-limit=\"10M/20M 0/0 0/0 0/0 1\"\n"
                         "add name=junk rate-limit=fast\n"
                         "/ip address add address=192.168.1.1/24 interface=ether1\n",
                         {{"ether1", "net_tap0,iface=vp0"}});
    auto rs = reports(r);
    ASSERT_EQ(rs.size(), 2u) << testing::PrintToString(rs);
    EXPECT_EQ(rs[0].rfind("line 4: refused: rate-limit=10M/20M 0/0 0/0 0/0 1: ", 0), 0u) << rs[0];
    EXPECT_EQ(rs[1].rfind("line 5: refused: rate-limit=fast: ", 0), 0u) << rs[1];
    auto cfg = config::load_config_text(r.config);
    ASSERT_TRUE(cfg.ok()) << cfg.message() << "\n" << r.config;
    auto services = ctl::load_services(*cfg);
    ASSERT_TRUE(services.ok()) << services.message() << "\n" << r.config;
    ASSERT_TRUE(services->aaa.profile("ok")->rate_limit);
    EXPECT_EQ(services->aaa.profile("ok")->rate_limit->rx.burst_bps, 20'000'000u);
    ASSERT_TRUE(services->aaa.profile("bad"));
    EXPECT_EQ(services->aaa.profile("bad")->only_one, aaa::Tristate::Yes);
    ASSERT_TRUE(services->aaa.profile("bad")->rate_limit); // the refused `set` changed nothing
    EXPECT_EQ(services->aaa.profile("bad")->rate_limit->rx_bps, 10'000'000u);
    EXPECT_FALSE(services->aaa.profile("junk")->rate_limit);
}

} // namespace
} // namespace vp::tools::routeros
