// control/ovpn/stream_framing: OpenVPN-TCP's 2-byte length framing, byte by byte and in bulk.
#include "control/ovpn/stream_framing.hpp"

#include <gtest/gtest.h>

using namespace vp;
using namespace vp::ovpn;

TEST(Length16, FramesAndSplitsWhateverThePieces) {
    Bytes stream;
    ASSERT_TRUE(frame_length16(Bytes{0x38, 1, 2, 3}, stream));
    ASSERT_TRUE(frame_length16(Bytes{}, stream));
    ASSERT_TRUE(frame_length16(Bytes(300, 0x48), stream));
    EXPECT_EQ(stream[0], 0);
    EXPECT_EQ(stream[1], 4);
    EXPECT_EQ(stream[8], 0x01); // 300 = 0x012c
    EXPECT_EQ(stream[9], 0x2c);
    for (size_t piece : {size_t{1}, size_t{3}, stream.size()}) {
        Length16Reader r;
        std::vector<Bytes> got;
        for (size_t off = 0; off < stream.size(); off += piece) {
            r.feed(ByteSpan(stream).subspan(off, std::min(piece, stream.size() - off)));
            while (auto p = r.next())
                got.emplace_back(p->begin(), p->end());
        }
        ASSERT_EQ(got.size(), 3u) << piece;
        EXPECT_EQ(got[0], (Bytes{0x38, 1, 2, 3}));
        EXPECT_TRUE(got[1].empty());
        EXPECT_EQ(got[2], Bytes(300, 0x48));
        EXPECT_EQ(r.buffered(), 0u);
    }
}

TEST(Length16, KeepsAPartialPacketUntilItIsWhole) {
    Length16Reader r;
    r.feed(Bytes{0x00, 0x03, 0x38});
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.buffered(), 3u);
    r.feed(Bytes{0x39, 0x3a, 0x00});
    auto p = r.next();
    ASSERT_TRUE(p);
    EXPECT_EQ(Bytes(p->begin(), p->end()), (Bytes{0x38, 0x39, 0x3a}));
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.buffered(), 1u);
}

TEST(Length16, RefusesPacketsTheLengthCannotSay) {
    Bytes out;
    EXPECT_FALSE(frame_length16(Bytes(65536, 0), out));
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(frame_length16(Bytes(65535, 0), out));
    EXPECT_EQ(out.size(), 65537u);
}
