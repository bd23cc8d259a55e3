#include "base/bytes.hpp"

#include <gtest/gtest.h>

namespace vp {

TEST(ByteReader, ReadsBigEndianAndNeverPastTheEnd) {
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    ByteReader r{ByteSpan(data)};
    uint16_t a;
    uint32_t b;
    ASSERT_TRUE(r.be16(a));
    EXPECT_EQ(a, 0x0102);
    ASSERT_TRUE(r.be32(b));
    EXPECT_EQ(b, 0x03040506u);
    EXPECT_EQ(r.remaining(), 1u);
    EXPECT_FALSE(r.be16(a));
    EXPECT_EQ(r.remaining(), 1u) << "a failed read consumes nothing";
    ByteSpan s;
    EXPECT_FALSE(r.bytes(2, s));
    EXPECT_TRUE(r.bytes(1, s));
    EXPECT_EQ(s[0], 0x07);
    EXPECT_TRUE(r.empty());
}

TEST(ByteWriter, WritesBigEndian) {
    Bytes out;
    ByteWriter w(out);
    w.u8(0xaa);
    w.be16(0x0102);
    w.be32(0x03040506);
    w.be64(0x0708090a0b0c0d0eULL);
    EXPECT_EQ(to_hex(out), "aa01020304050607"
                           "08090a0b0c0d0e");
}

} // namespace vp
