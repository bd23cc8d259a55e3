// vpnperf's command lines: what the documented commands parse to, and the errors for mistakes.
#include "perf/vpnperf/options.hpp"

#include <gtest/gtest.h>

namespace vp::perf {
namespace {

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = s.find(' ', i);
        if (j == std::string::npos) j = s.size();
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

TEST(Options, GenSessionsAsDocumented) {
    auto o = parse_gen_sessions_options(
        split("--count 100 --cipher AES-256-CBC --auth SHA256 --server 10.1.0.1:1194 "
              "--client-net 10.1.0.0/24 --tunnel-net 10.8.0.0/16 --out s.json"));
    ASSERT_TRUE(o.ok()) << o.message();
    EXPECT_EQ(o->count, 100u);
    EXPECT_EQ(o->cipher, crypto::Cipher::Aes256Cbc);
    EXPECT_EQ(o->auth, crypto::Digest::Sha256);
    EXPECT_EQ(o->server, (UdpEndpoint{0x0a010001, 1194}));
    EXPECT_EQ(o->client_net, (net::Ipv4Prefix{0x0a010000, 24}));
    EXPECT_EQ(o->tunnel_net.length, 16);
    EXPECT_EQ(o->out, "s.json");
}

TEST(Options, GenSessionsErrors) {
    auto e = [](const std::string& args) {
        auto o = parse_gen_sessions_options(split(args));
        return o.ok() ? std::string() : o.message();
    };
    const std::string rest = " --server 10.1.0.1:1194 --client-net 10.1.0.0/24 "
                             "--tunnel-net 10.8.0.0/16 --out s.json";
    EXPECT_EQ(e("--server 10.1.0.1:1194 --client-net 10.1.0.0/24 --tunnel-net 10.8.0.0/16 "
                "--out s.json"),
              "--count is required");
    EXPECT_EQ(e("--count 0" + rest), "--count: expected an integer 1..1000000, got '0'");
    EXPECT_EQ(e("--count 1 --cipher BF-CBC" + rest), "--cipher: unknown cipher 'BF-CBC'");
    EXPECT_EQ(e("--count 1 --server 10.1.0.1 --client-net 10.1.0.0/24 --tunnel-net 10.8.0.0/16 "
                "--out s.json"),
              "--server: expected ADDRESS:PORT, got '10.1.0.1'");
    EXPECT_EQ(e("--count 1 --bogus" + rest), "unknown option '--bogus'");
    EXPECT_EQ(e("--count" + rest).substr(0, 7), "--count");
}

TEST(Options, RunAsDocumented) {
    auto o = parse_run_options(
        split("--sessions s.json --wan net_memif0,role=client,socket=/run/vpnperf-wan.sock "
              "--lan net_memif1,role=client,socket=/run/vpnperf-lan.sock --direction both "
              "--size imix --rate 1.5M --duration 30 --lan-host 10.2.0.9 --out r.csv "
              "--lcores 0-2 --no-huge --file-prefix vp1 -- --vdev net_null0"));
    ASSERT_TRUE(o.ok()) << o.message();
    EXPECT_EQ(o->wan, "net_memif0,role=client,socket=/run/vpnperf-wan.sock");
    EXPECT_EQ(o->direction, TrafficDirection::Both);
    EXPECT_TRUE(o->size.imix);
    EXPECT_EQ(o->rate_pps, 1500000u);
    EXPECT_EQ(o->duration_s, 30);
    EXPECT_EQ(o->lan_host, 0x0a020009u);
    EXPECT_EQ(o->gateway(), 0x0a020001u);
    EXPECT_EQ(o->out, "r.csv");
    EXPECT_EQ(o->eal.lcores, "0-2");
    EXPECT_TRUE(o->eal.no_huge);
    EXPECT_EQ(o->eal.file_prefix, "vp1");
    EXPECT_EQ(o->eal.extra, (std::vector<std::string>{"--vdev", "net_null0"}));
    EXPECT_FALSE(o->loopback);
}

TEST(Options, RunDefaultsAndWire) {
    auto o = parse_run_options(split("--sessions s.json --wan wire --lan wire --rate=max"));
    ASSERT_TRUE(o.ok()) << o.message();
    EXPECT_TRUE(o->loopback) << "the wire implies loopback";
    EXPECT_EQ(o->direction, TrafficDirection::Decap);
    EXPECT_EQ(o->size.sizes, std::vector<uint32_t>{64});
    EXPECT_EQ(o->rate_pps, 0u);
    EXPECT_EQ(o->probe_every, 1000u);
    EXPECT_FALSE(parse_run_options(split("--sessions s --wan wire --lan net_null0")).ok());
}

TEST(Options, RunErrors) {
    auto e = [](const std::string& extra) {
        auto o = parse_run_options(split("--sessions s.json --wan a --lan b " + extra));
        return o.ok() ? std::string() : o.message();
    };
    EXPECT_EQ(e("--direction up"), "--direction: expected decap, encap or both");
    EXPECT_NE(e("--size 40").find("--size: expected an inner IPv4 packet size 52..1500"),
              std::string::npos);
    EXPECT_NE(e("--rate fast").find("--rate: expected packets per second"), std::string::npos);
    EXPECT_NE(e("--duration 0").find("--duration: expected seconds"), std::string::npos);
    EXPECT_EQ(e("--out r.txt"), "--out: must end in .json or .csv");
    EXPECT_EQ(e("--wan-peer-mac 02:00:00:00:00"), "--wan-peer-mac: '02:00:00:00:00' is not a MAC");
    EXPECT_EQ(e("--lan-gateway 10.2.0.2"), "--lan-gateway: must differ from --lan-host");
    EXPECT_EQ(e("--no-huge=1"), "--no-huge: takes no value");
    auto missing = parse_run_options(split("--wan a --lan b"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.message(), "--sessions is required");
}

TEST(Options, PcapAsDocumented) {
    auto o = parse_pcap_options(split("--sessions s.json --size imix --count 1000 --out t.pcap "
                                      "--lua t.lua --dst-mac 02:00:00:00:01:01"));
    ASSERT_TRUE(o.ok()) << o.message();
    EXPECT_EQ(o->count, 1000u);
    EXPECT_EQ(o->lua, "t.lua");
    EXPECT_EQ(o->dst_mac, (Mac{2, 0, 0, 0, 1, 1}));
    EXPECT_FALSE(parse_pcap_options(split("--sessions s.json --out t.pcap")).ok());
}

TEST(Options, ValueParsers) {
    EXPECT_EQ(parse_rate("max"), 0u);
    EXPECT_EQ(parse_rate("250000"), 250000u);
    EXPECT_EQ(parse_rate("250k"), 250000u);
    EXPECT_EQ(parse_rate("2G"), 2000000000u);
    EXPECT_FALSE(parse_rate("0"));
    EXPECT_FALSE(parse_rate("-5"));
    EXPECT_FALSE(parse_rate("k"));
    EXPECT_EQ(to_string(*parse_mac("02:AB:cd:00:10:ff")), "02:ab:cd:00:10:ff");
    EXPECT_FALSE(parse_mac("02:ab:cd:00:10:fg"));
    EXPECT_FALSE(parse_mac("02:ab:cd:00:10"));
    EXPECT_EQ(parse_endpoint("10.1.0.1:1194"), (UdpEndpoint{0x0a010001, 1194}));
    EXPECT_FALSE(parse_endpoint("10.1.0.1:0"));
    EXPECT_FALSE(parse_endpoint("10.1.0.1:65536"));
    EXPECT_FALSE(parse_endpoint("host:1194"));
}

} // namespace
} // namespace vp::perf
