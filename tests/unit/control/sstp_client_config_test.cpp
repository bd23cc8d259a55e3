// The `sstp_clients` section (control/sstp/client_config): RouterOS's /interface sstp-client
// properties with their defaults, values and bounds; what is not implemented refused with
// file:line; the TLS policy a link's tls_version and pfs select.
#include "control/config/appliance_config.hpp"
#include "control/sstp/client_config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vp::sstp {
namespace {

struct Parsed {
    std::vector<ClientLinkConfig> links;
    std::vector<std::string> errors;
};

Parsed parse(const std::string& text) {
    Parsed out;
    auto config = config::load_config_text(
        "dpdk = { lcores = \"0-1\"; };\n"
        "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; role = \"wan\";\n"
        "                 address = \"10.1.0.1/24\"; } );\n" +
        text);
    EXPECT_TRUE(config.ok()) << config.message();
    if (!config.ok()) return out;
    config::Diagnostics diag;
    config::Section root(config->raw->getRoot(), diag);
    auto sections = root.groups("sstp_clients");
    out.links = parse_client_links(sections);
    out.errors = diag.errors();
    return out;
}

bool has_error(const Parsed& p, const std::string& prefix, const std::string& part) {
    for (auto& e : p.errors)
        if (e.rfind(prefix, 0) == 0 && e.find(part) != std::string::npos) return true;
    return false;
}

TEST(SstpClientConfig, DefaultsAreRouterOs) {
    auto p = parse("sstp_clients = ( { name = \"sstp-out1\"; connect_to = \"203.0.113.1\";\n"
                   "                   user = \"branch\"; password = \"p\"; } );\n");
    ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    ASSERT_EQ(p.links.size(), 1u);
    const ClientLinkConfig& c = p.links[0];
    EXPECT_EQ(c.name, "sstp-out1");
    EXPECT_EQ(net::to_string(c.connect_to), "203.0.113.1");
    EXPECT_EQ(c.port, 443);
    EXPECT_EQ(c.user, "branch");
    EXPECT_EQ(c.password, "p");
    EXPECT_TRUE(c.certificate.empty());
    EXPECT_FALSE(c.verify_server_certificate);
    EXPECT_EQ(c.profile, "default-encryption");
    EXPECT_EQ(c.authentication,
              (std::vector<ppp::AuthMethod>{ppp::AuthMethod::MsChapV2, ppp::AuthMethod::MsChapV1,
                                            ppp::AuthMethod::ChapMd5, ppp::AuthMethod::Pap}));
    EXPECT_EQ(c.keepalive_timeout_s, 60u);
    EXPECT_FALSE(c.disabled);
    EXPECT_EQ(c.tls_version, TlsVersions::Any);
    EXPECT_EQ(c.pfs, Pfs::No);
    EXPECT_EQ(c.where, "<config>:4");
}

TEST(SstpClientConfig, EverySettingIsRead) {
    auto p = parse("sstp_clients = ( { name = \"to-hq\"; connect_to = \"198.51.100.7\";\n"
                   "  port = 8443; user = \"u\"; password = \"p\"; certificate = \"branch\";\n"
                   "  verify_server_certificate = true; ca_certificate = \"hq-ca\";\n"
                   "  profile = \"default\"; authentication = \"mschap2,pap\";\n"
                   "  keepalive_timeout = \"30s\"; disabled = true; tls_version = \"only-1.2\";\n"
                   "  pfs = \"required\"; ciphers = \"aes256-gcm-sha384\"; max_mtu = 1400;\n"
                   "  max_mru = 1400; add_default_route = false; dial_on_demand = false;\n"
                   "  http_proxy = \"0.0.0.0\"; } );\n");
    ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    const ClientLinkConfig& c = p.links.at(0);
    EXPECT_EQ(c.port, 8443);
    EXPECT_EQ(c.certificate, "branch");
    EXPECT_TRUE(c.verify_server_certificate);
    EXPECT_EQ(c.ca_certificate, "hq-ca");
    EXPECT_EQ(c.authentication,
              (std::vector<ppp::AuthMethod>{ppp::AuthMethod::MsChapV2, ppp::AuthMethod::Pap}));
    EXPECT_EQ(c.keepalive_timeout_s, 30u);
    EXPECT_TRUE(c.disabled);
    EXPECT_EQ(c.tls_version, TlsVersions::Only12);
    EXPECT_EQ(c.pfs, Pfs::Required);
    EXPECT_EQ(c.max_mtu, 1400);
    EXPECT_EQ(c.max_mru, 1400);

    tls::Policy policy = client_tls_policy(c);
    EXPECT_TRUE(policy.verify_peer);
    EXPECT_EQ(policy.max_version, tls::Version::Tls12);
    // pfs = required: only the ECDHE suites.
    EXPECT_EQ(policy.cipher_list, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384");
}

TEST(SstpClientConfig, RefusesWhatIsNotImplementedWithFileAndLine) {
    auto p = parse("sstp_clients = (\n"
                   "  { name = \"a\"; connect_to = \"vpn.example.com\"; user = \"u\";\n"
                   "    add_default_route = true;\n"
                   "    profile = \"branch-profile\";\n"
                   "    authentication = \"eap\";\n"
                   "    http_proxy = \"192.0.2.1\";\n"
                   "    dial_on_demand = true;\n"
                   "    tls_version = \"only-1.1\";\n"
                   "    bogus = 1; },\n"
                   "  { name = \"a\"; connect_to = \"203.0.113.1\"; ca_certificate = \"x\"; }\n"
                   ");\n");
    auto expect = [&](const char* prefix, const char* part) {
        EXPECT_TRUE(has_error(p, prefix, part))
            << prefix << " / " << part << " in " << ::testing::PrintToString(p.errors);
    };
    // A DNS name is taken (resolved at each attempt; its syntax is checked by load_services).
    EXPECT_FALSE(has_error(p, "<config>:5: sstp_clients.[0].connect_to:", ""));
    ASSERT_EQ(p.links.size(), 2u);
    EXPECT_EQ(p.links[0].connect_host, "vpn.example.com");
    EXPECT_EQ(p.links[0].connect_to, 0u);
    expect("<config>:6: sstp_clients.[0].add_default_route:", "not supported");
    expect("<config>:7: sstp_clients.[0].profile:", "'branch-profile'");
    expect("<config>:8: sstp_clients.[0].authentication:", "'eap' is not one of");
    expect("<config>:9: sstp_clients.[0].http_proxy:", "not supported");
    expect("<config>:10: sstp_clients.[0].dial_on_demand:", "not supported");
    expect("<config>:11: sstp_clients.[0].tls_version:", "only-1.1");
    expect("<config>:12: sstp_clients.[0].bogus:", "unknown setting");
    expect("<config>:13: sstp_clients.[1].name:", "two client links");
    expect("<config>:13: sstp_clients.[1].user:", "is required");
    expect("<config>:13: sstp_clients.[1].ca_certificate:", "verify_server_certificate");
}

} // namespace
} // namespace vp::sstp
