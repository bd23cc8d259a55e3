#include "base/ipv4.hpp"

#include <gtest/gtest.h>

namespace vp::net {

TEST(Ipv4, ParsesStrictDottedQuads) {
    EXPECT_EQ(parse_ipv4("10.0.0.1"), 0x0a000001u);
    EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xffffffffu);
    EXPECT_FALSE(parse_ipv4("10.0.0"));
    EXPECT_FALSE(parse_ipv4("10.0.0.256"));
    EXPECT_FALSE(parse_ipv4("10.0.0.01"));
    EXPECT_FALSE(parse_ipv4("10.0.0.1 "));
    EXPECT_FALSE(parse_ipv4(""));
}

TEST(Ipv4, PrefixesAndRanges) {
    auto p = parse_prefix("192.168.88.1/24");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->network(), 0xc0a85800u);
    EXPECT_TRUE(p->contains(0xc0a858feu));
    EXPECT_FALSE(p->contains(0xc0a85900u));
    EXPECT_EQ(to_string(*p), "192.168.88.1/24");
    EXPECT_FALSE(parse_prefix("1.2.3.4/33"));
    EXPECT_EQ(parse_prefix("0.0.0.0/0")->mask(), 0u);
    auto r = parse_range("10.1.0.10-10.1.0.20");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->size(), 11u);
    EXPECT_FALSE(parse_range("10.1.0.20-10.1.0.10"));
    EXPECT_EQ(parse_range("10.1.0.0/30")->size(), 4u);
}

} // namespace vp::net

#include "base/pci.hpp"

namespace vp {

TEST(Pci, RecognisesDpdkPciAddresses) {
    EXPECT_TRUE(is_pci_address("0000:03:00.0"));
    EXPECT_TRUE(is_pci_address("03:00.1"));
    EXPECT_TRUE(is_pci_address("0000:af:1f.7"));
    EXPECT_FALSE(is_pci_address("0000:03:00.8"));
    EXPECT_FALSE(is_pci_address("net_af_packet0,iface=eth0"));
    EXPECT_FALSE(is_pci_address("0000-03:00.0"));
    EXPECT_FALSE(is_pci_address("03:00"));
    EXPECT_FALSE(is_pci_address(""));
}

} // namespace vp
