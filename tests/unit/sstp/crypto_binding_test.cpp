// control/sstp/crypto_binding: the CMK vector of sstp-ppp.md, the Compound MAC round trip, and
// each check of a received Call Connected failing on its own.
#include "control/sstp/crypto_binding.hpp"

#include "tests/unit/sstp/hex.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <string>

namespace vp::sstp {
namespace {

using test::hex;

// RFC 3079 3.5.3 (user "User", password "clientPass"): K2 (Magic2, server receive) then K3.
Hlak rfc3079_hlak() {
    Bytes k = hex("D5F0E9521E3EA9589645E86051C82226"
                  "8B7CDC149B993A1BA118CB153F56DCCB");
    Hlak h{};
    std::copy(k.begin(), k.end(), h.begin());
    return h;
}

TEST(SstpCryptoBinding, CmkSha256MatchesTheVector) {
    auto cmk = derive_cmk(HashProtocol::Sha256, rfc3079_hlak());
    ASSERT_TRUE(cmk.ok()) << cmk.message();
    EXPECT_EQ(Bytes(cmk->begin(), cmk->end()),
              hex("150707E682B16F4CA9430560C562894AFD10050DB4182D35C3E9E06284445271"));
}

TEST(SstpCryptoBinding, CmkSha1IsTwentyBytesZeroPadded) {
    auto cmk1 = derive_cmk(HashProtocol::Sha1, rfc3079_hlak());
    auto cmk256 = derive_cmk(HashProtocol::Sha256, rfc3079_hlak());
    ASSERT_TRUE(cmk1.ok() && cmk256.ok());
    EXPECT_EQ(Bytes(cmk1->begin() + 20, cmk1->end()), Bytes(12, 0));
    // LEN differs (14 00 vs 20 00), so the first 20 bytes differ from a truncated SHA256 CMK
    EXPECT_NE(Bytes(cmk1->begin(), cmk1->begin() + 20),
              Bytes(cmk256->begin(), cmk256->begin() + 20));
}

TEST(SstpCryptoBinding, CertHashesAreTheDigestsOfTheDer) {
    const std::string abc = "abc"; // FIPS 180 example input
    auto h = cert_hashes(ByteSpan(reinterpret_cast<const uint8_t*>(abc.data()), abc.size()));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(Bytes(h->sha1.begin(), h->sha1.begin() + 20),
              hex("A9993E364706816ABA3E25717850C26C9CD0D89D"));
    EXPECT_EQ(Bytes(h->sha256.begin(), h->sha256.end()),
              hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
}

struct Fixture {
    BindingExpectation expect;
    Hlak hlak = rfc3079_hlak();

    Fixture() {
        for (size_t i = 0; i < kNonceBytes; ++i)
            expect.nonce[i] = static_cast<uint8_t>(0x55 ^ i);
        const Bytes der = hex("3082010a0282010100c0ffee");
        expect.cert = *cert_hashes(der);
    }
    Bytes call_connected(HashProtocol h) const {
        Bytes cc = build_call_connected_unsigned(h, expect.nonce, expect.cert.for_protocol(h));
        EXPECT_TRUE(sign_call_connected(cc, hlak).ok());
        return cc;
    }
};

TEST(SstpCryptoBinding, SignedCallConnectedVerifies) {
    Fixture f;
    EXPECT_EQ(verify_call_connected(f.call_connected(HashProtocol::Sha256), f.expect, f.hlak),
              BindingCheck::Ok);
    EXPECT_EQ(verify_call_connected(f.call_connected(HashProtocol::Sha1), f.expect, f.hlak),
              BindingCheck::Ok);
}

TEST(SstpCryptoBinding, MacIsOverThePacketWithTheMacFieldZeroed) {
    Fixture f;
    Bytes cc = f.call_connected(HashProtocol::Sha256);
    // recompute independently with EVP_Q_mac over the zeroed packet
    Bytes zeroed = cc;
    std::fill(zeroed.begin() + kCallConnectedMacOffset, zeroed.end(), 0);
    auto cmk = derive_cmk(HashProtocol::Sha256, f.hlak);
    uint8_t mac[32];
    size_t len = 0;
    ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, cmk->data(), 32, zeroed.data(),
                        zeroed.size(), mac, sizeof mac, &len),
              nullptr);
    EXPECT_EQ(Bytes(cc.begin() + kCallConnectedMacOffset, cc.end()), Bytes(mac, mac + 32));
}

TEST(SstpCryptoBinding, EachCheckRejectsOnItsOwn) {
    Fixture f;
    const Bytes good = f.call_connected(HashProtocol::Sha256);

    Bytes wrong_nonce = good;
    wrong_nonce[16] ^= 1;
    EXPECT_EQ(verify_call_connected(wrong_nonce, f.expect, f.hlak), BindingCheck::NonceMismatch);

    Bytes wrong_cert = good;
    wrong_cert[48 + 31] ^= 1;
    EXPECT_EQ(verify_call_connected(wrong_cert, f.expect, f.hlak), BindingCheck::CertHashMismatch);

    Bytes wrong_mac = good;
    wrong_mac[111] ^= 1;
    EXPECT_EQ(verify_call_connected(wrong_mac, f.expect, f.hlak), BindingCheck::MacMismatch);

    Hlak zeros{}; // PAP keys on one side, MS-CHAPv2 on the other
    EXPECT_EQ(verify_call_connected(good, f.expect, zeros), BindingCheck::MacMismatch);

    BindingExpectation sha1_only = f.expect;
    sha1_only.hash_bitmask = kHashBitmaskSha1;
    EXPECT_EQ(verify_call_connected(good, sha1_only, f.hlak), BindingCheck::HashNotOffered);

    EXPECT_EQ(verify_call_connected(ByteSpan(good).first(111), f.expect, f.hlak),
              BindingCheck::Malformed);
    Bytes not_cc = good;
    not_cc[5] = 2; // message type Ack
    EXPECT_EQ(verify_call_connected(not_cc, f.expect, f.hlak), BindingCheck::Malformed);
}

TEST(SstpCryptoBinding, Sha1ComparesOnlyTwentyBytes) {
    Fixture f;
    Bytes cc = f.call_connected(HashProtocol::Sha1);
    cc[48 + 25] ^= 0xFF; // cert hash padding
    EXPECT_EQ(verify_call_connected(cc, f.expect, f.hlak), BindingCheck::MacMismatch)
        << "the padding is covered by the MAC though";
    EXPECT_TRUE(sign_call_connected(cc, f.hlak).ok());
    EXPECT_EQ(verify_call_connected(cc, f.expect, f.hlak), BindingCheck::Ok);
    cc[48 + 19] ^= 0xFF; // last byte of the SHA1 hash itself
    EXPECT_TRUE(sign_call_connected(cc, f.hlak).ok());
    EXPECT_EQ(verify_call_connected(cc, f.expect, f.hlak), BindingCheck::CertHashMismatch);
}

} // namespace
} // namespace vp::sstp
