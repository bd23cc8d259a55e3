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

TEST(RateLimit, RxSlashTxWithUnits) {
    auto r = parse_rate_limit("10M/20M");
    ASSERT_TRUE(r) << r.message();
    EXPECT_EQ(r->rx_bps, 10'000'000u);
    EXPECT_EQ(r->tx_bps, 20'000'000u);
    EXPECT_EQ(*parse_rate_limit("512k"), (RateLimit{512'000, 512'000})); // tx defaults to rx
    EXPECT_EQ(*parse_rate_limit("1G/0"), (RateLimit{1'000'000'000, 0}));
    EXPECT_EQ(*parse_rate_limit("64000/128K"), (RateLimit{64'000, 128'000}));
}

TEST(RateLimit, RefusesBurstsAndNonsense) {
    EXPECT_EQ(parse_rate_limit("10M/10M 20M/20M").message(),
              "rate-limit '10M/10M 20M/20M': burst, priority and minimum rates are not "
              "supported; write rx[/tx]");
    EXPECT_EQ(parse_rate_limit("10X").message(), "rate '10X' has an unknown unit (use k, M or G)");
    EXPECT_EQ(parse_rate_limit("fast").message(),
              "rate 'fast' is not a number of bits/s (e.g. 512k, 10M)");
    EXPECT_FALSE(parse_rate_limit("1/2/3"));
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
