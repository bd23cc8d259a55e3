// OpenVPN client links on a real dataplane (net_null ports, no server answering): a connect_to
// DNS name is resolved at each attempt without blocking the control loop, a name that does not
// resolve is a failed attempt with its reason and backoff; add_default_route's route to the
// server through the WAN (control/ovpn/default_route.hpp).
#include "control/appliance.hpp"
#include "control/client_service.hpp"
#include "control/config/appliance_config.hpp"
#include "control/ovpn/default_route.hpp"
#include "control/ovpn/host_resolver.hpp"
#include "control/services.hpp"
#include "dataplane/ovpn/ovpn_session.hpp"
#include "dataplane/session/publish.hpp"

#include <rte_byteorder.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace vp {
namespace {

int instance = 0; // vdev names must be unique within the process

std::unique_ptr<ctl::Appliance> make_appliance(const std::string& extra) {
    std::string n = std::to_string(++instance);
    auto cfg = config::load_config_text(
        "dpdk = { lcores = \"0-1\"; no_huge = true; };\n"
        "system = { logging = { level = \"warning\"; }; };\n"
        "interfaces = (\n"
        "  { name = \"wan0\"; device = \"net_null_ocl_w" +
        n +
        "\"; role = \"wan\"; address = \"10.1.0.1/24\"; },\n"
        "  { name = \"lan0\"; device = \"net_null_ocl_l" +
        n + "\"; role = \"lan\"; address = \"10.2.0.1/24\"; }\n);\n" + extra);
    EXPECT_TRUE(cfg.ok()) << cfg.message();
    if (!cfg.ok()) return nullptr;
    auto a = ctl::Appliance::create(*cfg);
    EXPECT_TRUE(a.ok()) << a.message();
    return a.ok() ? std::move(*a) : nullptr;
}

const ctl::ClientService* client_service(const ctl::Appliance& a) {
    return static_cast<const ctl::ClientService*>(a.registry().udp(61000));
}

// Runs the service's timer until `done` holds for the link list (the lookup runs on a helper
// thread; no time bound is asserted, the test's own timeout is the limit).
template <typename Done>
std::vector<ovpn::LinkInfo> run_until(ctl::Appliance& a, Done done) {
    auto* s = const_cast<ctl::ClientService*>(client_service(a));
    for (;;) {
        uint64_t now = ctl::Appliance::now_ms();
        s->on_timer(now);
        auto links = s->links(now);
        if (done(links)) return links;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

TEST(OvpnClientLink, ADnsNameIsResolvedAtTheAttemptAndTheLinkGoesOnConnecting) {
    auto a = make_appliance("ovpn_clients = ( { name = \"to-hq\"; connect_to = \"localhost\"; "
                            "user = \"b\"; password = \"p\"; } );\n");
    ASSERT_TRUE(a);
    ASSERT_NE(client_service(*a), nullptr);
    auto links = run_until(*a, [](const std::vector<ovpn::LinkInfo>& l) {
        return l.size() == 1 && l[0].state.find("resolving") == std::string::npos;
    });
    EXPECT_EQ(links[0].server, "localhost (127.0.0.1:1194)");
    EXPECT_EQ(links[0].state.rfind("connecting", 0), 0u) << links[0].state;
    EXPECT_EQ(links[0].last_error, "");
}

TEST(OvpnClientLink, ANameThatDoesNotResolveIsAFailedAttemptWithItsReasonAndBackoff) {
    auto a = make_appliance("ovpn_clients = ( { name = \"to-hq\"; "
                            "connect_to = \"no-such-host.invalid\"; user = \"b\"; "
                            "protocol = \"tcp\"; } );\n");
    ASSERT_TRUE(a);
    auto links = run_until(*a, [](const std::vector<ovpn::LinkInfo>& l) {
        return l.size() == 1 && l[0].state == "disconnected";
    });
    EXPECT_EQ(links[0].last_error.rfind("DNS: cannot resolve no-such-host.invalid: ", 0), 0u)
        << links[0].last_error;
    EXPECT_EQ(links[0].attempts, 1u);
    EXPECT_GT(links[0].retry_in_ms, 0u);
    EXPECT_LE(links[0].retry_in_ms, ovpn::ClientLink::backoff_min_ms);
    EXPECT_EQ(links[0].server, "no-such-host.invalid (unresolved:1194)");
}

TEST(OvpnClientLink, TlsAuthAndTlsCryptSettings) {
    const std::string base = "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; "
                             "role = \"wan\"; address = \"10.1.0.1/24\"; } );\n";
    auto parse = [&](const std::string& link) {
        auto cfg = config::load_config_text(base +
                                            "ovpn_clients = ( { name = \"l\"; "
                                            "connect_to = \"10.1.0.9\"; user = \"b\"; " +
                                            link + " } );\n");
        EXPECT_TRUE(cfg.ok()) << cfg.message();
        return ctl::validate_services(*cfg);
    };
    auto a = parse("tls_auth = { key = \"/etc/ta.key\"; digest = \"sha256\"; };");
    ASSERT_TRUE(a.ok()) << a.message();
    ASSERT_TRUE(a->ovpn_clients[0].tls_auth.has_value());
    EXPECT_EQ(a->ovpn_clients[0].tls_auth->key_file, "/etc/ta.key");
    EXPECT_EQ(a->ovpn_clients[0].tls_auth->direction, ovpn::KeyDirection::Inverse); // 1
    EXPECT_EQ(a->ovpn_clients[0].tls_auth->digest, crypto::Digest::Sha256);
    auto c = parse("tls_crypt = \"/etc/tc.key\";");
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_EQ(c->ovpn_clients[0].tls_crypt_key_file, "/etc/tc.key");
    auto both = parse("tls_crypt = \"/a\"; tls_auth = { key = \"/b\"; direction = \"2\"; };");
    ASSERT_FALSE(both.ok());
    EXPECT_NE(both.message().find("either tls_auth or tls_crypt"), std::string::npos)
        << both.message();
    EXPECT_NE(both.message().find("'2' is not one of"), std::string::npos) << both.message();
    auto v2 = parse("tls_crypt_v2 = \"/etc/v2-client.key\";");
    ASSERT_TRUE(v2.ok()) << v2.message();
    EXPECT_EQ(v2->ovpn_clients[0].tls_crypt_v2_key_file, "/etc/v2-client.key");
    auto two = parse("tls_crypt = \"/a\"; tls_crypt_v2 = \"/b\";");
    ASSERT_FALSE(two.ok());
    EXPECT_NE(two.message().find("tls_crypt_v2: use either"), std::string::npos) << two.message();
}

TEST(OvpnClientLink, TheResolverAnswersOnItsHelperThread) {
    ovpn::HostResolver r("localhost");
    std::optional<ovpn::Resolution> answer;
    while (!(answer = r.poll()))
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(answer->address.has_value()) << answer->error;
    EXPECT_EQ(*answer->address, 0x7f000001u);
    // An abandoned lookup: the thread finishes into its own state after the resolver is gone.
    { ovpn::HostResolver gone("localhost"); }
}

TEST(OvpnClientLink, TheDefaultThroughALinkKeepsTheServerOnTheWanGateway) {
    auto a = make_appliance("ip = { routes = ( { dst_address = \"0.0.0.0/0\"; "
                            "gateway = \"10.1.0.254\"; } ); };\n");
    ASSERT_TRUE(a);
    auto& routes = a->dataplane().routes();
    const net::Ipv4 server = 0xcb007101; // 203.0.113.1, reached through the WAN default
    auto pinned = ovpn::pin_server_route(routes, server);
    ASSERT_TRUE(pinned.ok()) << pinned.message();
    ASSERT_TRUE(pinned->has_value());
    auto nh = routes.find(server, 32);
    ASSERT_TRUE(nh.has_value());
    EXPECT_EQ(nh->kind, dp::NextHopKind::Gateway);
    EXPECT_EQ(nh->gateway_be, rte_cpu_to_be_32(0x0a0100fe));
    // The link's session takes both halves of the address space; the server stays on the WAN,
    // every other address (one only the default routes) goes into the session.
    {
        dp::SessionPublisher publisher(a->dataplane());
        auto session = std::make_unique<dp::OvpnSession>(7, 0);
        dp::SessionSpec spec;
        spec.tunnel_ip_be = rte_cpu_to_be_32(0x0a080001);
        for (auto& r : ovpn::default_route_halves())
            spec.routes.push_back({r.address, r.length});
        ASSERT_TRUE(publisher.publish(std::move(session), spec).ok());
        for (net::Ipv4 dst : {0x08080808u, 0xc6336401u}) {
            const dp::NextHop* via = routes.lookup(dst);
            ASSERT_NE(via, nullptr);
            EXPECT_EQ(via->kind, dp::NextHopKind::Session) << net::to_string(dst);
            EXPECT_EQ(via->session, 7u);
        }
        EXPECT_EQ(routes.lookup(server)->kind, dp::NextHopKind::Gateway);
        EXPECT_EQ(routes.lookup(0x0a020005)->kind, dp::NextHopKind::Connected); // the LAN
        publisher.retire(7);
    }
    // Withdrawn: the configured default is back for everything, the /32 is gone.
    ovpn::unpin_server_route(routes, **pinned);
    EXPECT_FALSE(routes.find(server, 32).has_value());
    ASSERT_NE(routes.lookup(0x08080808), nullptr);
    EXPECT_EQ(routes.lookup(0x08080808)->kind, dp::NextHopKind::Gateway);
    EXPECT_TRUE(routes.find(0, 0).has_value());
}

TEST(OvpnClientLink, TheServerRouteIsLeftAloneWhenPinnedAlreadyAndRefusedWhenMissing) {
    auto a = make_appliance("ip = { routes = ( { dst_address = \"203.0.113.1/32\"; "
                            "gateway = \"10.1.0.253\"; } ); };\n");
    ASSERT_TRUE(a);
    auto& routes = a->dataplane().routes();
    auto already = ovpn::pin_server_route(routes, 0xcb007101);
    ASSERT_TRUE(already.ok()) << already.message();
    EXPECT_FALSE(already->has_value()); // the configured /32 serves, and stays on withdrawal
    auto none = ovpn::pin_server_route(routes, 0xc6336401); // no default configured
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.message().find("no route through an interface"), std::string::npos)
        << none.message();
}

} // namespace
} // namespace vp
