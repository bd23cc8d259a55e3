// The word-at-a-time PKCS#7 check and constant-time comparison agree with plain byte-wise
// reference versions, for every pad byte value and many block contents.
#include "crypto/padding.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

namespace vp::crypto {
namespace {

uint32_t reference_pad_length(const uint8_t* body, uint32_t len) {
    const uint32_t pad = body[len - 1];
    if (pad == 0 || pad > 16) return 0;
    for (uint32_t i = 0; i < pad; ++i)
        if (body[len - 1 - i] != pad) return 0;
    return pad;
}

TEST(Pkcs7, AgreesWithByteWiseReference) {
    std::mt19937 rng(1);
    std::vector<uint8_t> body(48);
    uint64_t valid = 0;
    for (uint32_t pad = 0; pad < 256; ++pad) {
        for (int trial = 0; trial < 200; ++trial) {
            for (auto& b : body)
                b = static_cast<uint8_t>(rng());
            // Mostly well-formed padding with the occasional wrong byte somewhere inside it,
            // so both outcomes are exercised for every pad value.
            const uint32_t fill = std::min<uint32_t>(pad, 16);
            for (uint32_t i = 0; i < fill; ++i)
                body[body.size() - 1 - i] = static_cast<uint8_t>(pad);
            if (trial % 3 == 0 && fill > 1)
                body[body.size() - 1 - (rng() % (fill - 1) + 1)] ^=
                    static_cast<uint8_t>(1u << (rng() % 8));
            if (trial % 7 == 0) body[body.size() - 1 - fill] = static_cast<uint8_t>(pad);
            const auto len = static_cast<uint32_t>(body.size());
            const uint32_t expect = reference_pad_length(body.data(), len);
            ASSERT_EQ(pkcs7_pad_length(body.data(), len), expect) << "pad " << pad;
            valid += expect != 0;
        }
    }
    EXPECT_GT(valid, 16u * 100);
}

TEST(EqualCt, AgreesWithMemcmpForEveryTagLength) {
    std::mt19937 rng(2);
    for (uint32_t n : {0u, 1u, 7u, 8u, 12u, 16u, 20u, 32u, 48u, 64u}) {
        for (int trial = 0; trial < 500; ++trial) {
            std::vector<uint8_t> a(n + 1), b;
            for (auto& x : a)
                x = static_cast<uint8_t>(rng());
            b = a;
            if (n > 0 && trial % 2) b[rng() % n] ^= static_cast<uint8_t>(1u << (rng() % 8));
            b[n] ^= 0xff; // a difference past n never counts
            ASSERT_EQ(equal_ct(a.data(), b.data(), n), std::memcmp(a.data(), b.data(), n) == 0)
                << n;
        }
    }
}

} // namespace
} // namespace vp::crypto
