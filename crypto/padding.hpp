// PKCS#7 padding check for CBC open and a constant-time comparison of tags/HMACs, both
// branch-free in the secret bytes. Used per packet by CryptoEngine.
//
// Why not CRYPTO_memcmp and a byte loop: on a burst of 64-byte CBC+HMAC-SHA1 packets the byte
// loops (CRYPTO_memcmp behind a PLT call, then a 16-step padding loop) took about a quarter as
// much time as ipsec-mb itself (perf, perf/crypto/crypto_bench.cpp); comparing 8 or 16 bytes at a
// time removes most of it. tests/unit/crypto/padding_test.cpp checks both against byte-wise
// reference versions.
#pragma once

#include <cstdint>
#include <cstring>

namespace vp::crypto {

// Length of the PKCS#7 padding at the end of `body` (len >= 16, a whole number of blocks), or 0
// if it is invalid: the last byte p must be 1..16 and the last p bytes must all equal p.
// Branch-free: the result doesn't leak where the padding went wrong (CBC with auth none has no
// HMAC in front of it, so a timing difference would be a padding oracle).
inline uint32_t pkcs7_pad_length(const uint8_t* body, uint32_t len) {
    const uint32_t pad = body[len - 1];
    const uint32_t out_of_range = static_cast<uint32_t>(pad == 0) | static_cast<uint32_t>(pad > 16);
    const uint32_t p = ((pad - 1) & 15) + 1; // == pad when in range, else anything in 1..16
    unsigned __int128 block;
    std::memcpy(&block, body + len - 16, 16);
    const uint64_t rep64 = 0x0101010101010101ull * pad;
    const unsigned __int128 rep = static_cast<unsigned __int128>(rep64) << 64 | rep64;
    // Little-endian: the block's last p bytes are the integer's top p bytes.
    const unsigned __int128 mask = ~static_cast<unsigned __int128>(0) << (8 * (16 - p));
    const uint32_t mismatch = static_cast<uint32_t>(((block ^ rep) & mask) != 0);
    return (out_of_range | mismatch) ? 0 : pad;
}

// a[0..n) == b[0..n), in time that depends only on n.
inline bool equal_ct(const uint8_t* a, const uint8_t* b, uint32_t n) {
    uint64_t diff = 0;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, y;
        std::memcpy(&x, a + i, 8);
        std::memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    for (; i < n; ++i)
        diff |= static_cast<uint64_t>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace vp::crypto
