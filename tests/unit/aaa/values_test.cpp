// RouterOS value syntaxes: routes, rate limits, services.
#include "control/aaa/values.hpp"

#include <gtest/gtest.h>

namespace vp::aaa {
namespace {

net::Ipv4 ip(const char* text) {
    return *net::parse_ipv4(text);
}

TEST(Routes, ParsesTheSeedsSiteToSiteRoute) {
    // seeds: /ppp secret add name=Home ... routes="10.1.202.0/24 172.16.1.2 1"
    auto r = parse_route("10.1.202.0/24 172.16.1.2 1");
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->destination, (net::Ipv4Prefix{ip("10.1.202.0"), 24}));
    EXPECT_EQ(r->gateway, ip("172.16.1.2"));
    EXPECT_EQ(r->metric, 1u);
    EXPECT_EQ(to_string(*r), "10.1.202.0/24 172.16.1.2 1");
}

TEST(Routes, GatewayAndMetricAreOptional) {
    auto r = parse_route("  192.168.5.0/24  ");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->gateway);
    EXPECT_EQ(r->metric, 1u);
    auto host = parse_route("10.9.9.9 10.0.0.1 20");
    ASSERT_TRUE(host);
    EXPECT_EQ(host->destination.length, 32);
    EXPECT_EQ(host->metric, 20u);
}

TEST(Routes, SeveralRoutesAreCommaSeparated) {
    auto rs = parse_routes("10.1.0.0/16 172.16.1.2 1, 10.2.0.0/16 172.16.1.2 5");
    ASSERT_TRUE(rs) << rs.message();
    ASSERT_EQ(rs->size(), 2u);
    EXPECT_EQ((*rs)[1].destination, (net::Ipv4Prefix{ip("10.2.0.0"), 16}));
    EXPECT_EQ((*rs)[1].metric, 5u);
    auto none = parse_routes("");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(Routes, RejectsWhatRouterOsWouldMisread) {
    EXPECT_EQ(parse_route("10.1.202.1/24").message(),
              "route destination '10.1.202.1/24' has host bits set (did you mean 10.1.202.0/24?)");
    EXPECT_EQ(parse_route("10.1.202.0/33").message(),
              "route destination '10.1.202.0/33' is not an IPv4 prefix");
    EXPECT_EQ(parse_route("10.1.202.0/24 gw").message(),
              "route gateway 'gw' is not an IPv4 address");
    EXPECT_EQ(parse_route("10.1.202.0/24 1.2.3.4 0").message(),
              "route metric '0' is not a number in [1, 255]");
    EXPECT_EQ(parse_route("10.1.202.0/24 1.2.3.4 256").message(),
              "route metric '256' is not a number in [1, 255]");
    EXPECT_FALSE(parse_route("10.1.202.0/24 1.2.3.4 1 extra"));
    EXPECT_EQ(parse_routes("10.1.0.0/16,").message(), "empty route");
}

RateLimit rates(uint64_t rx, uint64_t tx) {
    RateLimit r;
    r.rx_bps = r.rx.rate_bps = rx;
    r.tx_bps = r.tx.rate_bps = tx;
    return r;
}

TEST(RateLimit, RxSlashTxWithUnits) {
    auto r = parse_rate_limit("10M/20M");
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->rx_bps, 10'000'000u);
    EXPECT_EQ(r->tx_bps, 20'000'000u);
    EXPECT_EQ(*parse_rate_limit("512k"), rates(512'000, 512'000)); // tx defaults to rx
    EXPECT_EQ(*parse_rate_limit("1G/0"), rates(1'000'000'000, 0));
    EXPECT_EQ(*parse_rate_limit("64000/128K"), rates(64'000, 128'000));
    EXPECT_EQ(to_string(*parse_rate_limit("64000/128K")), "64k/128k");
}

TEST(RateLimit, BurstFieldsWithRouterOsDefaults) {
    auto r = parse_rate_limit("10M/20M 20M/40M 8M/16M 10/5s");
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->rx, (RateDirection{10'000'000, 20'000'000, 8'000'000, 10}));
    EXPECT_EQ(r->tx, (RateDirection{20'000'000, 40'000'000, 16'000'000, 5}));
    EXPECT_EQ(to_string(*r), "10M/20M 20M/40M 8M/16M 10/5");
    // No threshold: the rate; no burst-time: 1 s; a missing tx value: the rx value.
    r = parse_rate_limit("1M 2M");
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->rx, (RateDirection{1'000'000, 2'000'000, 1'000'000, 1}));
    EXPECT_EQ(r->tx, r->rx);
    // Burst-rate 0: no burst in that direction; priority 8 is RouterOS's default.
    r = parse_rate_limit("1M/2M 0/3M 1M/1M 4/4 8");
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->rx, (RateDirection{1'000'000, 0, 0, 0}));
    EXPECT_EQ(r->tx, (RateDirection{2'000'000, 3'000'000, 1'000'000, 4}));
}

TEST(RateLimit, RefusesWhatCannotBeHonoured) {
    EXPECT_EQ(parse_rate_limit("10M 20M 5M 8 1").message(),
              "rate-limit '10M 20M 5M 8 1': priority '1' is not supported: each session is "
              "limited on its own, with no parent queue to prioritise in (only 8, the default, "
              "is accepted)");
    EXPECT_EQ(parse_rate_limit("10M 20M 5M 8 8 1M").message(),
              "rate-limit '10M 20M 5M 8 8 1M': minimum rates (rate-min, RouterOS limit-at) are "
              "not supported: each session is limited on its own, with no parent queue to "
              "guarantee a share of");
    EXPECT_EQ(parse_rate_limit("10M 5M").message(),
              "rate-limit '10M 5M': rx burst-rate 5000000 must be above the rate 10000000 (0: "
              "no burst)");
    EXPECT_EQ(parse_rate_limit("10M 20M 12M").message(),
              "rate-limit '10M 20M 12M': rx burst-threshold must be between 1 and the rate "
              "10000000 (above it the average can never reach it and the burst never ends)");
    EXPECT_EQ(parse_rate_limit("0 20M").message(),
              "rate-limit '0 20M': rx burst-rate needs a rate: an unlimited session cannot burst");
    EXPECT_EQ(parse_rate_limit("1M 2M 1M 0").message(),
              "rate-limit '1M 2M 1M 0': rx burst-time must be at least 1 s");
    EXPECT_EQ(parse_rate_limit("1M 2M 1M x").message(),
              "rate-limit '1M 2M 1M x': burst-time 'x' is not a number of seconds (0..86400)");
    EXPECT_FALSE(parse_rate_limit("1 2 3 4 8 5 6"));
}

TEST(RateLimit, RefusesNonsense) {
    EXPECT_EQ(parse_rate_limit("10X").message(),
              "rate-limit '10X': rate '10X' has an unknown unit (use k, M or G)");
    EXPECT_EQ(parse_rate_limit("fast").message(),
              "rate-limit 'fast': rate 'fast' is not a number of bits/s (e.g. 512k, 10M)");
    EXPECT_FALSE(parse_rate_limit("1/2/3"));
    EXPECT_FALSE(parse_rate_limit("1M 2M/3M/4M"));
    EXPECT_FALSE(parse_rate_limit("99999999999999999999"));
    EXPECT_FALSE(parse_rate("18446744073709551615G"));
}

TEST(Values, ServicesAndUnicast) {
    EXPECT_EQ(parse_service("any"), Service::Any);
    EXPECT_EQ(parse_service("ovpn"), Service::Ovpn);
    EXPECT_EQ(parse_service("sstp"), Service::Sstp);
    EXPECT_FALSE(parse_service("pppoe"));
    EXPECT_TRUE(is_unicast(ip("10.0.0.1")));
    EXPECT_FALSE(is_unicast(ip("0.0.0.0")));
    EXPECT_FALSE(is_unicast(ip("127.0.0.1")));
    EXPECT_FALSE(is_unicast(ip("224.0.0.5")));
    EXPECT_FALSE(is_unicast(ip("255.255.255.255")));
}

} // namespace
} // namespace vp::aaa
