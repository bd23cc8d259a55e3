// SipHash-2-4. See siphash.hpp; the structure follows the paper's section 2.
#include "dataplane/tcp/siphash.hpp"

#include <bit>

namespace vp::tcp {

namespace {

uint64_t load_le64(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
        v |= uint64_t{p[i]} << (8 * i);
    return v;
}

struct SipState {
    uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }
    void compress(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

} // namespace

SipHashKey siphash_key(const uint8_t key[16]) {
    return {load_le64(key, 8), load_le64(key + 8, 8)};
}

uint64_t siphash24(const SipHashKey& key, const void* data, size_t len) {
    SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
               key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
    const uint8_t* p = static_cast<const uint8_t*>(data);
    size_t whole = len & ~size_t{7};
    for (size_t i = 0; i < whole; i += 8)
        s.compress(load_le64(p + i, 8));
    // The last word carries the remaining bytes and the length mod 256 in its top byte.
    s.compress(load_le64(p + whole, len - whole) | uint64_t{static_cast<uint8_t>(len)} << 56);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace vp::tcp
