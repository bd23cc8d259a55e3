// The `mgmt` section: mgmt.prometheus_listen (loopback unless prometheus_allow_remote) and its
// refusals with file:line.
#include "control/config/appliance_config.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vp::config {
namespace {

const std::string base =
    "dpdk = { lcores = \"0-1\"; };\n"
    "interfaces = ( { name = \"wan0\"; device = \"net_null0\"; role = \"wan\";\n"
    "                 address = \"10.1.0.1/24\"; } );\n";

void refused(const std::string& text, const std::string& expected) {
    auto c = load_config_text(base + text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.message().find(expected), std::string::npos)
        << "expected: " << expected << "\ngot: " << c.message();
}

TEST(MgmtConfig, OffByDefault) {
    auto c = load_config_text(base);
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_FALSE(c->mgmt.prometheus_address);
}

TEST(MgmtConfig, LoopbackListen) {
    auto c = load_config_text(base + "mgmt = { prometheus_listen = \"127.0.0.1:9469\"; };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    ASSERT_TRUE(c->mgmt.prometheus_address);
    EXPECT_EQ(*c->mgmt.prometheus_address, 0x7f000001u);
    EXPECT_EQ(c->mgmt.prometheus_port, 9469);
}

TEST(MgmtConfig, RemoteOnlyWhenAllowed) {
    refused("mgmt = { prometheus_listen = \"0.0.0.0:9469\"; };\n",
            "<config>:4: mgmt.prometheus_listen: '0.0.0.0:9469' is not a loopback address");
    auto c = load_config_text(base + "mgmt = { prometheus_listen = \"0.0.0.0:9469\";\n"
                                     "  prometheus_allow_remote = true; };\n");
    ASSERT_TRUE(c.ok()) << c.message();
    EXPECT_EQ(*c->mgmt.prometheus_address, 0u);
}

TEST(MgmtConfig, Refusals) {
    refused("mgmt = { prometheus_listen = \"127.0.0.1\"; };\n", "is not ADDRESS:PORT");
    refused("mgmt = { prometheus_listen = \"127.0.0.1:0\"; };\n", "is not ADDRESS:PORT");
    refused("mgmt = { prometheus_listen = \"127.0.0.1:70000\"; };\n", "is not ADDRESS:PORT");
    refused("mgmt = { prometheus_listen = \"localhost:9469\"; };\n", "is not ADDRESS:PORT");
    refused("mgmt = { prometheus_port = 9469; };\n", "prometheus_port");
}

} // namespace
} // namespace vp::config
