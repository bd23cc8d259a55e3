// PppSession end to end: the client role of this library against its server role, for every
// authentication method, with the right and the wrong password; method fallback by Nak; the
// restart timer giving up on a silent peer.
#include "ppp_test_util.hpp"

#include <gtest/gtest.h>

namespace vp::ppp {
namespace {

using test::find_event;

net::Ipv4 ip(const char* s) {
    return *net::parse_ipv4(s);
}

struct Link {
    test::Secrets secrets;
    test::Pool pool;
    std::vector<Event> server_events, client_events;
    std::unique_ptr<PppSession> server, client;

    Link(std::vector<AuthMethod> server_methods, std::vector<AuthMethod> client_methods,
         std::string user, std::string password, uint16_t server_mtu = 1500,
         uint16_t client_mru = 1500) {
        secrets.passwords["User"] = "clientPass";
        secrets.passwords["CORP\\User"] = "clientPass";
        pool.address = ip("10.0.0.2");
        PppConfig s;
        s.role = Role::Server;
        s.auth_methods = std::move(server_methods);
        s.local_address = ip("10.0.0.1");
        s.dns = {ip("8.8.8.8"), ip("1.1.1.1")};
        s.mtu = server_mtu;
        PppConfig c;
        c.role = Role::Client;
        c.mru = client_mru;
        c.auth_methods = std::move(client_methods);
        c.user = std::move(user);
        c.password = std::move(password);
        server = std::make_unique<PppSession>(s, &secrets, &pool);
        client = std::make_unique<PppSession>(c, nullptr, nullptr);
    }
    void run() {
        test::pump(*server, *client, server->start(0), client->start(0), server_events,
                   client_events, 0);
    }
};

class EveryMethod : public ::testing::TestWithParam<AuthMethod> {};

TEST_P(EveryMethod, ClientAuthenticatesAndGetsAddresses) {
    AuthMethod m = GetParam();
    Link link({m}, {m}, "User", "clientPass");
    link.run();
    auto* auth = find_event<event::Authenticated>(link.server_events);
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->user, "User");
    EXPECT_EQ(auth->method, m);
    EXPECT_EQ(link.server->auth_method(), m);
    EXPECT_EQ(link.client->auth_method(), m);
    auto* sup = find_event<event::IpUp>(link.server_events);
    auto* cup = find_event<event::IpUp>(link.client_events);
    ASSERT_TRUE(sup && cup);
    EXPECT_EQ(sup->local, ip("10.0.0.1"));
    EXPECT_EQ(sup->peer, ip("10.0.0.2"));
    EXPECT_EQ(cup->local, ip("10.0.0.2"));
    EXPECT_EQ(cup->peer, ip("10.0.0.1"));
    EXPECT_EQ(cup->dns, (std::vector<net::Ipv4>{ip("8.8.8.8"), ip("1.1.1.1")}));
    EXPECT_EQ(link.server->hlak(), link.client->hlak());
    bool keyed = m == AuthMethod::MsChapV1 || m == AuthMethod::MsChapV2;
    EXPECT_EQ(link.server->hlak() != Hlak{}, keyed);
    EXPECT_EQ(link.server->phase(), Phase::Network);
    EXPECT_EQ(link.pool.assigned_to, std::vector<std::string>{"User"});
    EXPECT_FALSE(find_event<event::Terminated>(link.server_events));
}

TEST_P(EveryMethod, WrongPasswordFailsAndTerminates) {
    AuthMethod m = GetParam();
    Link link({m}, {m}, "User", "wrong");
    link.run();
    auto* failed = find_event<event::AuthFailed>(link.server_events);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->user, "User");
    EXPECT_TRUE(find_event<event::AuthFailed>(link.client_events));
    EXPECT_FALSE(find_event<event::Authenticated>(link.server_events));
    EXPECT_FALSE(find_event<event::IpUp>(link.server_events));
    EXPECT_TRUE(find_event<event::Terminated>(link.server_events));
    EXPECT_TRUE(link.pool.assigned_to.empty());
    EXPECT_EQ(link.server->phase(), Phase::Dead); // Terminate-Ack came back
}

INSTANTIATE_TEST_SUITE_P(Ppp, EveryMethod,
                         ::testing::Values(AuthMethod::Pap, AuthMethod::ChapMd5,
                                           AuthMethod::MsChapV1, AuthMethod::MsChapV2),
                         [](const auto& p) { return std::string(to_string(p.param)); });

// The crypto binding race (sstp-ppp.md): the Output that carries CHAP Success also carries
// Authenticated, and the HLAK is already final when it is handed out.
// RouterOS max-mtu: the server sends at most min(max-mtu, the client's MRU), and says so.
TEST(Session, MaxMtuCapsWhatTheServerSends) {
    Link capped({AuthMethod::Pap}, {AuthMethod::Pap}, "User", "clientPass", 1400, 1500);
    capped.run();
    ASSERT_TRUE(capped.server->ip_up());
    EXPECT_EQ(capped.server->peer_mru(), 1500u);
    EXPECT_EQ(capped.server->mtu(), 1400u);
    EXPECT_EQ(capped.client->mru(), 1500u); // not Nak'd: the client may still receive 1500
    // A client that can take less than max-mtu: its MRU wins.
    Link small({AuthMethod::Pap}, {AuthMethod::Pap}, "User", "clientPass", 1400, 1200);
    small.run();
    EXPECT_EQ(small.server->mtu(), 1200u);
    // What the server sends follows: an Echo-Reply to a 1,500-byte Echo-Request is cut to fit.
    Link tiny({AuthMethod::Pap}, {AuthMethod::Pap}, "User", "clientPass", 300, 1500);
    tiny.run();
    ASSERT_TRUE(tiny.server->ip_up());
    Bytes data(1490, 0x5a);
    std::fill(data.begin(), data.begin() + 4, 0); // magic number 0
    auto out = tiny.server->input(build_control_frame(0xc021, 9, 1, data), 0);
    ASSERT_EQ(out.frames.size(), 1u);
    auto reply = parse_frame(out.frames[0]);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->information.size(), 300u);
}

TEST(Session, HlakIsReadyWithTheSuccessFrame) {
    Link link({AuthMethod::MsChapV2}, {AuthMethod::MsChapV2}, "User", "clientPass");
    std::deque<Bytes> to_server, to_client;
    auto queue = [](Output& o, std::deque<Bytes>& q) {
        for (auto& f : o.frames)
            q.push_back(f);
    };
    Output s0 = link.server->start(0), c0 = link.client->start(0);
    queue(s0, to_client);
    queue(c0, to_server);
    bool saw_success = false;
    for (int i = 0; i < 200 && (!to_server.empty() || !to_client.empty()); ++i) {
        if (!to_server.empty()) {
            Output o = link.server->input(to_server.front(), 0);
            to_server.pop_front();
            for (const Bytes& f : o.frames) {
                auto frame = parse_frame(f);
                auto p = parse_control_packet(frame->information);
                if (frame->protocol == kProtoChap && p && p->code == 3) {
                    saw_success = true;
                    EXPECT_TRUE(find_event<event::Authenticated>(o.events));
                    EXPECT_NE(link.server->hlak(), Hlak{});
                }
            }
            queue(o, to_client);
        }
        if (!to_client.empty()) {
            Output o = link.client->input(to_client.front(), 0);
            to_client.pop_front();
            queue(o, to_server);
        }
    }
    EXPECT_TRUE(saw_success);
    EXPECT_EQ(link.server->hlak(), link.client->hlak());
}

TEST(Session, UnknownUserFails) {
    Link link({AuthMethod::MsChapV2}, {AuthMethod::MsChapV2}, "nobody", "clientPass");
    link.run();
    auto* failed = find_event<event::AuthFailed>(link.server_events);
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->reason, "unknown user");
}

TEST(Session, DomainUserIsReportedWhole) {
    Link link({AuthMethod::MsChapV2}, {AuthMethod::MsChapV2}, "CORP\\User", "clientPass");
    link.run();
    auto* auth = find_event<event::Authenticated>(link.server_events);
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->user, "CORP\\User");
    EXPECT_EQ(link.secrets.asked, std::vector<std::string>{"CORP\\User"});
}

TEST(Session, ServerFallsBackToTheMethodThePeerNaks) {
    Link link({AuthMethod::MsChapV2, AuthMethod::Pap}, {AuthMethod::Pap}, "User", "clientPass");
    link.run();
    auto* auth = find_event<event::Authenticated>(link.server_events);
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->method, AuthMethod::Pap);
    EXPECT_TRUE(find_event<event::IpUp>(link.client_events));
}

TEST(Session, NoCommonMethodTerminates) {
    Link link({AuthMethod::MsChapV2}, {AuthMethod::Pap}, "User", "clientPass");
    link.run();
    EXPECT_FALSE(find_event<event::Authenticated>(link.server_events));
    EXPECT_TRUE(find_event<event::Terminated>(link.server_events));
}

TEST(Session, NoAddressTerminates) {
    Link link({AuthMethod::Pap}, {AuthMethod::Pap}, "User", "clientPass");
    link.pool.address = 0;
    link.run();
    EXPECT_TRUE(find_event<event::Authenticated>(link.server_events));
    auto* t = find_event<event::Terminated>(link.server_events);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->reason, "no address for User");
}

TEST(Session, SilentPeerTimesOutAfterMaxConfigure) {
    test::Pool pool;
    PppConfig cfg;
    cfg.auth_methods = {};
    PppSession s(cfg, nullptr, &pool);
    Output first = s.start(0);
    ASSERT_EQ(first.frames.size(), 1u);
    unsigned sent = 1;
    bool terminated = false;
    for (int i = 0; i < 50 && !terminated; ++i) {
        auto deadline = s.next_deadline();
        ASSERT_TRUE(deadline);
        EXPECT_TRUE(s.on_timer(*deadline - 1).frames.empty()); // nothing before the deadline
        Output o = s.on_timer(*deadline);
        sent += static_cast<unsigned>(o.frames.size());
        terminated = find_event<event::Terminated>(o.events) != nullptr;
    }
    EXPECT_TRUE(terminated);
    EXPECT_EQ(sent, cfg.timers.max_configure);
    EXPECT_EQ(s.phase(), Phase::Dead);
}

TEST(Session, AdministrativeCloseReleasesTheAddress) {
    Link link({AuthMethod::MsChapV2}, {AuthMethod::MsChapV2}, "User", "clientPass");
    link.run();
    ASSERT_TRUE(link.server->ip_up());
    test::pump(*link.server, *link.client, link.server->close("admin", 10), Output{},
               link.server_events, link.client_events, 10);
    auto* t = find_event<event::Terminated>(link.server_events);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->reason, "admin");
    EXPECT_EQ(link.pool.released, std::vector<net::Ipv4>{ip("10.0.0.2")});
    EXPECT_TRUE(find_event<event::Terminated>(link.client_events));
}

// A Windows-like client (tests/e2e/sstp_peer): LCP asks for PFC, ACFC and callback besides MRU
// and magic, which the server rejects and the link comes up without; IPCP asks for DNS and NBNS,
// primary and secondary, and takes what the server has (one WINS server: 132 is rejected).
TEST(Session, WindowsLikeClientOptions) {
    test::Secrets secrets;
    secrets.passwords["User"] = "clientPass";
    test::Pool pool;
    pool.address = ip("10.0.0.2");
    pool.wins = {ip("10.0.0.137")};
    PppConfig s;
    s.role = Role::Server;
    s.auth_methods = {AuthMethod::MsChapV2};
    s.local_address = ip("10.0.0.1");
    s.dns = {ip("8.8.8.8"), ip("1.1.1.1")};
    PppConfig c;
    c.role = Role::Client;
    c.mru = 1400;
    c.auth_methods = {AuthMethod::MsChapV2};
    c.user = "User";
    c.password = "clientPass";
    c.request_nbns = true;
    c.lcp_extra_options = {0x07, 0x02, 0x08, 0x02, 0x0D, 0x03, 0x06};
    PppSession server(s, &secrets, &pool), client(c, nullptr, nullptr);
    std::vector<Event> se, ce;
    test::pump(server, client, server.start(0), client.start(0), se, ce, 0);
    ASSERT_TRUE(server.ip_up());
    ASSERT_TRUE(client.ip_up());
    EXPECT_EQ(client.lcp_extra_refused(), (std::vector<uint8_t>{7, 8, 13}));
    EXPECT_EQ(server.peer_mru(), 1400u);
    EXPECT_EQ(client.dns(), (std::vector<net::Ipv4>{ip("8.8.8.8"), ip("1.1.1.1")}));
    EXPECT_EQ(client.nbns(), std::vector<net::Ipv4>{ip("10.0.0.137")});
    EXPECT_EQ(server.hlak(), client.hlak());
    // A client that asks for nothing extra gets no NBNS and has nothing refused.
    Link plain({AuthMethod::Pap}, {AuthMethod::Pap}, "User", "clientPass");
    plain.pool.wins = {ip("10.0.0.137")};
    plain.run();
    ASSERT_TRUE(plain.client->ip_up());
    EXPECT_TRUE(plain.client->nbns().empty());
    EXPECT_TRUE(plain.client->lcp_extra_refused().empty());
}

} // namespace
} // namespace vp::ppp
