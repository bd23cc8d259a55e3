// net::is_dns_name: the host-name syntax the daemon's connect_to and the RouterOS importer share.
#include "base/host_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vp::net {

TEST(HostName, DnsNameSyntax) {
    EXPECT_TRUE(is_dns_name("vpn.example.com"));
    EXPECT_TRUE(is_dns_name("hq"));
    EXPECT_TRUE(is_dns_name("a-b.example.com."));
    EXPECT_TRUE(is_dns_name("1.example"));
    EXPECT_FALSE(is_dns_name(""));
    EXPECT_FALSE(is_dns_name("1.2.3.999")); // a malformed address, not a name
    EXPECT_FALSE(is_dns_name("10.1.0.1"));  // an address, not a name
    EXPECT_FALSE(is_dns_name("-a.example"));
    EXPECT_FALSE(is_dns_name("a-.example"));
    EXPECT_FALSE(is_dns_name("a..example"));
    EXPECT_FALSE(is_dns_name("a b"));
    EXPECT_FALSE(is_dns_name("vpn.example.com:443"));
    EXPECT_FALSE(is_dns_name(std::string(64, 'a') + ".example"));
    EXPECT_FALSE(is_dns_name(std::string(254, 'a')));
}

} // namespace vp::net
