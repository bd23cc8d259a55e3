// LocalAaa: credentials, service filter, only-one, settings inheritance (secret -> profile ->
// server default profile), addresses from pools with next-pool, release, thread safety.
#include "aaa_test_util.hpp"

#include "base/log.hpp"

#include <atomic>
#include <mutex>

#include <random>
#include <set>
#include <thread>

namespace vp::aaa {
namespace {

using namespace vp::aaa::testing;

const char* kSeed = R"(
ip_pools = ({ name = "vpn"; ranges = "10.10.10.2-10.10.10.254"; });
ppp_profiles = (
  { name = "vpn-profile"; local_address = "10.10.10.1"; remote_address = "vpn";
    use_encryption = "yes"; dns_server = "1.1.1.1,8.8.8.8"; session_timeout = "1h";
    idle_timeout = "10m"; rate_limit = "10M/20M"; }
);
ppp_secrets = (
  { name = "user"; password = "password"; profile = "vpn-profile"; },
  { name = "Laptop"; password = "123"; service = "sstp"; profile = "vpn-profile";
    local_address = "10.1.101.1"; remote_address = "10.1.101.100"; },
  { name = "Home"; password = "123"; service = "ovpn"; local_address = "172.16.1.1";
    remote_address = "172.16.1.2"; routes = "10.1.202.0/24 172.16.1.2 1";
    limit_bytes_out = 5000; },
  { name = "off"; password = "x"; disabled = true; profile = "vpn-profile"; },
  { name = "pinned"; password = "x"; caller_id = "192.0.2.99"; profile = "vpn-profile"; },
  { name = "fast"; password = "x"; profile = "vpn-profile"; rate_limit = "50M 100M 25M 4"; }
);
)";

TEST(LocalAaa, GrantsTheSeedUserItsProfile) {
    LocalAaa aaa(config(kSeed));
    auto v = aaa.authenticate(request("user", "password"));
    auto g = grant_of(v);
    ASSERT_TRUE(g);
    EXPECT_NE(g->id, 0u);
    EXPECT_EQ(g->user, "user");
    EXPECT_EQ(g->profile, "vpn-profile");
    EXPECT_EQ(g->service, Service::Ovpn);
    EXPECT_EQ(g->local_address, ip("10.10.10.1"));
    EXPECT_EQ(g->remote_address, ip("10.10.10.2"));
    EXPECT_EQ(g->remote_prefix_length, 32);
    EXPECT_EQ(g->dns_servers, (std::vector<net::Ipv4>{ip("1.1.1.1"), ip("8.8.8.8")}));
    EXPECT_EQ(g->use_encryption, UseEncryption::Yes);
    EXPECT_TRUE(g->change_tcp_mss); // profile says default; server default profile says yes
    EXPECT_EQ(g->session_timeout_s, 3600u);
    EXPECT_EQ(g->idle_timeout_s, 600u);
    EXPECT_EQ(g->rate_limit_rx_bps, 10'000'000u);
    EXPECT_EQ(g->rate_limit_tx_bps, 20'000'000u);
    ASSERT_TRUE(g->rate_limit);
    EXPECT_EQ(g->rate_limit->rx.rate_bps, 10'000'000u);
    EXPECT_TRUE(g->routes.empty());
    EXPECT_EQ(usage_of(aaa, "vpn").used, 1u);
    EXPECT_EQ(aaa.active_count(), 1u);
    auto active = aaa.active_grants();
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].caller_id, "192.0.2.7:51234");
    aaa.release(*g);
    EXPECT_EQ(usage_of(aaa, "vpn").used, 0u);
    EXPECT_EQ(aaa.active_count(), 0u);
}

TEST(LocalAaa, TheSecretsRateLimitWinsOverTheProfiles) {
    LocalAaa aaa(config(kSeed));
    auto g = grant_of(aaa.authenticate(request("fast", "x")));
    ASSERT_TRUE(g);
    ASSERT_TRUE(g->rate_limit);
    EXPECT_EQ(g->rate_limit->rx, (RateDirection{50'000'000, 100'000'000, 25'000'000, 4}));
    EXPECT_EQ(g->rate_limit->tx, g->rate_limit->rx);
    EXPECT_EQ(g->rate_limit_tx_bps, 50'000'000u);
    EXPECT_EQ(g->session_timeout_s, 3600u); // the rest still comes from the profile
}

TEST(LocalAaa, SiteToSiteSecretGetsItsStaticAddressesAndRoutes) {
    LocalAaa aaa(config(kSeed));
    auto g = grant_of(aaa.authenticate(request("Home", "123")));
    ASSERT_TRUE(g);
    EXPECT_EQ(g->local_address, ip("172.16.1.1"));
    EXPECT_EQ(g->remote_address, ip("172.16.1.2"));
    ASSERT_EQ(g->routes.size(), 1u);
    EXPECT_EQ(g->routes[0].destination, (net::Ipv4Prefix{ip("10.1.202.0"), 24}));
    EXPECT_EQ(g->routes[0].gateway, ip("172.16.1.2"));
    EXPECT_EQ(g->limit_bytes_out, 5000u);
    EXPECT_FALSE(g->limit_bytes_in);
    // Profile `default` (built-in): no DNS, no limits, change-tcp-mss=yes, no encryption.
    EXPECT_TRUE(g->dns_servers.empty());
    EXPECT_FALSE(g->rate_limit_rx_bps);
    EXPECT_TRUE(g->change_tcp_mss);
    EXPECT_EQ(g->use_encryption, UseEncryption::No);
}

TEST(LocalAaa, RejectsWithTheRightReason) {
    LocalAaa aaa(config(kSeed));
    EXPECT_EQ(reason_of(aaa.authenticate(request("nobody", "password"))),
              RejectReason::UnknownUser);
    EXPECT_EQ(reason_of(aaa.authenticate(request("user", "Password"))),
              RejectReason::WrongPassword);
    EXPECT_EQ(reason_of(aaa.authenticate(request("user", "password\n"))),
              RejectReason::WrongPassword);
    EXPECT_EQ(reason_of(aaa.authenticate(request("user", ""))), RejectReason::WrongPassword);
    EXPECT_EQ(reason_of(aaa.authenticate(request("USER", "password"))),
              RejectReason::UnknownUser); // names are case-sensitive, as in RouterOS
    EXPECT_EQ(reason_of(aaa.authenticate(request("off", "x"))), RejectReason::SecretDisabled);
    EXPECT_EQ(reason_of(aaa.authenticate(request("pinned", "x"))), RejectReason::CallerIdMismatch);
    auto from_pinned = request("pinned", "x");
    from_pinned.caller_id = "192.0.2.99:4000";
    EXPECT_TRUE(grant_of(aaa.authenticate(from_pinned)));
    EXPECT_EQ(aaa.active_count(), 1u);
    EXPECT_EQ(usage_of(aaa, "vpn").used, 1u); // rejects leak nothing
}

TEST(LocalAaa, ServiceFilter) {
    LocalAaa aaa(config(kSeed));
    // Laptop: service=sstp.
    EXPECT_EQ(reason_of(aaa.authenticate(request("Laptop", "123", Service::Ovpn))),
              RejectReason::ServiceNotAllowed);
    auto g = grant_of(aaa.authenticate(request("Laptop", "123", Service::Sstp)));
    ASSERT_TRUE(g);
    EXPECT_EQ(g->service, Service::Sstp);
    // Home: service=ovpn.
    EXPECT_EQ(reason_of(aaa.authenticate(request("Home", "123", Service::Sstp))),
              RejectReason::ServiceNotAllowed);
    // user: service=any (the default) works for both.
    EXPECT_TRUE(grant_of(aaa.authenticate(request("user", "password", Service::Sstp))));
    EXPECT_TRUE(grant_of(aaa.authenticate(request("user", "password", Service::Ovpn))));
}

TEST(LocalAaa, SecretPasswordForChallengeResponse) {
    LocalAaa aaa(config(kSeed));
    EXPECT_EQ(aaa.secret_password("Laptop", Service::Sstp), "123");
    EXPECT_FALSE(aaa.secret_password("Laptop", Service::Ovpn));
    EXPECT_FALSE(aaa.secret_password("off", Service::Ovpn));
    EXPECT_FALSE(aaa.secret_password("nobody", Service::Ovpn));
    EXPECT_EQ(aaa.secret_password("user", Service::Ovpn), "password");
}

TEST(LocalAaa, AuthenticateChallengeChecksAgainstTheSecret) {
    LocalAaa aaa(config(kSeed));
    std::string seen;
    auto check = [&](std::string_view password) {
        seen = password;
        return password == "123";
    };
    auto r = request("Laptop", "ignored", Service::Sstp);
    auto g = grant_of(aaa.authenticate_challenge(r, check));
    ASSERT_TRUE(g);
    EXPECT_EQ(seen, "123");
    auto wrong = [](std::string_view) { return false; };
    EXPECT_EQ(reason_of(aaa.authenticate_challenge(request("user", "password"), wrong)),
              RejectReason::WrongPassword);
    EXPECT_EQ(reason_of(aaa.authenticate_challenge(request("nobody", ""), check)),
              RejectReason::UnknownUser);
}

// A forwarding Aaa that does not override authenticate_challenge(): exercises the contract's
// default composition of secret_password() and authenticate().
class Forwarding : public Aaa {
public:
    explicit Forwarding(LocalAaa& inner) : inner_(inner) {}
    std::variant<Grant, Reject> authenticate(const AuthRequest& r) override {
        return inner_.authenticate(r);
    }
    void release(const Grant& g) override { inner_.release(g); }
    std::optional<std::string> secret_password(const std::string& u, Service s) const override {
        return inner_.secret_password(u, s);
    }

private:
    LocalAaa& inner_;
};

TEST(LocalAaa, DefaultChallengeCompositionInTheContract) {
    LocalAaa inner(config(kSeed));
    Forwarding aaa(inner);
    auto right = [](std::string_view p) { return p == "123"; };
    EXPECT_TRUE(grant_of(aaa.authenticate_challenge(request("Laptop", "", Service::Sstp), right)));
    EXPECT_EQ(reason_of(aaa.authenticate_challenge(request("Laptop", "", Service::Ovpn), right)),
              RejectReason::ServiceNotAllowed);
    EXPECT_EQ(reason_of(aaa.authenticate_challenge(request("off", ""), right)),
              RejectReason::SecretDisabled);
    EXPECT_EQ(reason_of(aaa.authenticate_challenge(request("user", ""), right)),
              RejectReason::WrongPassword);
}

TEST(LocalAaa, LogsNeverContainThePassword) {
    LocalAaa aaa(config(R"(ip_pools = ({ name = "p"; ranges = "10.0.0.0/30"; });
      ppp_profiles = ({ name = "default"; remote_address = "p"; });
      ppp_secrets = ({ name = "u"; password = "S3cr3t-Pa55"; });)"));
    ::testing::internal::CaptureStderr();
    auto v = aaa.authenticate(request("u", "S3cr3t-Pa55"));
    aaa.authenticate(request("u", "Wr0ng-Pa55"));
    aaa.authenticate(request("evil\nuser", "S3cr3t-Pa55"));
    aaa.release(std::get<Grant>(v));
    auto out = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("accepted 'u' via ovpn from 192.0.2.7:51234"), std::string::npos) << out;
    EXPECT_NE(out.find("rejected 'u' via ovpn from 192.0.2.7:51234: wrong password"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("rejected 'evil?user'"), std::string::npos) << out; // one line per event
    EXPECT_NE(out.find("released grant"), std::string::npos) << out;
    EXPECT_EQ(out.find("Pa55"), std::string::npos) << out;
}

const char* kInherit = R"(
ip_pools = ({ name = "base-pool"; ranges = "10.50.0.10-10.50.0.20"; },
            { name = "p-pool"; ranges = "10.60.0.10-10.60.0.20"; });
ppp_profiles = (
  { name = "base"; local_address = "10.50.0.1"; remote_address = "base-pool";
    dns_server = "9.9.9.9"; session_timeout = "2h"; idle_timeout = "5m"; rate_limit = "1M";
    only_one = "yes"; use_encryption = "required"; wins_server = "10.50.0.5"; },
  { name = "p"; remote_address = "p-pool"; idle_timeout = "none"; change_tcp_mss = "no"; },
  { name = "bare"; }
);
ppp_secrets = (
  { name = "a"; password = "x"; profile = "p"; },
  { name = "b"; password = "x"; profile = "p"; remote_address = "10.70.0.7"; },
  { name = "c"; password = "x"; profile = "bare"; }
);
)";

TEST(LocalAaaInheritance, SecretOverProfileOverServerDefaultProfile) {
    LocalAaa aaa(config(kInherit));
    auto a = grant_of(aaa.authenticate(request("a", "x", Service::Ovpn, "base")));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->remote_address, ip("10.60.0.10")); // profile p's pool
    EXPECT_EQ(a->local_address, ip("10.50.0.1"));   // unset in p: from base
    EXPECT_EQ(a->dns_servers, std::vector{ip("9.9.9.9")});
    EXPECT_EQ(a->wins_servers, std::vector{ip("10.50.0.5")});
    EXPECT_EQ(a->session_timeout_s, 7200u);      // from base
    EXPECT_EQ(a->idle_timeout_s, 0u);            // p says none explicitly
    EXPECT_EQ(a->rate_limit_rx_bps, 1'000'000u); // "1M": tx = rx
    EXPECT_EQ(a->rate_limit_tx_bps, 1'000'000u);
    EXPECT_FALSE(a->change_tcp_mss); // p says no
    EXPECT_EQ(a->use_encryption, UseEncryption::Required);
    auto b = grant_of(aaa.authenticate(request("b", "x", Service::Ovpn, "base")));
    ASSERT_TRUE(b);
    EXPECT_EQ(b->remote_address, ip("10.70.0.7")); // secret's address beats the profile's pool
}

TEST(LocalAaaInheritance, DefaultMeansNoWhenTheServerDefaultProfileSaysDefault) {
    // RouterOS: `default` derives from the server's default-profile, "same as no if this is the
    // interface default profile". `bare` leaves change-tcp-mss at default: with the built-in
    // default profile (change-tcp-mss=yes) it is yes; with `base` (default) it is no.
    LocalAaa aaa(config(kInherit));
    auto with_builtin = grant_of(aaa.authenticate(request("c", "x", Service::Ovpn, "base")));
    ASSERT_TRUE(with_builtin);
    EXPECT_FALSE(with_builtin->change_tcp_mss);
    EXPECT_EQ(with_builtin->remote_address, ip("10.50.0.10")); // bare has none: base's pool
    auto server_default = grant_of(aaa.authenticate(request("a", "x", Service::Sstp)));
    ASSERT_TRUE(server_default);
    EXPECT_FALSE(server_default->change_tcp_mss); // p says no
    EXPECT_EQ(server_default->local_address, 0u); // no local address anywhere
    EXPECT_EQ(server_default->use_encryption, UseEncryption::No);
    aaa.release(*server_default);
    EXPECT_EQ(reason_of(aaa.authenticate(request("c", "x"))), RejectReason::NoAddress);
}

TEST(LocalAaaInheritance, UnknownServerDefaultProfileFallsBackToDefault) {
    LocalAaa aaa(config(kInherit));
    EXPECT_FALSE(aaa.has_profile("nosuch"));
    EXPECT_TRUE(aaa.has_profile("default-encryption"));
    auto g = grant_of(aaa.authenticate(request("a", "x", Service::Ovpn, "nosuch")));
    ASSERT_TRUE(g);
    EXPECT_FALSE(g->change_tcp_mss);
    EXPECT_TRUE(g->dns_servers.empty());
}

TEST(LocalAaaOnlyOne, YesAllowsOneSessionPerUserAcrossServices) {
    LocalAaa aaa(config(kInherit));
    // only-one=yes comes from `base`, the server default profile; p leaves it at default.
    auto first = aaa.authenticate(request("a", "x", Service::Ovpn, "base"));
    ASSERT_TRUE(grant_of(first));
    EXPECT_EQ(reason_of(aaa.authenticate(request("a", "x", Service::Sstp, "base"))),
              RejectReason::AlreadyConnected);
    EXPECT_TRUE(grant_of(aaa.authenticate(request("b", "x", Service::Ovpn, "base"))));
    aaa.release(std::get<Grant>(first));
    EXPECT_TRUE(grant_of(aaa.authenticate(request("a", "x", Service::Sstp, "base"))));
}

TEST(LocalAaaOnlyOne, DefaultAndNoAllowSeveral) {
    LocalAaa aaa(config(kInherit));
    // Server default profile `default`: only-one=default, which means no.
    auto g1 = aaa.authenticate(request("a", "x"));
    auto g2 = aaa.authenticate(request("a", "x"));
    ASSERT_TRUE(grant_of(g1) && grant_of(g2));
    EXPECT_NE(grant_of(g1)->remote_address, grant_of(g2)->remote_address);
    EXPECT_NE(grant_of(g1)->id, grant_of(g2)->id);
}

TEST(LocalAaaAddresses, PoolExhaustionThenNextPool) {
    LocalAaa aaa(config(R"(
      ip_pools = ({ name = "small"; ranges = "10.0.0.1-10.0.0.2"; next_pool = "spill"; },
                  { name = "spill"; ranges = "10.0.1.1"; });
      ppp_profiles = ({ name = "default"; remote_address = "small"; });
      ppp_secrets = ({ name = "u"; password = "x"; });)"));
    std::vector<Grant> grants;
    for (int i = 0; i < 3; ++i) {
        auto v = aaa.authenticate(request("u", "x"));
        ASSERT_TRUE(grant_of(v)) << i;
        grants.push_back(std::get<Grant>(v));
    }
    EXPECT_EQ(grants[0].remote_address, ip("10.0.0.1"));
    EXPECT_EQ(grants[1].remote_address, ip("10.0.0.2"));
    EXPECT_EQ(grants[2].remote_address, ip("10.0.1.1"));
    auto full = aaa.authenticate(request("u", "x"));
    ASSERT_EQ(reason_of(full), RejectReason::NoAddress);
    EXPECT_EQ(std::get<Reject>(full).detail, "pool 'small', 'spill' exhausted");
    aaa.release(grants[1]);
    auto again = aaa.authenticate(request("u", "x"));
    ASSERT_TRUE(grant_of(again));
    EXPECT_EQ(grant_of(again)->remote_address, ip("10.0.0.2"));
    EXPECT_EQ(usage_of(aaa, "small").used, 2u);
    EXPECT_EQ(usage_of(aaa, "spill").used, 1u);
}

TEST(LocalAaaAddresses, StaticAddressInsideAPoolIsReservedAndExclusive) {
    LocalAaa aaa(config(R"(
      ip_pools = ({ name = "p"; ranges = "10.0.0.1-10.0.0.3"; });
      ppp_profiles = ({ name = "default"; remote_address = "p"; });
      ppp_secrets = ({ name = "static"; password = "x"; remote_address = "10.0.0.2"; },
                     { name = "dyn"; password = "x"; });)"));
    auto u = usage_of(aaa, "p");
    EXPECT_EQ(u.reserved, 1u);
    EXPECT_EQ(u.available, 2u);
    auto d1 = aaa.authenticate(request("dyn", "x"));
    auto d2 = aaa.authenticate(request("dyn", "x"));
    EXPECT_EQ(grant_of(d1)->remote_address, ip("10.0.0.1"));
    EXPECT_EQ(grant_of(d2)->remote_address, ip("10.0.0.3")); // .2 is never handed out
    EXPECT_EQ(reason_of(aaa.authenticate(request("dyn", "x"))), RejectReason::NoAddress);
    auto s1 = aaa.authenticate(request("static", "x"));
    ASSERT_TRUE(grant_of(s1));
    EXPECT_EQ(grant_of(s1)->remote_address, ip("10.0.0.2"));
    EXPECT_EQ(usage_of(aaa, "p").used, 3u);
    // only-one=no, but one address cannot serve two tunnels.
    auto s2 = aaa.authenticate(request("static", "x"));
    ASSERT_EQ(reason_of(s2), RejectReason::NoAddress);
    EXPECT_EQ(std::get<Reject>(s2).detail, "remote address 10.0.0.2 is in use");
    aaa.release(std::get<Grant>(s1));
    EXPECT_EQ(usage_of(aaa, "p").used, 2u);
    EXPECT_EQ(usage_of(aaa, "p").reserved, 1u);
    EXPECT_TRUE(grant_of(aaa.authenticate(request("static", "x"))));
}

TEST(LocalAaaAddresses, LocalAddressFromAPool) {
    LocalAaa aaa(config(R"(
      ip_pools = ({ name = "local"; ranges = "10.9.0.1-10.9.0.2"; },
                  { name = "remote"; ranges = "10.9.1.1-10.9.1.9"; });
      ppp_profiles = ({ name = "default"; local_address = "local"; remote_address = "remote"; });
      ppp_secrets = ({ name = "u"; password = "x"; });)"));
    auto a = aaa.authenticate(request("u", "x"));
    auto b = aaa.authenticate(request("u", "x"));
    EXPECT_EQ(grant_of(a)->local_address, ip("10.9.0.1"));
    EXPECT_EQ(grant_of(b)->local_address, ip("10.9.0.2"));
    auto c = aaa.authenticate(request("u", "x"));
    ASSERT_EQ(reason_of(c), RejectReason::NoAddress);
    EXPECT_EQ(std::get<Reject>(c).detail, "pool 'local' exhausted (local-address)");
    EXPECT_EQ(usage_of(aaa, "remote").used, 2u); // the remote address of the failed try went back
    aaa.release(std::get<Grant>(a));
    EXPECT_EQ(usage_of(aaa, "local").used, 1u);
    EXPECT_EQ(usage_of(aaa, "remote").used, 1u);
}

TEST(LocalAaaRelease, DoubleReleaseIsHarmlessAndLogged) {
    LocalAaa aaa(config(kSeed));
    auto g = std::get<Grant>(aaa.authenticate(request("user", "password")));
    auto other = std::get<Grant>(aaa.authenticate(request("user", "password")));
    aaa.release(g);
    ::testing::internal::CaptureStderr();
    aaa.release(g);
    Grant forged = other;
    forged.user = "someone-else";
    aaa.release(forged); // a grant id with the wrong user is not honoured
    auto out = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("release of grant " + std::to_string(g.id) +
                       " ('user') that is not active: ignored"),
              std::string::npos)
        << out;
    EXPECT_EQ(usage_of(aaa, "vpn").used, 1u);
    EXPECT_EQ(aaa.active_count(), 1u);
    // The released address is not the next one handed out (FIFO reuse).
    auto next = std::get<Grant>(aaa.authenticate(request("user", "password")));
    EXPECT_NE(next.remote_address, g.remote_address);
}

// Random authenticate/release cycles: the pool's used count always equals the live grants
// holding its addresses, no address is ever granted twice, and all comes back in the end.
TEST(LocalAaaRelease, TenThousandRandomCyclesLeakNothing) {
    LocalAaa aaa(config(R"(
      ip_pools = ({ name = "a"; ranges = "10.0.0.1-10.0.0.50"; next_pool = "b"; },
                  { name = "b"; ranges = "10.0.1.1-10.0.1.20"; });
      ppp_profiles = ({ name = "default"; remote_address = "a"; local_address = "10.0.9.1"; });
      ppp_secrets = ({ name = "u"; password = "x"; }, { name = "s"; password = "x";
                       remote_address = "10.0.0.25"; });)"));
    vp::log::set_level(vp::log::Topic::Aaa, vp::log::Level::Error); // thousands of NoAddress
    std::mt19937 rng(7);
    std::vector<Grant> live;
    std::set<net::Ipv4> held;
    int exhausted = 0;
    for (int step = 0; step < 10'000; ++step) {
        if (rng() % 5 < 3 || live.empty()) { // biased towards allocating: pools run dry often
            bool static_user = rng() % 10 == 0;
            auto v = aaa.authenticate(request(static_user ? "s" : "u", "x"));
            if (auto g = grant_of(v)) {
                ASSERT_TRUE(held.insert(g->remote_address).second) << "step " << step;
                live.push_back(*g);
            } else {
                ASSERT_EQ(reason_of(v), RejectReason::NoAddress);
                size_t static_held = held.count(ip("10.0.0.25"));
                // 49 dynamic addresses in `a` (10.0.0.25 is reserved for `s`) + 20 in `b`.
                ASSERT_TRUE(static_user ? static_held == 1 : held.size() - static_held == 69)
                    << "step " << step;
                exhausted += !static_user;
            }
        } else {
            size_t i = rng() % live.size();
            held.erase(live[i].remote_address);
            aaa.release(live[i]);
            live.erase(live.begin() + static_cast<long>(i));
        }
        ASSERT_EQ(usage_of(aaa, "a").used + usage_of(aaa, "b").used, live.size());
    }
    vp::log::set_level(vp::log::Topic::Aaa, vp::log::Level::Info);
    EXPECT_GT(exhausted, 100); // the walk did reach exhaustion and next-pool
    for (auto& g : live)
        aaa.release(g);
    EXPECT_EQ(usage_of(aaa, "a").used, 0u);
    EXPECT_EQ(usage_of(aaa, "b").used, 0u);
    EXPECT_EQ(usage_of(aaa, "a").available, 49u); // 10.0.0.25 stays reserved for `s`
    EXPECT_EQ(aaa.active_count(), 0u);
}

TEST(LocalAaaThreads, ConcurrentHandshakesNeverShareAnAddress) {
    LocalAaa aaa(config(R"(
      ip_pools = ({ name = "p"; ranges = "10.0.0.0/22"; });
      ppp_profiles = ({ name = "default"; remote_address = "p"; });
      ppp_secrets = ({ name = "u"; password = "x"; });)"));
    vp::log::set_level(vp::log::Topic::Aaa, vp::log::Level::Warning); // 16k accept lines: noise
    constexpr int kThreads = 8, kRounds = 2000;
    std::mutex held_mutex;
    std::set<net::Ipv4> held; // addresses granted and not yet released, across all threads
    std::atomic<int> duplicates{0}, grants{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            std::vector<Grant> mine;
            auto release_all = [&] {
                for (auto& g : mine) {
                    {
                        std::lock_guard lock(held_mutex);
                        held.erase(g.remote_address);
                    }
                    aaa.release(g);
                }
                mine.clear();
            };
            for (int i = 0; i < kRounds; ++i) {
                if (auto g = grant_of(aaa.authenticate(request("u", "x")))) {
                    std::lock_guard lock(held_mutex);
                    if (!held.insert(g->remote_address).second) ++duplicates;
                    mine.push_back(*g);
                    ++grants;
                }
                if (mine.size() > 50 || i % 7 == 0) release_all();
            }
            release_all();
        });
    for (auto& th : threads)
        th.join();
    vp::log::set_level(vp::log::Topic::Aaa, vp::log::Level::Info);
    EXPECT_EQ(duplicates.load(), 0);
    EXPECT_EQ(grants.load(), kThreads * kRounds); // 8 x 50 live at most: the /22 never runs out
    EXPECT_EQ(aaa.active_count(), 0u);
    EXPECT_EQ(usage_of(aaa, "p").used, 0u);
    EXPECT_EQ(usage_of(aaa, "p").available, 1024u);
}

} // namespace
} // namespace vp::aaa
