#include "crypto/cipher.hpp"

#include <gtest/gtest.h>

namespace vp::crypto {

TEST(CipherNames, OpenVpnAndRouterOsNamesMapToTheSameCipher) {
    EXPECT_EQ(cipher_from_openvpn_name("AES-256-GCM"), Cipher::Aes256Gcm);
    EXPECT_EQ(cipher_from_openvpn_name("aes-128-cbc"), Cipher::Aes128Cbc);
    EXPECT_EQ(cipher_from_routeros_name("aes256-gcm"), Cipher::Aes256Gcm);
    EXPECT_EQ(cipher_from_routeros_name("null"), Cipher::None);
    EXPECT_FALSE(cipher_from_routeros_name("blowfish128"));
    EXPECT_EQ(openvpn_name(Cipher::ChaCha20Poly1305), "CHACHA20-POLY1305");
    EXPECT_EQ(routeros_name(Cipher::Aes192Cbc), "aes192-cbc");
    EXPECT_EQ(digest_from_name("SHA256"), Digest::Sha256);
    EXPECT_EQ(digest_from_name("sha1"), Digest::Sha1);
    EXPECT_EQ(digest_from_name("null"), Digest::None);
    EXPECT_EQ(digest_bytes(Digest::Sha512), 64u);
    EXPECT_EQ(key_bytes(Cipher::ChaCha20Poly1305), 32u);
}

} // namespace vp::crypto
