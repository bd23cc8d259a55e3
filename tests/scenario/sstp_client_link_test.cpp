// SSTP client links (sstp_clients) on a real dataplane (net_null ports, no server answering): a
// connect_to DNS name is resolved at each attempt without blocking the control loop, a name that
// does not resolve is a failed attempt with its reason and backoff, and a name that is not one
// is refused with its file:line; more links than the workers' table of listening TCP ports has
// room for (their ports are a range of the local stage, not entries of the table).
#include "control/appliance.hpp"
#include "control/config/appliance_config.hpp"
#include "control/services.hpp"
#include "control/sstp/sstp_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace vp {
namespace {

int instance = 0; // vdev names must be unique within the process

std::string interfaces() {
    std::string n = std::to_string(++instance);
    return "interfaces = (\n"
           "  { name = \"wan0\"; device = \"net_null_scl_w" +
           n +
           "\"; role = \"wan\"; address = \"10.1.0.1/24\"; },\n"
           "  { name = \"lan0\"; device = \"net_null_scl_l" +
           n + "\"; role = \"lan\"; address = \"10.2.0.1/24\"; }\n);\n";
}

std::unique_ptr<ctl::Appliance> make_appliance(const std::string& extra) {
    auto cfg = config::load_config_text("dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
                                        "system = { logging = { level = \"warning\"; }; };\n" +
                                        interfaces() + extra);
    EXPECT_TRUE(cfg.ok()) << cfg.message();
    if (!cfg.ok()) return nullptr;
    auto a = ctl::Appliance::create(*cfg);
    EXPECT_TRUE(a.ok()) << a.message();
    return a.ok() ? std::move(*a) : nullptr;
}

// Runs the service's timer until `done` holds for the link list (the lookup runs on a helper
// thread; no time bound is asserted, the test's own timeout is the limit).
template <typename Done>
std::vector<ovpn::LinkInfo> run_until(ctl::Appliance& a, Done done) {
    auto* s = const_cast<ctl::SstpService*>(a.sstp_service());
    for (;;) {
        uint64_t now = ctl::Appliance::now_ms();
        s->on_timer(now);
        auto links = s->client_links(now);
        if (done(links)) return links;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

TEST(SstpClientLink, ADnsNameIsResolvedAtTheAttemptAndTheLinkGoesOnDialling) {
    auto a = make_appliance("sstp_clients = ( { name = \"to-hq\"; connect_to = \"localhost\"; "
                            "user = \"b\"; password = \"p\"; } );\n");
    ASSERT_TRUE(a);
    ASSERT_NE(a->sstp_service(), nullptr);
    auto links = run_until(*a, [](const std::vector<ovpn::LinkInfo>& l) {
        return l.size() == 1 && l[0].state.find("resolving") == std::string::npos;
    });
    EXPECT_EQ(links[0].server, "localhost (127.0.0.1:443)");
    EXPECT_EQ(links[0].state, "connecting (tcp)") << links[0].last_error;
    EXPECT_EQ(links[0].last_error, "");
}

TEST(SstpClientLink, ANameThatDoesNotResolveIsAFailedAttemptWithItsReasonAndBackoff) {
    auto a = make_appliance("sstp_clients = ( { name = \"to-hq\"; "
                            "connect_to = \"no-such-host.invalid\"; user = \"b\"; } );\n");
    ASSERT_TRUE(a);
    auto links = run_until(*a, [](const std::vector<ovpn::LinkInfo>& l) {
        return l.size() == 1 && l[0].state == "disconnected";
    });
    EXPECT_EQ(links[0].last_error.rfind("DNS: cannot resolve no-such-host.invalid: ", 0), 0u)
        << links[0].last_error;
    EXPECT_EQ(links[0].attempts, 1u);
    EXPECT_GT(links[0].retry_in_ms, 0u);
    EXPECT_LE(links[0].retry_in_ms, sstp::ClientLink::backoff_min_ms);
    EXPECT_EQ(links[0].server, "no-such-host.invalid (unresolved:443)");
}

TEST(SstpClientLink, AConnectToThatIsNeitherAnAddressNorANameIsRefused) {
    auto cfg = config::load_config_text(
        interfaces() + "sstp_clients = ( { name = \"l\"; connect_to = \"1.2.3.999\"; "
                       "user = \"b\"; }, { name = \"m\"; connect_to = \"bad name\"; "
                       "user = \"b\"; }, { name = \"n\"; connect_to = \"vpn.example.com\"; "
                       "user = \"b\"; } );\n");
    ASSERT_TRUE(cfg.ok()) << cfg.message();
    auto s = ctl::validate_services(*cfg);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("connect_to: '1.2.3.999' is neither an IPv4 address nor a DNS"),
              std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("'bad name' is neither"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("vpn.example.com"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("<config>:5: sstp_clients.[1].connect_to"), std::string::npos)
        << "file:line: " << s.message();
}

TEST(SstpClientLink, MoreLinksThanTheTableOfTcpPortsHoldsAllDial) {
    // The TCP test services take 4 of the table's 8 entries: 10 links used to be refused.
    std::string links;
    for (int i = 0; i < 10; ++i)
        links += std::string(i ? ", " : "") + "{ name = \"l" + std::to_string(i) +
                 "\"; connect_to = \"10.1.0.9\"; user = \"b\"; }";
    auto a =
        make_appliance("tcp = { test_services = true; };\nsstp_clients = ( " + links + " );\n");
    ASSERT_TRUE(a);
    auto all = run_until(*a, [](const std::vector<ovpn::LinkInfo>& l) { return l.size() == 10; });
    for (size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].local_port, 61300 + i);
        EXPECT_EQ(all[i].state, "connecting (tcp)") << all[i].name << ": " << all[i].last_error;
    }
}

} // namespace
} // namespace vp
