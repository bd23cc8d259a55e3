// control/services: validate_services, the checks that start-up, reload and `vpnplaned --check`
// share. Each file here is one the daemon refuses; the test pins where and how it says so.
#include "control/config/appliance_config.hpp"
#include "control/ovpn/client_config.hpp"
#include "control/services.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace vp::ctl {
namespace {

// Three lines of foundation settings, so that the section under test starts at line 4.
const std::string base =
    "dpdk = { lcores = \"0-1\"; };\n"
    "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; role = \"wan\";\n"
    "                 address = \"10.1.0.1/24\"; } );\n";

// The errors validate_services reports for `base` plus `sections`, one per line.
std::vector<std::string> refusals(const std::string& sections) {
    auto config = config::load_config_text(base + sections);
    EXPECT_TRUE(config.ok()) << config.message();
    if (!config.ok()) return {config.message()};
    auto services = validate_services(*config);
    std::vector<std::string> lines;
    if (services.ok()) return lines;
    std::string text = services.message();
    for (size_t start = 0; start <= text.size();) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

TEST(ValidateServices, RefusesEveryProblemOfTheOvpnServer) {
    auto errors = refusals("ovpn_server = {\n"
                           "  bogus = 1;\n"
                           "  cipher = \"blowfish128\";\n"
                           "  default_profile = \"nosuch\";\n"
                           "  certificate = \"server\";\n"
                           "};\n");
    EXPECT_EQ(errors, (std::vector<std::string>{
                          "<config>:6: ovpn_server.cipher: 'blowfish128' is not one of: "
                          "aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm, aes192-gcm, "
                          "aes256-gcm, chacha20-poly1305, null",
                          "<config>:6: ovpn_server.cipher: needs at least one cipher",
                          "<config>:5: ovpn_server.bogus: unknown setting",
                          "<config>:7: ovpn_server.default_profile: no profile named 'nosuch'",
                      }));
}

TEST(ValidateServices, RefusesASecretWithAnUnknownProfileAndService) {
    auto errors = refusals("ppp_secrets = (\n"
                           "  { name = \"alice\"; password = \"x\";\n"
                           "    profile = \"nosuch\"; service = \"pptp\"; }\n"
                           ");\n");
    ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("<config>:6: ppp_secrets.[0].service: 'pptp' is not one of", 0), 0u)
        << errors[0];
    EXPECT_EQ(errors[1].rfind("<config>:6: ppp_secrets.[0].profile:", 0), 0u) << errors[1];
    EXPECT_NE(errors[1].find("nosuch"), std::string::npos) << errors[1];
}

TEST(ValidateServices, RefusesWhatTheSstpServerDoesNotImplement) {
    // Enabled, the server refuses the anonymous (ADH) mode, MLPPP and client certificates.
    EXPECT_EQ(refusals("sstp_server = {\n  enabled = true;\n  mrru = 1600;\n"
                       "  verify_client_certificate = true;\n};\n"),
              (std::vector<std::string>{
                  "<config>:6: sstp_server.mrru: multilink PPP (mrru) is not implemented; leave "
                  "it \"disabled\"",
                  "<config>:4: sstp_server.certificate: anonymous (ADH) SSTP is not implemented; "
                  "name a certificate of the store",
                  "<config>:7: sstp_server.verify_client_certificate: client certificates are not "
                  "implemented yet"}));
    // Off, the same settings are only checked for their types (a RouterOS export translates).
    EXPECT_EQ(refusals("sstp_server = {\n  enabled = false;\n  mrru = 1600;\n};\n"),
              std::vector<std::string>{});
}

TEST(ValidateServices, AnEnabledSstpServerNeedsItsCertificateInTheStore) {
    auto errors = refusals("certificates = { store = \"/nonexistent/store\"; };\n"
                           "sstp_server = {\n  enabled = true;\n  certificate = \"srv\";\n};\n");
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("sstp_server: certificate store /nonexistent/store", 0), 0u)
        << errors[0];
}

TEST(ValidateServices, ChecksTheSstpServerSectionLikeEveryOther) {
    // RouterOS's `/interface sstp-server server` properties are known (a translated router
    // configuration with the server off is accepted); a typo and a bad value are not.
    EXPECT_EQ(refusals("sstp_server = { enabled = false; port = 443; certificate = \"srv\";\n"
                       "  authentication = \"mschap2\"; default_profile = \"default-encryption\";\n"
                       "  force_aes = \"yes\"; pfs = \"yes\"; tls_version = \"only-1.2\";\n"
                       "  keepalive_timeout = \"60s\"; max_mtu = 1500; max_mru = 1500;\n"
                       "  mrru = \"disabled\"; verify_client_certificate = \"no\";\n"
                       "  ciphers = \"aes256-gcm-sha384,aes256-sha\"; };\n"),
              std::vector<std::string>{});
    EXPECT_EQ(refusals("sstp_server = {\n"
                       "  prot = 443;\n"
                       "  default_profile = \"nosuch\";\n"
                       "  authentication = \"mschap2,eap\";\n"
                       "};\n"),
              (std::vector<std::string>{
                  "<config>:6: sstp_server.default_profile: no profile named 'nosuch'",
                  "<config>:7: sstp_server.authentication: 'eap' is not one of: pap, chap, "
                  "mschap1, mschap2",
                  "<config>:5: sstp_server.prot: unknown setting",
              }));
}

TEST(ValidateServices, BoundsTheSstpConnectionsInNegotiationInAllAndPerSource) {
    auto config = config::load_config_text(
        base + "sstp_server = { max_handshakes = 200; max_handshakes_per_source = 8; };\n");
    ASSERT_TRUE(config.ok()) << config.message();
    auto services = validate_services(*config);
    ASSERT_TRUE(services.ok()) << services.message();
    EXPECT_EQ(services->sstp.max_handshakes, 200u);
    EXPECT_EQ(services->sstp.max_handshakes_per_source, 8u);
    auto defaults = validate_services(*config::load_config_text(base));
    ASSERT_TRUE(defaults.ok()) << defaults.message();
    EXPECT_EQ(defaults->sstp.max_handshakes, 1024u);
    EXPECT_EQ(defaults->sstp.max_handshakes_per_source, 64u);
    auto errors = refusals("sstp_server = {\n  max_handshakes = 0;\n};\n");
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("<config>:5: sstp_server.max_handshakes: ", 0), 0u) << errors[0];
}

TEST(ValidateServices, BoundsTheOpenVpnTcpConnectionsInNegotiationInAllAndPerSource) {
    auto config =
        config::load_config_text(base + "ovpn_server = { protocol = \"udp,tcp\"; certificate = "
                                        "\"server\"; max_tcp_handshakes = 300;\n"
                                        "  max_tcp_handshakes_per_source = 4; };\n");
    ASSERT_TRUE(config.ok()) << config.message();
    auto services = validate_services(*config);
    ASSERT_TRUE(services.ok()) << services.message();
    EXPECT_EQ(services->ovpn.max_tcp_handshakes, 300u);
    EXPECT_EQ(services->ovpn.max_tcp_handshakes_per_source, 4u);
    auto defaults = validate_services(*config::load_config_text(base));
    ASSERT_TRUE(defaults.ok()) << defaults.message();
    EXPECT_EQ(defaults->ovpn.max_tcp_handshakes, 1024u);
    EXPECT_EQ(defaults->ovpn.max_tcp_handshakes_per_source, 64u);
    auto errors = refusals("ovpn_server = {\n  protocol = \"tcp\"; certificate = \"server\";\n"
                           "  max_tcp_handshakes = 0;\n};\n");
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("<config>:6: ovpn_server.max_tcp_handshakes: ", 0), 0u) << errors[0];
    // Over UDP alone they would bound nothing: refused, not ignored.
    errors = refusals("ovpn_server = {\n  certificate = \"server\";\n"
                      "  max_tcp_handshakes_per_source = 8;\n};\n");
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("<config>:6: ovpn_server.max_tcp_handshakes_per_source: ", 0), 0u)
        << errors[0];
}

TEST(ValidateServices, AnUnknownOvpnTransportIsRefusedOnce) {
    auto errors = refusals("ovpn_server = {\n"
                           "  enabled = true; certificate = \"server\";\n"
                           "  protocol = \"sctp\";\n"
                           "};\n");
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0],
              "<config>:6: ovpn_server.protocol: 'sctp' is not one of: udp, tcp, udp,tcp")
        << errors[0];
}

TEST(ValidateServices, LoadsTheCredentialsOfAnEnabledServer) {
    // Start-up would fail here, after the sections parse: so must the check.
    auto errors = refusals("ovpn_server = { enabled = true;\n"
                           "  certificate_file = \"/nonexistent/server.crt\";\n"
                           "  private_key_file = \"/nonexistent/server.key\"; };\n");
    ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    EXPECT_EQ(errors[0].rfind("ovpn_server: ", 0), 0u) << errors[0];
    EXPECT_NE(errors[0].find("/nonexistent/server.crt"), std::string::npos) << errors[0];
}

TEST(ValidateServices, AcceptsADisabledServerAndTheDefaults) {
    EXPECT_EQ(refusals(""), std::vector<std::string>{});
    EXPECT_EQ(refusals("ovpn_server = { enabled = false; certificate = \"server\";\n"
                       "  default_profile = \"default-encryption\"; };\n"),
              std::vector<std::string>{});
}

TEST(ValidateConfig, AStaticRouteMustHaveItsGatewayOnAnInterfaceSubnet) {
    auto config = config::load_config_text(
        base + "ip = { routes = (\n"
               "  { dst_address = \"10.77.0.0/16\"; gateway = \"10.9.9.9\"; },\n"
               "  { dst_address = \"10.78.0.0/16\"; gateway = \"10.1.0.254\"; } ); };\n");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.message(),
              "<config>:5: ip.routes.[0].gateway: 10.9.9.9 is not on any interface's subnet");
}

bool has_error(const std::vector<std::string>& errors, const std::string& prefix,
               const std::string& part) {
    for (auto& e : errors)
        if (e.rfind(prefix, 0) == 0 && e.find(part) != std::string::npos) return true;
    return false;
}

TEST(ValidateServices, RefusesWhatOvpnClientLinksDoNotImplement) {
    auto errors = refusals("ovpn_clients = (\n"
                           "  { name = \"ovpn-to-hq\"; connect_to = \"vpn..example.com\";\n"
                           "    protocol = \"tcp\"; user = \"branch\";\n"
                           "    add_default_route = true;\n"
                           "    bogus = 1; }\n"
                           ");\n"
                           "sstp_clients = ( { name = \"sstp-out\"; } );\n");
    EXPECT_TRUE(has_error(errors, "<config>:5: ovpn_clients.[0].connect_to:",
                          "neither an IPv4 address nor a DNS host name"))
        << ::testing::PrintToString(errors);
    EXPECT_FALSE(has_error(errors, "<config>:6: ovpn_clients.[0].protocol:", ""))
        << ::testing::PrintToString(errors); // TCP links are implemented
    EXPECT_FALSE(has_error(errors, "<config>:7: ovpn_clients.[0].add_default_route:", ""))
        << ::testing::PrintToString(errors); // implemented (control/ovpn/default_route.hpp)
    EXPECT_TRUE(has_error(errors, "<config>:8: ovpn_clients.[0].bogus:", "unknown setting"))
        << ::testing::PrintToString(errors);
    // sstp_clients are implemented: the entry's own settings are checked, nothing more.
    EXPECT_TRUE(has_error(errors, "<config>:10: sstp_clients.[0].user:", "is required"))
        << ::testing::PrintToString(errors);
    EXPECT_FALSE(has_error(errors, "<config>:10: sstp_clients:", ""))
        << ::testing::PrintToString(errors);
}

TEST(ValidateServices, AcceptsAClientLinkAndARouteNamingIt) {
    EXPECT_EQ(refusals("ovpn_clients = (\n"
                       "  { name = \"ovpn-to-hq\"; connect_to = \"203.0.113.1\"; user = \"b\";\n"
                       "    password = \"p\"; cipher = \"aes256-cbc\"; auth = \"sha256\";\n"
                       "    route_nopull = true; keepalive_timeout = \"30s\"; } );\n"
                       "ip = { routes = ( { dst_address = \"192.168.1.0/24\";\n"
                       "                    gateway = \"ovpn-to-hq\"; } ); };\n"),
              std::vector<std::string>{});
    auto errors = refusals("ip = { routes = ( { dst_address = \"192.168.1.0/24\";\n"
                           "                    gateway = \"ovpn-to-nowhere\"; } ); };\n");
    EXPECT_TRUE(has_error(errors, "<config>:", "'ovpn-to-nowhere'"))
        << ::testing::PrintToString(errors);
}

TEST(ValidateServices, TwoClientLinksMayNotShareAName) {
    auto errors = refusals("ovpn_clients = (\n"
                           "  { name = \"a\"; connect_to = \"203.0.113.1\"; user = \"b\"; },\n"
                           "  { name = \"a\"; connect_to = \"203.0.113.2\"; user = \"b\"; } );\n");
    EXPECT_TRUE(has_error(errors, "<config>:6: ovpn_clients.[1].name:", "two client links"))
        << ::testing::PrintToString(errors);
}

} // namespace
} // namespace vp::ctl

namespace vp::ctl {
namespace {

// protocol = "tcp" is a TCP link, and the dataplane then needs a TCP engine without listeners.
TEST(ValidateServices, AClientLinkNeedsAUniqueNameAndTheServersAddress) {
    for (const char* section : {"ovpn_clients", "sstp_clients"}) {
        auto errors = refusals(std::string(section) +
                               " = (\n"
                               "  { name = \"a\"; connect_to = \"203.0.113.1\"; user = \"b\"; },\n"
                               "  { name = \"a\"; connect_to = \"hq.example\"; user = \"b\"; },\n"
                               "  { name = \"c\"; user = \"b\"; } );\n");
        auto has = [&](const std::string& text) {
            return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) {
                return e.find(text) != std::string::npos;
            });
        };
        EXPECT_TRUE(has("'a' names two client links")) << ::testing::PrintToString(errors);
        EXPECT_FALSE(has("hq.example"))
            << "both kinds take DNS names" << ::testing::PrintToString(errors);
        EXPECT_TRUE(has("connect_to: is required")) << ::testing::PrintToString(errors);
    }
}

TEST(ValidateServices, AClientLinkOverTcp) {
    auto config = config::load_config_text(
        base + "ovpn_clients = (\n"
               "  { name = \"ovpn-to-hq\"; connect_to = \"203.0.113.1\"; user = \"b\";\n"
               "    password = \"p\"; protocol = \"tcp\"; port = 443; } );\n");
    ASSERT_TRUE(config.ok()) << config.message();
    auto services = load_services(*config);
    ASSERT_TRUE(services.ok()) << services.message();
    ASSERT_EQ(services->ovpn_clients.size(), 1u);
    EXPECT_TRUE(services->ovpn_clients[0].tcp);
    EXPECT_EQ(services->ovpn_clients[0].port, 443);
    EXPECT_TRUE(ovpn::client_links_use_tcp(config->raw.get()));
    auto udp = config::load_config_text(
        base +
        "ovpn_clients = ( { name = \"u\"; connect_to = \"203.0.113.1\"; user = \"b\"; } );\n");
    ASSERT_TRUE(udp.ok()) << udp.message();
    EXPECT_FALSE(ovpn::client_links_use_tcp(udp->raw.get()));
    EXPECT_EQ(refusals("ovpn_clients = ( { name = \"u\"; connect_to = \"203.0.113.1\";\n"
                       "  user = \"b\"; protocol = \"sctp\"; } );\n")
                  .size(),
              1u);
}

} // namespace
} // namespace vp::ctl
