// crypto/tls_cbc.hpp: the constant-time CBC padding check, MAC comparison and compression-block
// equalisation against straightforward byte-wise references, over every padding length.
#include "crypto/tls_cbc.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

using namespace vp::crypto;

namespace {

// The obvious (branchy) padding check.
bool reference_padding_ok(const std::vector<uint8_t>& body, uint32_t mac) {
    const uint32_t pad = body.back();
    if (pad + 1 + mac > body.size()) return false;
    for (uint32_t i = 0; i <= pad; ++i)
        if (body[body.size() - 1 - i] != pad) return false;
    return true;
}

TEST(TlsCbc, PaddingMatchesReferenceForEveryPaddingByte) {
    std::mt19937 rng(7);
    for (uint32_t mac : {20u, 32u}) {
        for (uint32_t len : {32u, 48u, 64u, 272u, 288u, 320u, 1024u}) {
            for (uint32_t pad = 0; pad < 256; ++pad) {
                for (int corrupt = 0; corrupt < 3; ++corrupt) {
                    std::vector<uint8_t> body(len);
                    for (auto& b : body)
                        b = static_cast<uint8_t>(rng());
                    const uint32_t n = std::min(pad + 1, len);
                    for (uint32_t i = 0; i < n; ++i)
                        body[len - 1 - i] = static_cast<uint8_t>(pad);
                    if (corrupt == 1 && pad > 0) body[len - 1 - (1 + rng() % pad) % n] ^= 1;
                    if (corrupt == 2 && n < len) body[len - 1 - n] = static_cast<uint8_t>(pad);
                    const bool ok = reference_padding_ok(body, mac);
                    const CbcPadding got = tls_cbc_padding(body.data(), len, mac);
                    ASSERT_EQ(got.good, ok ? ~0u : 0u) << len << " " << pad << " " << corrupt;
                    ASSERT_EQ(got.plain_len, ok ? len - mac - pad - 1 : len - mac);
                }
            }
        }
    }
}

TEST(TlsCbc, MacComparisonFindsTheMacWhereverThePaddingPutIt) {
    std::mt19937 rng(9);
    for (uint32_t mac : {20u, 32u}) {
        for (uint32_t len : {48u, 304u, 1024u}) {
            for (uint32_t plain_len = len > mac + 256 ? len - mac - 256 : 0; plain_len + mac <= len;
                 ++plain_len) {
                std::vector<uint8_t> body(len);
                for (auto& b : body)
                    b = static_cast<uint8_t>(rng());
                uint8_t computed[32];
                std::memcpy(computed, body.data() + plain_len, mac);
                ASSERT_EQ(tls_cbc_mac_equal(body.data(), len, plain_len, mac, computed), ~0u);
                computed[rng() % mac] ^= 0x80;
                ASSERT_EQ(tls_cbc_mac_equal(body.data(), len, plain_len, mac, computed), 0u);
            }
        }
    }
}

TEST(TlsCbc, EveryPaddingCostsTheSameCompressionBlocks) {
    for (uint32_t mac : {20u, 32u}) {
        for (uint32_t len = 32; len <= 16384 + 1024; len += 16) {
            const uint32_t longest = len - mac;
            const uint32_t total = hmac_blocks(13 + longest) +
                                   hmac_blocks(tls_cbc_dummy_hash_bytes(len, mac, longest));
            for (uint32_t strip = 0; strip <= 256 && strip <= longest; ++strip) {
                const uint32_t plain = longest - strip;
                const uint32_t dummy = tls_cbc_dummy_hash_bytes(len, mac, plain);
                ASSERT_GE(dummy, 1u);
                ASSERT_LE(dummy, 6u * 64);
                ASSERT_EQ(hmac_blocks(13 + plain) + hmac_blocks(dummy), total)
                    << len << " " << strip;
            }
        }
    }
}

} // namespace
