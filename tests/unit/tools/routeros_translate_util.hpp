// The RouterOS importer tests' helpers: fixtures, translating an export text, the reports as
// lines, and reading the output back with the daemon's own parsers.
#pragma once

#include "control/aaa/aaa_config.hpp"
#include "control/config/appliance_config.hpp"
#include "control/config/firewall_config.hpp"
#include "control/config/reader.hpp"
#include "control/ovpn/config.hpp"
#include "control/services.hpp"
#include "control/sstp/client_config.hpp"
#include "tools/vpnctl/routeros_translate.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace vp::tools::routeros::testing_util {

using Ports = std::vector<std::pair<std::string, std::string>>;

inline std::string fixture(const std::string& name) {
    std::ifstream in(std::string(ROUTEROS_FIXTURES) + "/" + name, std::ios::binary);
    EXPECT_TRUE(in) << name;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline ImportResult import_text(const std::string& text, Ports ports = {}) {
    ImportOptions o;
    o.ports = std::move(ports);
    return translate(parse_export(text), o);
}

inline std::vector<std::string> reports(const ImportResult& r) {
    std::vector<std::string> out;
    for (auto& x : r.reports)
        out.push_back(format_report(x));
    return out;
}

inline bool has_report(const ImportResult& r, const std::string& text) {
    for (auto& x : reports(r))
        if (x == text) return true;
    ADD_FAILURE() << "no report '" << text << "' in:\n" << testing::PrintToString(reports(r));
    return false;
}

// The protocol sections of the output, read back with the daemon's parsers.
struct ReadBack {
    std::unique_ptr<libconfig::Config> raw;
    aaa::AaaConfig aaa;
    std::optional<ovpn::ServerConfig> ovpn;
};

inline ReadBack read_back(const std::string& text) {
    ReadBack out;
    config::Diagnostics diag;
    auto file = config::read_string(text, diag);
    EXPECT_TRUE(file) << diag.text() << text;
    if (!file) return out;
    out.raw = std::move(file->config);
    config::Section root(out.raw->getRoot(), diag);
    if (auto a = aaa::parse_aaa_config(root)) out.aaa = std::move(*a);
    if (auto s = root.group("ovpn_server")) out.ovpn = ovpn::parse_server_config(*s);
    EXPECT_TRUE(diag.ok()) << diag.text() << text;
    return out;
}

// The output's `firewall` section read with the daemon's parser (no interfaces: the seed
// exports import none, so rules naming one must have been refused), with the rule counts.
inline void expect_firewall_accepted(const std::string& text, size_t filter, size_t nat,
                                     size_t mangle = 0) {
    config::Diagnostics diag;
    auto file = config::read_string(text, diag);
    ASSERT_TRUE(file) << diag.text() << text;
    config::Section root(file->config->getRoot(), diag);
    config::FirewallConfig fw;
    if (auto s = root.group("firewall")) config::parse_firewall(*s, {}, fw);
    EXPECT_TRUE(diag.ok()) << diag.text() << text;
    EXPECT_EQ(fw.filter.size(), filter) << text;
    EXPECT_EQ(fw.nat.size(), nat) << text;
    EXPECT_EQ(fw.mangle.size(), mangle) << text;
}

inline std::string sstp_setting(const ReadBack& r, const char* name) {
    std::string v;
    r.raw->lookupValue(std::string("sstp_server.") + name, v);
    return v;
}

inline net::Ipv4 ip(const char* text) {
    return *net::parse_ipv4(text);
}

// The seeds' remote-access pattern: one pool with one range, and a profile whose local address
// is fixed and whose remote address is taken from that pool.
inline void expect_pool_profile(const ReadBack& b, const char* pool_name, const char* first,
                                const char* last, const char* profile_name, const char* local) {
    auto* pool = b.aaa.pool(pool_name);
    ASSERT_TRUE(pool) << pool_name;
    ASSERT_EQ(pool->ranges.size(), 1u);
    EXPECT_EQ(pool->ranges[0].first, ip(first));
    EXPECT_EQ(pool->ranges[0].last, ip(last));
    auto* p = b.aaa.profile(profile_name);
    ASSERT_TRUE(p) << profile_name;
    EXPECT_EQ(p->local_address, aaa::AddressSource(ip(local)));
    EXPECT_EQ(p->remote_address, aaa::AddressSource(std::string(pool_name)));
}

} // namespace vp::tools::routeros::testing_util
