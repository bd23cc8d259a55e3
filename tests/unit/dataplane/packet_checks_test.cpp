// Pure per-packet helpers: IPv4 header checks, incremental checksums, MSS clamping.
#include "dataplane/ip/checksum.hpp"
#include "dataplane/ip/ipv4_header.hpp"
#include "dataplane/ip/mss_clamp.hpp"

#include <gtest/gtest.h>
#include <rte_ip.h>

#include <cstring>
#include <random>
#include <vector>

namespace vp::dp {
namespace {

// A minimal IPv4 + TCP SYN with the given TCP options; checksums valid.
std::vector<uint8_t> tcp_syn(const std::vector<uint8_t>& options, uint8_t flags = 0x02) {
    size_t tcp_len = 20 + options.size();
    std::vector<uint8_t> p(20 + tcp_len, 0);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p.data());
    ip->version_ihl = 0x45;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(p.size()));
    ip->time_to_live = 64;
    ip->next_proto_id = IPPROTO_TCP;
    ip->src_addr = rte_cpu_to_be_32(0x0a000001);
    ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    uint8_t* tcp = p.data() + 20;
    tcp[0] = 0x9c;
    tcp[3] = 80;
    tcp[12] = static_cast<uint8_t>((tcp_len / 4) << 4);
    tcp[13] = flags;
    if (!options.empty()) std::memcpy(tcp + 20, options.data(), options.size());
    uint16_t sum = rte_ipv4_udptcp_cksum(ip, tcp);
    std::memcpy(tcp + 16, &sum, 2);
    return p;
}

bool tcp_checksum_ok(std::vector<uint8_t>& p) {
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(p.data());
    return rte_ipv4_udptcp_cksum_verify(ip, p.data() + 20) == 0;
}

uint16_t mss_of(const std::vector<uint8_t>& p, size_t option_offset) {
    return static_cast<uint16_t>(p[20 + 20 + option_offset + 2] << 8 |
                                 p[20 + 20 + option_offset + 3]);
}

TEST(MssClamp, LowersALargeMssAndKeepsTheChecksumValid) {
    auto p = tcp_syn({1, 1, 2, 4, 0x05, 0xb4, 4, 2}); // NOP NOP MSS 1460 SACK-permitted
    ASSERT_TRUE(tcp_checksum_ok(p));
    EXPECT_EQ(clamp_mss(p.data() + 20, p.size() - 20, 1360), MssClampResult::Clamped);
    EXPECT_EQ(mss_of(p, 2), 1360);
    EXPECT_TRUE(tcp_checksum_ok(p));
}

TEST(MssClamp, LeavesSmallMssNonSynAndMssLessSegmentsAlone) {
    auto small = tcp_syn({2, 4, 0x04, 0x00}); // MSS 1024
    EXPECT_EQ(clamp_mss(small.data() + 20, small.size() - 20, 1360), MssClampResult::Unchanged);
    EXPECT_EQ(mss_of(small, 0), 1024);
    auto ack = tcp_syn({2, 4, 0x05, 0xb4}, 0x10);
    EXPECT_EQ(clamp_mss(ack.data() + 20, ack.size() - 20, 1360), MssClampResult::NotSyn);
    auto none = tcp_syn({1, 1, 1, 1});
    EXPECT_EQ(clamp_mss(none.data() + 20, none.size() - 20, 1360), MssClampResult::Unchanged);
    auto synack = tcp_syn({2, 4, 0x05, 0xb4}, 0x12);
    EXPECT_EQ(clamp_mss(synack.data() + 20, synack.size() - 20, 1300), MssClampResult::Clamped);
}

TEST(MssClamp, ChangeMssRewritesOnlyWithinTheRange) {
    // The seed's rule: new-mss=1380 tcp-mss=1381-65535.
    auto big = tcp_syn({2, 4, 0x05, 0xb4}); // 1460
    EXPECT_EQ(change_mss(big.data() + 20, big.size() - 20, 1380, 1381, 65535),
              MssClampResult::Clamped);
    EXPECT_EQ(mss_of(big, 0), 1380);
    EXPECT_TRUE(tcp_checksum_ok(big));
    auto edge = tcp_syn({2, 4, 0x05, 0x64}); // 1380: outside the range
    EXPECT_EQ(change_mss(edge.data() + 20, edge.size() - 20, 1380, 1381, 65535),
              MssClampResult::Unchanged);
    // A range may also raise a value (RouterOS sets, it does not only lower).
    auto low = tcp_syn({2, 4, 0x02, 0x18}); // 536
    EXPECT_EQ(change_mss(low.data() + 20, low.size() - 20, 1200, 500, 600),
              MssClampResult::Clamped);
    EXPECT_EQ(mss_of(low, 0), 1200);
    EXPECT_TRUE(tcp_checksum_ok(low));
    // clamp_mss at the largest value never rewrites.
    EXPECT_EQ(clamp_mss(big.data() + 20, big.size() - 20, 65535), MssClampResult::Unchanged);
}

TEST(MssClamp, RejectsOptionsThatOverrunTheHeader) {
    auto p = tcp_syn({1, 1, 8, 10}); // an option claiming 10 bytes in a 4-byte option area
    EXPECT_EQ(clamp_mss(p.data() + 20, p.size() - 20, 1360), MssClampResult::Malformed);
    auto zero_len = tcp_syn({3, 0, 0, 0});
    EXPECT_EQ(clamp_mss(zero_len.data() + 20, zero_len.size() - 20, 1360),
              MssClampResult::Malformed);
    uint8_t tiny[10] = {};
    EXPECT_EQ(clamp_mss(tiny, sizeof tiny, 1360), MssClampResult::Malformed);
    auto p2 = tcp_syn({2, 4, 0x05, 0xb4});
    p2[20 + 12] = 0xf0; // data offset 60 bytes, beyond the segment
    EXPECT_EQ(clamp_mss(p2.data() + 20, p2.size() - 20, 1360), MssClampResult::Malformed);
}

TEST(Checksum, IncrementalUpdateMatchesFullRecompute) {
    std::mt19937 rng(1);
    for (int i = 0; i < 2000; ++i) {
        uint8_t hdr[20];
        for (auto& b : hdr)
            b = static_cast<uint8_t>(rng());
        hdr[0] = 0x45;
        hdr[10] = hdr[11] = 0;
        auto* ip = reinterpret_cast<rte_ipv4_hdr*>(hdr);
        ip->hdr_checksum = rte_ipv4_cksum(ip);
        uint16_t old_word;
        std::memcpy(&old_word, hdr + 8, 2);
        hdr[8] = static_cast<uint8_t>(rng()); // rewrite TTL
        uint16_t new_word;
        std::memcpy(&new_word, hdr + 8, 2);
        uint16_t incremental = checksum_update16(ip->hdr_checksum, old_word, new_word);
        ip->hdr_checksum = 0;
        uint16_t full = rte_ipv4_cksum(ip);
        // 0x0000 and 0xffff are the same one's-complement value.
        EXPECT_TRUE(incremental == full || (incremental ^ full) == 0xffff) << i;
    }
}

TEST(Ipv4Header, AcceptsValidAndClassifiesInvalidHeaders) {
    auto p = tcp_syn({});
    Ipv4Facts f;
    ASSERT_EQ(check_ipv4(p.data(), p.size(), true, f), Ipv4Check::Ok);
    EXPECT_EQ(f.header_len, 20);
    EXPECT_EQ(f.total_len, p.size());
    EXPECT_FALSE(f.fragment);

    EXPECT_EQ(check_ipv4(p.data(), 19, true, f), Ipv4Check::BadHeader);
    auto v6 = p;
    v6[0] = 0x65;
    EXPECT_EQ(check_ipv4(v6.data(), v6.size(), true, f), Ipv4Check::BadHeader);
    auto ihl = p;
    ihl[0] = 0x44;
    EXPECT_EQ(check_ipv4(ihl.data(), ihl.size(), true, f), Ipv4Check::BadHeader);
    auto sum = p;
    sum[10] ^= 1;
    EXPECT_EQ(check_ipv4(sum.data(), sum.size(), true, f), Ipv4Check::BadChecksum);
    EXPECT_EQ(check_ipv4(sum.data(), sum.size(), false, f), Ipv4Check::Ok) << "NIC-verified";
    EXPECT_EQ(check_ipv4(p.data(), p.size() - 1, true, f), Ipv4Check::BadLength);

    auto martian = p;
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(martian.data());
    ip->src_addr = rte_cpu_to_be_32(0x7f000001);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    EXPECT_EQ(check_ipv4(martian.data(), martian.size(), true, f), Ipv4Check::Martian);

    auto frag = p;
    ip = reinterpret_cast<rte_ipv4_hdr*>(frag.data());
    ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
    ASSERT_EQ(check_ipv4(frag.data(), frag.size(), true, f), Ipv4Check::Ok);
    EXPECT_TRUE(f.fragment);
    EXPECT_TRUE(f.first_fragment);
}

} // namespace
} // namespace vp::dp
