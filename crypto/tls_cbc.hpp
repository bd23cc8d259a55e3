// Constant-time pieces of TLS 1.2 CBC (MAC-then-encrypt) record opening, used by
// crypto/tls_record_engine.cpp (which explains the whole scheme) and checked exhaustively
// against byte-wise reference versions by tests/unit/crypto/tls_cbc_test.cpp. No branch and no
// memory index depends on the padding (except inside one 64-byte aligned line).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace vp::crypto {

// Constant-time helpers: all-ones or zero masks, no branches on their arguments.
inline uint32_t ct_msb(uint32_t x) {
    return 0u - (x >> 31);
}
inline uint32_t ct_lt(uint32_t a, uint32_t b) { // a < b, both < 2^31
    return ct_msb(a - b);
}
inline uint32_t ct_is_zero(uint32_t x) {
    return ct_msb(~x & (x - 1));
}

// SHA-1/SHA-256 compression blocks an HMAC job with a precomputed key runs for m bytes.
inline uint32_t hmac_blocks(uint32_t m) {
    return (m + 8) / 64 + 1;
}

struct CbcPadding {
    uint32_t good;      // all-ones if the padding is well formed and leaves room for the MAC
    uint32_t plain_len; // bytes before the MAC (assuming no padding when it is bad)
};

// Reads the padding at the end of the decrypted body (len bytes, len >= mac + 1) in constant
// time: always the same bytes, only masks depend on the padding byte.
inline CbcPadding tls_cbc_padding(const uint8_t* body, uint32_t len, uint32_t mac) {
    const uint32_t pad = body[len - 1];
    uint32_t good = ~ct_lt(len, pad + 1 + mac);
    const uint32_t to_check = std::min<uint32_t>(256, len);
    uint32_t diff = 0;
    for (uint32_t i = 0; i < to_check; ++i) {
        const uint32_t in_pad = ~ct_lt(pad, i); // i <= pad
        diff |= in_pad & (pad ^ body[len - 1 - i]);
    }
    good &= ct_is_zero(diff);
    return {good, len - mac - (good & (pad + 1))};
}

// Whether body[plain_len, plain_len + mac) equals `computed`, visiting the same bytes (the
// last mac + 256 of the body, or all of it) whatever plain_len is.
inline uint32_t tls_cbc_mac_equal(const uint8_t* body, uint32_t len, uint32_t plain_len,
                                  uint32_t mac, const uint8_t* computed) {
    alignas(64) uint8_t line[64];
    std::memcpy(line, computed, mac);
    std::memset(line + mac, 0, sizeof line - mac);
    const uint32_t start = len > mac + 256 ? len - mac - 256 : 0;
    uint32_t diff = 0;
    for (uint32_t i = start; i < len; ++i) {
        const uint32_t off = i - plain_len; // wraps to a huge value before the MAC
        const uint32_t in_mac = ct_lt(off & 0x7fffffffu, mac) & ~ct_msb(off);
        diff |= in_mac & (body[i] ^ line[off & 63]);
    }
    return ct_is_zero(diff);
}

// Bytes of the dummy HMAC job that brings a record's compression-block count up to that of
// the longest plaintext the record could hold (len - mac bytes): d blocks short means a dummy of
// 64 * d + 1 bytes, d + 1 blocks (ipsec-mb refuses an empty HMAC, and 64 * d + 1 bytes cost the
// same blocks as 64 * d). So hmac_blocks(13 + plain_len) + hmac_blocks(dummy) is the same for
// every padding of a given record length.
inline uint32_t tls_cbc_dummy_hash_bytes(uint32_t len, uint32_t mac, uint32_t plain_len) {
    return 64 * (hmac_blocks(13 + len - mac) - hmac_blocks(13 + plain_len)) + 1;
}

} // namespace vp::crypto
