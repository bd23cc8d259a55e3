// Parsing of ip_pools, ppp_profiles, ppp_secrets: good configs, built-ins, and the exact error
// lines an operator sees for bad ones.
#include "control/aaa/aaa_config.hpp"
#include "control/config/reader.hpp"

#include <gtest/gtest.h>

namespace vp::aaa {
namespace {

net::Ipv4 ip(const char* text) {
    return *net::parse_ipv4(text);
}

AaaConfig good(const std::string& text) {
    auto c = aaa_config_from_string(text);
    EXPECT_TRUE(c) << c.message();
    return c ? *c : AaaConfig{};
}

// The diagnostics, one per line, that a config produces.
std::vector<std::string> errors(const std::string& text) {
    config::Diagnostics d;
    auto file = config::read_string(text, d);
    if (!file) return d.errors();
    config::Section root(file->config->getRoot(), d);
    auto c = parse_aaa_config(root);
    root.finish();
    EXPECT_EQ(c.has_value(), d.ok());
    return d.errors();
}

using Lines = std::vector<std::string>;

// The seeds' OpenVPN + SSTP remote-access setup, translated setting by setting.
const char* kSeedConfig = R"(
ip_pools = (
  { name = "vpn"; ranges = "10.10.10.2-10.10.10.254"; comment = "VPN clients"; }
);
ppp_profiles = (
  { name = "vpn-profile"; local_address = "10.10.10.1"; remote_address = "vpn";
    use_encryption = "yes"; dns_server = "1.1.1.1,8.8.8.8"; only_one = "yes";
    session_timeout = "1h"; idle_timeout = "10m"; rate_limit = "10M/20M";
    use_compression = "no"; comment = "remote access"; }
);
ppp_secrets = (
  { name = "user"; password = "password"; profile = "vpn-profile"; },
  { name = "Laptop"; password = "123"; service = "sstp"; local_address = "10.1.101.1";
    remote_address = "10.1.101.100"; },
  { name = "Home"; password = "123"; service = "ovpn"; local_address = "172.16.1.1";
    remote_address = "172.16.1.2"; routes = "10.1.202.0/24 172.16.1.2 1";
    caller_id = "198.51.100.7"; limit_bytes_in = 1000000; disabled = true;
    rate_limit = "2M/4M 4M/8M 1M/2M 10/10"; }
);
)";

TEST(AaaConfig, ParsesTheSeedSetup) {
    auto c = good(kSeedConfig);
    ASSERT_EQ(c.pools.size(), 1u);
    EXPECT_EQ(c.pools[0].name, "vpn");
    EXPECT_EQ(c.pools[0].size(), 253u);
    ASSERT_EQ(c.profiles.size(), 3u); // default, default-encryption, vpn-profile
    auto* p = c.profile("vpn-profile");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->local_address, AddressSource{ip("10.10.10.1")});
    EXPECT_EQ(p->remote_address, AddressSource{std::string("vpn")});
    EXPECT_EQ(p->use_encryption, EncryptionSetting::Yes);
    EXPECT_EQ(p->dns_servers, (std::vector<net::Ipv4>{ip("1.1.1.1"), ip("8.8.8.8")}));
    EXPECT_EQ(p->only_one, Tristate::Yes);
    EXPECT_EQ(p->change_tcp_mss, Tristate::Default);
    EXPECT_EQ(p->session_timeout_s, 3600u);
    EXPECT_EQ(p->idle_timeout_s, 600u);
    ASSERT_TRUE(p->rate_limit);
    EXPECT_EQ(p->rate_limit->rx.rate_bps, 10'000'000u);
    EXPECT_EQ(p->rate_limit->tx.rate_bps, 20'000'000u);
    EXPECT_FALSE(p->address_list);
    ASSERT_TRUE(c.secret("Home")->rate_limit);
    EXPECT_EQ(c.secret("Home")->rate_limit->tx,
              (RateDirection{4'000'000, 8'000'000, 2'000'000, 10}));
    ASSERT_EQ(c.secrets.size(), 3u);
    auto* user = c.secret("user");
    EXPECT_EQ(user->service, Service::Any);
    EXPECT_FALSE(user->remote_address);
    auto* home = c.secret("Home");
    EXPECT_EQ(home->profile, "default");
    EXPECT_EQ(home->service, Service::Ovpn);
    ASSERT_EQ(home->routes.size(), 1u);
    EXPECT_EQ(home->routes[0].destination, (net::Ipv4Prefix{ip("10.1.202.0"), 24}));
    EXPECT_EQ(home->caller_id, ip("198.51.100.7"));
    EXPECT_EQ(home->limit_bytes_in, 1000000u);
    EXPECT_FALSE(home->limit_bytes_out);
    EXPECT_TRUE(home->disabled);
}

TEST(AaaConfig, BuiltInProfilesAlwaysExistWithRouterOsDefaults) {
    auto c = good("");
    ASSERT_EQ(c.profiles.size(), 2u);
    auto* d = c.profile("default");
    auto* e = c.profile("default-encryption");
    ASSERT_TRUE(d && e);
    EXPECT_TRUE(d->builtin && e->builtin);
    EXPECT_EQ(d->change_tcp_mss, Tristate::Yes);
    EXPECT_EQ(d->only_one, Tristate::Default);
    EXPECT_EQ(d->use_encryption, EncryptionSetting::Default);
    EXPECT_EQ(e->change_tcp_mss, Tristate::Yes);
    EXPECT_EQ(e->use_encryption, EncryptionSetting::Yes);
    EXPECT_FALSE(d->remote_address);
}

TEST(AaaConfig, AnEntryNamedLikeABuiltInAdjustsIt) {
    auto c = good(R"(
      ip_pools = ({ name = "p"; ranges = "10.0.0.0/24"; });
      ppp_profiles = ({ name = "default"; remote_address = "p"; only_one = true; });
    )");
    ASSERT_EQ(c.profiles.size(), 2u);
    auto* d = c.profile("default");
    EXPECT_EQ(d->remote_address, AddressSource{std::string("p")});
    EXPECT_EQ(d->only_one, Tristate::Yes);
    EXPECT_EQ(d->change_tcp_mss, Tristate::Yes); // untouched built-in value
    EXPECT_TRUE(d->builtin);
}

TEST(AaaConfig, RangesAsRouterOsWritesThem) {
    auto c = good(R"(ip_pools = (
      { name = "a"; ranges = "10.0.0.10-10.0.0.19, 10.0.1.0/30,10.0.2.7"; next_pool = "b"; },
      { name = "b"; ranges = ["10.0.3.0/24"]; next_pool = "none"; }
    );)");
    ASSERT_EQ(c.pools.size(), 2u);
    EXPECT_EQ(c.pools[0].size(), 10u + 4u + 1u);
    EXPECT_EQ(c.pools[0].next_pool, "b");
    EXPECT_EQ(c.pools[1].next_pool, "");
    EXPECT_EQ(c.pools[1].size(), 256u);
}

TEST(AaaConfig, EmptyStringsReadAsUnset) {
    // RouterOS exports print unset values as "".
    auto c = good(R"(
      ppp_profiles = ({ name = "p"; local_address = ""; dns_server = ""; session_timeout = "";
                        rate_limit = ""; });
      ppp_secrets = ({ name = "u"; password = "x"; profile = "p"; caller_id = ""; routes = "";
                       remote_address = ""; limit_bytes_out = 0; });
    )");
    auto* p = c.profile("p");
    EXPECT_FALSE(p->local_address);
    EXPECT_FALSE(p->dns_servers);
    EXPECT_FALSE(p->session_timeout_s);
    EXPECT_FALSE(p->rate_limit);
    auto* s = c.secret("u");
    EXPECT_FALSE(s->caller_id);
    EXPECT_TRUE(s->routes.empty());
    EXPECT_FALSE(s->remote_address);
    EXPECT_FALSE(s->limit_bytes_out);
}

TEST(AaaConfig, TimeoutsAcceptDisabledAndZero) {
    auto c = good(R"(ppp_profiles = ({ name = "p"; session_timeout = "disabled";
                                       idle_timeout = 0; });)");
    EXPECT_EQ(c.profile("p")->session_timeout_s, 0u);
    EXPECT_EQ(c.profile("p")->idle_timeout_s, 0u);
}

TEST(AaaConfigErrors, UnknownNamesAndSettings) {
    EXPECT_EQ(errors(R"(ppp_profiles = (
  { name = "p"; remote_address = "nopool"; }
);
ppp_secrets = (
  { name = "u"; password = "x"; profile = "nosuch"; pasword = "y"; }
);)"),
              (Lines{"<config>:2: ppp_profiles.[0].remote_address: 'nopool' is neither an IPv4 "
                     "address nor a pool name (pools: none)",
                     "<config>:5: ppp_secrets.[0].profile: no profile named 'nosuch' (profiles: "
                     "default, default-encryption, p)",
                     "<config>:5: ppp_secrets.[0].pasword: unknown setting"}));
}

TEST(AaaConfigErrors, Duplicates) {
    EXPECT_EQ(errors(R"(ip_pools = (
  { name = "a"; ranges = "10.0.0.0/24"; },
  { name = "a"; ranges = "10.0.1.0/24"; }
);
ppp_profiles = (
  { name = "p"; },
  { name = "p"; }
);
ppp_secrets = (
  { name = "u"; password = "x"; },
  { name = "u"; password = "y"; }
);)"),
              (Lines{"<config>:3: ip_pools.[1].name: duplicate pool name 'a' (first defined at "
                     "<config>:2)",
                     "<config>:7: ppp_profiles.[1].name: duplicate profile name 'p' (first "
                     "defined at <config>:6)",
                     "<config>:11: ppp_secrets.[1].name: duplicate secret name 'u' (first "
                     "defined at <config>:10)"}));
}

TEST(AaaConfigErrors, OverlappingPools) {
    EXPECT_EQ(errors(R"(ip_pools = (
  { name = "a"; ranges = "10.0.0.0/24"; },
  { name = "b"; ranges = "10.0.1.0/24,10.0.0.200-10.0.0.210"; },
  { name = "c"; ranges = "10.0.5.1-10.0.5.9,10.0.5.9"; }
);)"),
              (Lines{"<config>:3: ip_pools.[1].ranges: 10.0.0.200-10.0.0.210 overlaps "
                     "10.0.0.0-10.0.0.255 of pool 'a'; an address must belong to one pool",
                     "<config>:4: ip_pools.[2].ranges: 10.0.5.9-10.0.5.9 overlaps "
                     "10.0.5.1-10.0.5.9 of the same pool"}));
}

TEST(AaaConfigErrors, NextPoolLoopsAndDanglingNames) {
    EXPECT_EQ(
        errors(R"(ip_pools = (
  { name = "a"; ranges = "10.0.0.0/24"; next_pool = "b"; },
  { name = "b"; ranges = "10.0.1.0/24"; next_pool = "c"; },
  { name = "c"; ranges = "10.0.2.0/24"; next_pool = "a"; },
  { name = "d"; ranges = "10.0.3.0/24"; next_pool = "d"; },
  { name = "e"; ranges = "10.0.4.0/24"; next_pool = "zz"; }
);)"),
        (Lines{"<config>:5: ip_pools.[3].next_pool: a pool cannot be its own next_pool",
               "<config>:6: ip_pools.[4].next_pool: no pool named 'zz'",
               "<config>:2: ip_pools.[0].next_pool: next_pool makes a loop: a -> b -> c -> a"}));
}

TEST(AaaConfigErrors, BadRangesAndSizes) {
    EXPECT_EQ(errors(R"(ip_pools = (
  { name = "a"; ranges = "10.0.0.9-10.0.0.1"; },
  { name = "b"; ranges = "127.0.0.0/30"; },
  { name = "c"; ranges = "10.0.0.0/8"; },
  { name = "d"; },
  { ranges = "10.9.0.0/24"; }
);)"),
              (Lines{"<config>:2: ip_pools.[0].ranges: '10.0.0.9-10.0.0.1' is not a range "
                     "(a.b.c.d-e.f.g.h), a prefix or an address",
                     "<config>:3: ip_pools.[1].ranges: '127.0.0.0/30' includes addresses that "
                     "are not unicast",
                     "<config>:4: ip_pools.[2].ranges: 16777216 addresses is more than the "
                     "1048576 a pool may hold (a /12)",
                     "<config>:5: ip_pools.[3].ranges: is required",
                     "<config>:6: ip_pools.[4].name: is required"}));
}

TEST(AaaConfigErrors, ProfileValues) {
    EXPECT_EQ(errors(R"(ppp_profiles = (
  { name = "p"; only_one = "maybe"; change_tcp_mss = 1; use_encryption = "always";
    dns_server = "1.1.1.1,2.2.2.2,3.3.3.3"; rate_limit = "1M/1M 2M/2M 1M 8 1";
    session_timeout = "forever"; use_compression = "yes"; local_address = "0.0.0.0";
    address_list = "vpn-users"; }
);)"),
              (Lines{"<config>:4: ppp_profiles.[0].local_address: '0.0.0.0' cannot be a tunnel "
                     "address (not a unicast address)",
                     "<config>:3: ppp_profiles.[0].dns_server: at most two servers (primary and "
                     "secondary), as in RouterOS",
                     "<config>:2: ppp_profiles.[0].only_one: 'maybe' is not one of: yes, no, "
                     "default",
                     "<config>:2: ppp_profiles.[0].change_tcp_mss: expected a string (in double "
                     "quotes)",
                     "<config>:2: ppp_profiles.[0].use_encryption: 'always' is not one of: yes, "
                     "no, default, required, require",
                     "<config>:4: ppp_profiles.[0].use_compression: 'yes' is not supported: "
                     "vpnplane does not implement it (use \"no\")",
                     "<config>:4: ppp_profiles.[0].session_timeout: 'forever' is not a duration "
                     "(e.g. 30, \"30s\", \"10m\", \"1h\", \"disabled\")",
                     "<config>:3: ppp_profiles.[0].rate_limit: rate-limit '1M/1M 2M/2M 1M 8 1': "
                     "priority '1' is not supported: each session is limited on its own, with "
                     "no parent queue to prioritise in (only 8, the default, is accepted)"}));
    EXPECT_EQ(errors(R"(ppp_profiles = ( { name = "p"; address_list = "!x"; } );)"),
              (Lines{"<config>:1: ppp_profiles.[0].address_list: a list name cannot start with "
                     "'!'"}));
}

TEST(AaaConfigErrors, SecretValues) {
    EXPECT_EQ(errors(R"(ip_pools = ({ name = "vpn"; ranges = "10.0.0.2-10.0.0.254"; });
ppp_secrets = (
  { name = "a"; password = ""; service = "pppoe"; remote_address = "vpn"; },
  { name = "b"; password = "x"; local_address = "10.1.1.1"; remote_address = "10.1.1.1"; },
  { name = "c"; password = "x"; routes = "10.1.202.0/24 172.16.1.2 1,10.2.0.1/16"; },
  { name = "d"; password = "x"; caller_id = "00:11:22:33:44:55"; disabled = "perhaps"; }
);)"),
              (Lines{"<config>:3: ppp_secrets.[0].password: must not be empty (anyone knowing "
                     "the name could connect)",
                     "<config>:3: ppp_secrets.[0].service: 'pppoe' is not one of: any, ovpn, sstp",
                     "<config>:3: ppp_secrets.[0].remote_address: 'vpn' is a pool: secrets take "
                     "fixed addresses (RouterOS /ppp secret); give the pool to a profile",
                     "<config>:4: ppp_secrets.[1].remote_address: equals local_address",
                     "<config>:5: ppp_secrets.[2].routes: route destination '10.2.0.1/16' has "
                     "host bits set (did you mean 10.2.0.0/16?)",
                     "<config>:6: ppp_secrets.[3].caller_id: '00:11:22:33:44:55' is not an IPv4 "
                     "address",
                     "<config>:6: ppp_secrets.[3].disabled: expected true or false (or \"yes\" / "
                     "\"no\")"}));
}

TEST(AaaConfigErrors, StaticAddressesBelongToOneTunnel) {
    EXPECT_EQ(errors(R"(ppp_profiles = ({ name = "p"; local_address = "10.5.0.1"; });
ppp_secrets = (
  { name = "a"; password = "x"; remote_address = "10.5.0.9"; },
  { name = "b"; password = "x"; remote_address = "10.5.0.9"; },
  { name = "c"; password = "x"; remote_address = "10.5.0.1"; }
);)"),
              (Lines{"<config>:4: ppp_secrets.[1].remote_address: 10.5.0.9 is already the remote "
                     "address of secret 'a'",
                     "<config>:5: ppp_secrets.[2].remote_address: 10.5.0.1 is the local address "
                     "of profile 'p'"}));
}

TEST(AaaConfigErrors, StaticAddressInsideAPoolIsAllowed) {
    // Documented choice: allowed, and the pool keeps the address out of dynamic allocation.
    auto c = good(R"(ip_pools = ({ name = "vpn"; ranges = "10.0.0.2-10.0.0.254"; });
      ppp_profiles = ({ name = "p"; local_address = "10.0.0.1"; remote_address = "vpn"; });
      ppp_secrets = ({ name = "a"; password = "x"; profile = "p"; remote_address = "10.0.0.50"; });)");
    EXPECT_EQ(c.secret("a")->remote_address, ip("10.0.0.50"));
}

TEST(AaaConfigErrors, WrongShapes) {
    EXPECT_EQ(errors(R"(ip_pools = { name = "a"; };
ppp_secrets = ( "user" );)"),
              (Lines{"<config>:1: ip_pools: expected a list ( { ... }, { ... } )",
                     "<config>:2: ppp_secrets.[0]: expected a group { ... }"}));
}

} // namespace
} // namespace vp::aaa
