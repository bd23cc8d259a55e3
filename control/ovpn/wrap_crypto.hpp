// The two primitives control-channel wrapping needs, over OpenSSL's EVP: a keyed HMAC over
// several pieces, and AES-256-CTR. (tls-auth: HMAC; tls-crypt and tls-crypt-v2: HMAC-SHA256 as
// synthetic IV + AES-256-CTR.)
#pragma once

#include "base/bytes.hpp"

#include <initializer_list>
#include <openssl/crypto.h>

namespace vp::ovpn {

// HMAC-`digest` ("SHA1", "SHA256", ...) over the concatenation of `parts`. Returns false when
// OpenSSL fails (unknown digest); `out` must hold the digest size.
bool hmac(const char* digest, ByteSpan key, std::initializer_list<ByteSpan> parts, uint8_t* out);

// AES-256-CTR with a 16-byte IV; `out` must hold in.size() bytes (may equal `in`).
bool aes256_ctr(ByteSpan key32, const uint8_t* iv16, ByteSpan in, uint8_t* out);

// Constant-time comparison.
inline bool equal_secret(const uint8_t* a, const uint8_t* b, size_t n) {
    return CRYPTO_memcmp(a, b, n) == 0;
}

} // namespace vp::ovpn
