// passwords_equal(): SHA-256 both, CRYPTO_memcmp the digests (see password.hpp).
#include "control/aaa/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>

namespace vp::aaa {

namespace {
std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> digest{};
    unsigned int length = 0;
    // EVP_Digest only fails on allocation failure; a zeroed digest then compares unequal to any
    // real one unless both fail, and `ok` below refuses that case.
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size())
        digest.fill(0);
    return digest;
}
} // namespace

bool passwords_equal(std::string_view offered, std::string_view stored) {
    auto a = sha256(offered);
    auto b = sha256(stored);
    static const std::array<unsigned char, 32> zero{};
    bool ok = CRYPTO_memcmp(b.data(), zero.data(), zero.size()) != 0;
    return (CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0) && ok;
}

} // namespace vp::aaa
