// The segment parser and option encoder: what is accepted, what each malformation is called.
#include "dataplane/tcp/segment.hpp"
#include "tests/unit/tcp/sim.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vp::tcp::test {
namespace {

std::vector<uint8_t> bytes_of(const SegSpec& s) {
    rte_mbuf* m = build_packet(s);
    std::vector<uint8_t> v(rte_pktmbuf_mtod(m, uint8_t*),
                           rte_pktmbuf_mtod(m, uint8_t*) + m->pkt_len);
    rte_pktmbuf_free(m);
    return v;
}

SegSpec full_syn() {
    SegSpec s;
    s.seq = 0x01020304;
    s.flags = flag::Syn;
    s.window = 29200;
    s.opt.mss = 1400;
    s.opt.wscale = 7;
    s.opt.sack_permitted = true;
    s.opt.timestamps = true;
    s.opt.ts_val = 0xaabbccdd;
    s.opt.ts_ecr = 0;
    return s;
}

TEST(TcpParser, ParsesHeadersAndSynOptions) {
    auto b = bytes_of(full_syn());
    TcpSegment seg;
    ASSERT_EQ(parse_segment(b, b.size(), seg), ParseError::None);
    EXPECT_EQ(seg.src_ip, kClientIp);
    EXPECT_EQ(seg.dst_ip, kServerIp);
    EXPECT_EQ(seg.src_port, 40000);
    EXPECT_EQ(seg.dst_port, 80);
    EXPECT_EQ(seg.seq, 0x01020304u);
    EXPECT_TRUE(seg.has(flag::Syn));
    EXPECT_EQ(seg.window, 29200);
    EXPECT_TRUE(seg.opt.has_mss);
    EXPECT_EQ(seg.opt.mss, 1400);
    EXPECT_TRUE(seg.opt.has_wscale);
    EXPECT_EQ(seg.opt.wscale, 7);
    EXPECT_TRUE(seg.opt.sack_permitted);
    EXPECT_TRUE(seg.opt.has_timestamps);
    EXPECT_EQ(seg.opt.ts_val, 0xaabbccddu);
    EXPECT_EQ(seg.seq_len(), 1u);
    EXPECT_TRUE(tcp_checksum_ok(b, seg));
}

TEST(TcpParser, ParsesSackBlocksAndPayload) {
    SegSpec s;
    s.flags = flag::Ack;
    s.opt.timestamps = true;
    s.opt.sack_count = 3;
    s.opt.sack[0] = {100, 200};
    s.opt.sack[1] = {300, 400};
    s.opt.sack[2] = {500, 600};
    s.payload = {1, 2, 3, 4, 5};
    auto b = bytes_of(s);
    TcpSegment seg;
    ASSERT_EQ(parse_segment(b, b.size(), seg), ParseError::None);
    ASSERT_EQ(seg.opt.sack_count, 3);
    EXPECT_EQ(seg.opt.sack[1].left, 300u);
    EXPECT_EQ(seg.opt.sack[2].right, 600u);
    EXPECT_EQ(seg.payload_len, 5);
    EXPECT_EQ(b[seg.payload_offset], 1);
    EXPECT_EQ(seg.seq_len(), 5u);
}

TEST(TcpParser, IgnoresPaddingBeyondTotalLength) {
    auto b = bytes_of(full_syn());
    b.resize(b.size() + 6, 0); // Ethernet minimum-frame padding
    TcpSegment seg;
    ASSERT_EQ(parse_segment(b, b.size(), seg), ParseError::None);
    EXPECT_EQ(seg.payload_len, 0);
    EXPECT_TRUE(tcp_checksum_ok(b, seg));
}

TEST(TcpParser, NamesEachMalformation) {
    const auto good = bytes_of(full_syn());
    ASSERT_EQ(good.size(), 60u);
    TcpSegment seg;
    auto check = [&](std::vector<uint8_t> b, ParseError want) {
        EXPECT_EQ(parse_segment(b, b.size(), seg), want) << to_string(want);
    };
    check(std::vector<uint8_t>(good.begin(), good.begin() + 30), ParseError::Truncated);
    std::vector<uint8_t> b(60);
    std::copy(good.begin(), good.end(), b.begin());
    b[0] = 0x65;
    check(b, ParseError::NotIpv4);
    b = good;
    b[0] = 0x44;
    check(b, ParseError::BadIpHeader);
    b = good;
    b[3] = static_cast<uint8_t>(b[3] + 8); // total length past the bytes present
    check(b, ParseError::Truncated);
    b = good;
    b[2] = 0;
    b[3] = 16; // total length shorter than the IPv4 header
    check(b, ParseError::BadIpHeader);
    b = good;
    b[9] = 17;
    check(b, ParseError::NotTcp);
    b = good;
    b[6] = 0x20; // MF
    check(b, ParseError::Fragment);
    b = good;
    b[20 + 12] = 0x40; // data offset 4
    check(b, ParseError::BadDataOffset);
    b = good;
    b[20 + 12] = 0xf0; // data offset 60 > packet
    check(b, ParseError::BadDataOffset);
    b = good;
    b[20 + 20 + 1] = 0; // MSS option length 0
    check(b, ParseError::BadOptions);
    b = good;
    b[20 + 20 + 1] = 40; // option runs past the header
    check(b, ParseError::BadOptions);
    b = good;
    b[12] = 224; // multicast source
    check(b, ParseError::BadAddress);
    b = good;
    b[12] = 127;
    check(b, ParseError::BadAddress);
    b = good;
    b[16] = 255; // broadcast destination
    check(b, ParseError::BadAddress);
    b = good;
    b[20] = b[21] = 0;
    check(b, ParseError::BadPort);
    b = good;
    b[20 + 13] = flag::Syn | flag::Fin;
    check(b, ParseError::BadFlags);
    b = good;
    b[20 + 13] = flag::Syn | flag::Rst;
    check(b, ParseError::BadFlags);
    b = good;
    b[20 + 13] = flag::Psh;
    check(b, ParseError::BadFlags);
}

TEST(TcpParser, UnknownAndMisSizedKnownOptionsAreSkipped) {
    // kind 30 (MPTCP) length 4, then a WS option of the wrong length (4), then EOL.
    std::vector<uint8_t> o = {30, 4, 0, 0, 3, 4, 7, 0, 0, 0, 0, 0};
    TcpOptions opt;
    ASSERT_EQ(parse_options(o, opt), ParseError::None);
    EXPECT_FALSE(opt.has_wscale);
    std::vector<uint8_t> bad = {1, 1, 2};
    EXPECT_EQ(parse_options(bad, opt), ParseError::BadOptions);
}

TEST(TcpParser, ChecksumCatchesCorruption) {
    auto b = bytes_of(full_syn());
    TcpSegment seg;
    ASSERT_EQ(parse_segment(b, b.size(), seg), ParseError::None);
    ASSERT_TRUE(tcp_checksum_ok(b, seg));
    for (size_t i = 20; i < b.size(); ++i) {
        auto c = b;
        c[i] ^= 0x01;
        TcpSegment s2;
        if (parse_segment(c, c.size(), s2) == ParseError::None) {
            EXPECT_FALSE(tcp_checksum_ok(c, s2)) << "flip at " << i;
        }
    }
}

TEST(TcpOptionsWriter, RoundTripsAndFitsSackToRoom) {
    OptionsOut o;
    o.timestamps = true;
    o.ts_val = 7;
    o.ts_ecr = 9;
    o.sack_count = 4;
    for (int i = 0; i < 4; ++i)
        o.sack[i] = {uint32_t(i * 100), uint32_t(i * 100 + 50)};
    uint8_t buf[40];
    size_t n = write_options(o, buf);
    EXPECT_EQ(n, options_length(o));
    EXPECT_EQ(n, 40u); // 12 for timestamps, 4 + 3*8 for SACK: the fourth block does not fit
    TcpOptions p;
    ASSERT_EQ(parse_options({buf, n}, p), ParseError::None);
    EXPECT_TRUE(p.has_timestamps);
    EXPECT_EQ(p.ts_val, 7u);
    EXPECT_EQ(p.ts_ecr, 9u);
    EXPECT_EQ(p.sack_count, 3);
    EXPECT_EQ(p.sack[2].left, 200u);

    OptionsOut syn;
    syn.mss = 1460;
    syn.wscale = 9;
    syn.sack_permitted = true;
    syn.timestamps = true;
    n = write_options(syn, buf);
    EXPECT_EQ(n % 4, 0u);
    ASSERT_EQ(parse_options({buf, n}, p), ParseError::None);
    EXPECT_EQ(p.mss, 1460);
    EXPECT_EQ(p.wscale, 9);
    EXPECT_TRUE(p.sack_permitted);
    EXPECT_TRUE(p.has_timestamps);

    OptionsOut no_ts;
    no_ts.sack_count = 4;
    n = write_options(no_ts, buf);
    ASSERT_EQ(parse_options({buf, n}, p), ParseError::None);
    EXPECT_EQ(p.sack_count, 4);
}

} // namespace
} // namespace vp::tcp::test
