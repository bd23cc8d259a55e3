// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012) with a 64-bit
// output: the keyed hash behind SYN cookies, ISNs and timestamp offsets. Self-contained so that
// a worker hashes a flow without OpenSSL, allocation or a context object; the unit test checks
// it against the paper's vectors and against OpenSSL's EVP_MAC "SIPHASH".
#pragma once

#include <cstddef>
#include <cstdint>

namespace vp::tcp {

struct SipHashKey {
    uint64_t k0 = 0; // key bytes 0..7, little-endian
    uint64_t k1 = 0; // key bytes 8..15, little-endian
};

SipHashKey siphash_key(const uint8_t key[16]);

// The 8-byte tag read as a little-endian integer (as the paper's reference code returns it).
uint64_t siphash24(const SipHashKey& key, const void* data, size_t len);

} // namespace vp::tcp
