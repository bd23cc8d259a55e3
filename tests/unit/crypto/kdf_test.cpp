#include "crypto/kdf.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vp::crypto {
namespace {

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// TLS 1.2 PRF (SHA-256) test vector published on the IETF TLS list (also used by OpenSSL's
// evp_kdf tests): secret 9bbe436ba940f017b17652849a71db35, label "test label".
TEST(TlsPrf, Sha256KnownAnswer) {
    auto secret = from_hex("9bbe436ba940f017b17652849a71db35");
    auto seed = from_hex("a0ba9f936cda311827a6f796ffd5198c");
    auto out = tls_prf(PrfHash::Sha256, secret, "test label", seed, 100);
    ASSERT_TRUE(out.ok()) << out.message();
    EXPECT_EQ(to_hex(*out),
              "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a4"
              "6b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d1"
              "22ee42c5a72e5a5110fff70187347b66");
}

// RFC 8448 §3: client_handshake_traffic_secret -> client write key (16 bytes).
TEST(HkdfExpandLabel, Rfc8448ClientHandshakeKey) {
    auto secret = from_hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    auto key = hkdf_expand_label("SHA256", secret, "key", {}, 16);
    ASSERT_TRUE(key.ok()) << key.message();
    EXPECT_EQ(to_hex(*key), "dbfaa693d1762c5b666af5d950258d01");
    auto iv = hkdf_expand_label("SHA256", secret, "iv", {}, 12);
    ASSERT_TRUE(iv.ok());
    EXPECT_EQ(to_hex(*iv), "5bd3c71b836e0b76bb73265f");
}

TEST(TlsPrf, Md5Sha1ProducesRequestedLengthAndDependsOnAllInputs) {
    Bytes secret(48, 0x11), seed(32, 0x22);
    auto a = tls_prf(PrfHash::Md5Sha1, secret, "OpenVPN master secret", seed, 48);
    auto b = tls_prf(PrfHash::Md5Sha1, secret, "OpenVPN master secreT", seed, 48);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->size(), 48u);
    EXPECT_NE(*a, *b);
}

} // namespace
} // namespace vp::crypto
