// Published test vectors for the authentication hashes and keys: RFC 2759 section 9.2
// (MS-CHAPv2), RFC 3079 section 3.5.3 (MPPE keys, whose send/receive pair is the SSTP HLAK),
// RFC 2433 appendix B.2 (MS-CHAPv1), and a CHAP-MD5 value computed with Python's hashlib.
#include "control/ppp/chap_crypto.hpp"

#include <gtest/gtest.h>

namespace vp::ppp {
namespace {

template <size_t N>
std::string hex(const std::array<uint8_t, N>& a) {
    return hex_upper(a);
}

constexpr Challenge16 kAuthChallenge = {0x5B, 0x5D, 0x7C, 0x7D, 0x7B, 0x3F, 0x2F, 0x3E,
                                        0x3C, 0x2C, 0x60, 0x21, 0x32, 0x26, 0x26, 0x28};
constexpr Challenge16 kPeerChallenge = {0x21, 0x40, 0x23, 0x24, 0x25, 0x5E, 0x26, 0x2A,
                                        0x28, 0x29, 0x5F, 0x2B, 0x3A, 0x33, 0x7C, 0x7E};

TEST(ChapCrypto, LegacyProviderLoads) {
    auto status = legacy_crypto_status();
    EXPECT_TRUE(status) << (status ? "" : status.message());
}

TEST(ChapCrypto, Rfc2759Vectors) {
    auto chal = challenge_hash(kPeerChallenge, kAuthChallenge, "User");
    ASSERT_TRUE(chal);
    EXPECT_EQ(hex(*chal), "D02E4386BCE91226");
    auto hash = nt_password_hash("clientPass");
    ASSERT_TRUE(hash);
    EXPECT_EQ(hex(*hash), "44EBBA8D5312B8D611474411F56989AE");
    auto nt = mschapv2_nt_response(kAuthChallenge, kPeerChallenge, "User", "clientPass");
    ASSERT_TRUE(nt);
    EXPECT_EQ(hex(*nt), "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
    auto s =
        mschapv2_authenticator_response("clientPass", *nt, kPeerChallenge, kAuthChallenge, "User");
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
}

TEST(ChapCrypto, DomainIsStrippedForTheChallengeHash) {
    EXPECT_EQ(strip_domain("CORP\\User"), "User");
    EXPECT_EQ(strip_domain("User"), "User");
    auto plain = mschapv2_nt_response(kAuthChallenge, kPeerChallenge, "User", "clientPass");
    auto domain = mschapv2_nt_response(kAuthChallenge, kPeerChallenge, "CORP\\User", "clientPass");
    ASSERT_TRUE(plain && domain);
    EXPECT_EQ(*plain, *domain);
}

TEST(ChapCrypto, Rfc3079MppeKeysAndTheHlak) {
    auto nt = mschapv2_nt_response(kAuthChallenge, kPeerChallenge, "User", "clientPass");
    ASSERT_TRUE(nt);
    auto master = mppe_master_key("clientPass", *nt);
    ASSERT_TRUE(master);
    EXPECT_EQ(hex(*master), "FDECE3717A8C838CB388E527AE3CDD31");
    auto server_send = mppe_asymmetric_key(*master, true, true);
    auto server_receive = mppe_asymmetric_key(*master, false, true);
    auto client_send = mppe_asymmetric_key(*master, true, false);
    ASSERT_TRUE(server_send && server_receive && client_send);
    EXPECT_EQ(hex(*server_send), "8B7CDC149B993A1BA118CB153F56DCCB");    // K3
    EXPECT_EQ(hex(*server_receive), "D5F0E9521E3EA9589645E86051C82226"); // K2
    EXPECT_EQ(*client_send, *server_receive);
    auto hlak = mschapv2_hlak("clientPass", *nt);
    ASSERT_TRUE(hlak);
    EXPECT_EQ(hex(*hlak), "D5F0E9521E3EA9589645E86051C82226"
                          "8B7CDC149B993A1BA118CB153F56DCCB");
}

TEST(ChapCrypto, Rfc2433MsChapV1Vector) {
    const Challenge8 challenge = {0x10, 0x2D, 0xB5, 0xDF, 0x08, 0x5D, 0x30, 0x41};
    auto hash = nt_password_hash("MyPw");
    ASSERT_TRUE(hash);
    EXPECT_EQ(hex(*hash), "FC156AF7EDCD6C0EDDE3337D427F4EAC");
    auto nt = mschapv1_nt_response(challenge, "MyPw");
    ASSERT_TRUE(nt);
    EXPECT_EQ(hex(*nt), "4E9D3C8F9CFD385D5BF4D3246791956CA4C351AB409A3D61");
    auto hlak = mschapv1_hlak("MyPw", challenge);
    ASSERT_TRUE(hlak);
    EXPECT_TRUE(std::equal(hlak->begin(), hlak->begin() + 16, hlak->begin() + 16));
}

TEST(ChapCrypto, ChapMd5Vector) {
    uint8_t challenge[16];
    for (int i = 0; i < 16; ++i)
        challenge[i] = static_cast<uint8_t>(i);
    auto r = chap_md5_response(1, "secret", challenge);
    ASSERT_TRUE(r);
    // python3: hashlib.md5(bytes([1]) + b"secret" + bytes(range(16))).hexdigest()
    EXPECT_EQ(hex(*r), "740E86463BDA3A4D7017D6E0FBA0699D");
}

TEST(ChapCrypto, SecretsCompareByLengthAndValue) {
    EXPECT_TRUE(equal_secret(as_bytes("abc"), as_bytes("abc")));
    EXPECT_FALSE(equal_secret(as_bytes("abc"), as_bytes("abd")));
    EXPECT_FALSE(equal_secret(as_bytes("abc"), as_bytes("abcd")));
}

} // namespace
} // namespace vp::ppp
