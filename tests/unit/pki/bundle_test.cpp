// Import parsing and export: PEM, DER, PKCS#12 (modern and legacy) round trips, and wrong or
// missing passphrases refused with messages that say so.
#include "pki/bundle.hpp"

#include "pki/issue.hpp"
#include "pki_test_util.hpp"

#include <gtest/gtest.h>

#include <random>

namespace vp::pki {
namespace {

using testing::kNow;
using testing::make_template;

std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

struct Pair {
    EvpPkeyPtr ca_key;
    X509Ptr ca;
    EvpPkeyPtr key;
    X509Ptr cert;
};

Pair make_pair() {
    Pair p;
    auto ca_t = make_template({"name=ca", "key-size=prime256v1"});
    p.ca_key = generate_key(ca_t.key).value();
    p.ca = issue_certificate(ca_t, p.ca_key.get(), nullptr, kNow).value();
    auto t = make_template({"name=c", "common-name=alice", "key-usage=tls-client"}); // RSA
    p.key = generate_key(t.key).value();
    Issuer issuer{"ca", p.ca.get(), p.ca_key.get(), ""};
    p.cert = issue_certificate(t, p.key.get(), &issuer, kNow).value();
    return p;
}

class BundleTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { pair_ = new Pair(make_pair()); }
    static void TearDownTestSuite() { delete pair_; }
    static Pair* pair_;
};
Pair* BundleTest::pair_ = nullptr;

TEST_F(BundleTest, PemWithCertificatesAndKey) {
    std::string pem = "junk before\n" + to_pem(pair_->cert.get()) + to_pem(pair_->ca.get()) +
                      private_key_to_pem(pair_->key.get());
    auto b = parse_bundle(bytes(pem), "");
    ASSERT_TRUE(b.ok()) << b.message();
    EXPECT_EQ(b->format, BundleFormat::Pem);
    ASSERT_EQ(b->certificates.size(), 2u);
    ASSERT_EQ(b->private_keys.size(), 1u);
    EXPECT_EQ(X509_cmp(b->certificates[0].get(), pair_->cert.get()), 0);
    EXPECT_TRUE(public_keys_match(pair_->cert.get(), b->private_keys[0].get()));
}

TEST_F(BundleTest, EncryptedPemKey) {
    auto enc = private_key_to_encrypted_pem(pair_->key.get(), "correct horse");
    ASSERT_TRUE(enc.ok());
    EXPECT_NE(enc->find("BEGIN ENCRYPTED PRIVATE KEY"), std::string::npos);
    auto ok = parse_bundle(bytes(*enc), "correct horse");
    ASSERT_TRUE(ok.ok()) << ok.message();
    EXPECT_TRUE(public_keys_match(pair_->cert.get(), ok->private_keys[0].get()));
    auto wrong = parse_bundle(bytes(*enc), "wrong horse");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.message(), "wrong passphrase for the private key");
    auto missing = parse_bundle(bytes(*enc), "");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message().find("give passphrase="), std::string::npos);
}

TEST_F(BundleTest, DerCertificateAndKey) {
    auto der = to_der(pair_->cert.get());
    auto b = parse_bundle(der, "");
    ASSERT_TRUE(b.ok()) << b.message();
    EXPECT_EQ(b->format, BundleFormat::Der);
    ASSERT_EQ(b->certificates.size(), 1u);
    EXPECT_EQ(X509_cmp(b->certificates[0].get(), pair_->cert.get()), 0);

    unsigned char* kder = nullptr;
    int klen = i2d_PrivateKey(pair_->key.get(), &kder);
    ASSERT_GT(klen, 0);
    std::vector<uint8_t> key_der(kder, kder + klen);
    OPENSSL_free(kder);
    auto k = parse_bundle(key_der, "");
    ASSERT_TRUE(k.ok()) << k.message();
    ASSERT_EQ(k->private_keys.size(), 1u);
}

TEST_F(BundleTest, Pkcs12ModernRoundTrip) {
    std::vector<X509Ptr> chain;
    chain.push_back(up_ref(pair_->ca.get()));
    auto p12 = export_pkcs12(pair_->cert.get(), pair_->key.get(), chain, "client", "12345678",
                             Pkcs12Encryption::Modern);
    ASSERT_TRUE(p12.ok()) << p12.message();
    auto b = parse_bundle(*p12, "12345678");
    ASSERT_TRUE(b.ok()) << b.message();
    EXPECT_EQ(b->format, BundleFormat::Pkcs12);
    ASSERT_EQ(b->certificates.size(), 2u);
    EXPECT_EQ(X509_cmp(b->certificates[0].get(), pair_->cert.get()), 0); // leaf first
    EXPECT_EQ(X509_cmp(b->certificates[1].get(), pair_->ca.get()), 0);
    ASSERT_EQ(b->private_keys.size(), 1u);
    EXPECT_TRUE(public_keys_match(pair_->cert.get(), b->private_keys[0].get()));

    auto wrong = parse_bundle(*p12, "87654321");
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.message(), "wrong passphrase for the PKCS#12 file");
    auto none = parse_bundle(*p12, "");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.message().find("give passphrase="), std::string::npos);
}

TEST_F(BundleTest, Pkcs12LegacyRoundTrip) {
    auto p12 = export_pkcs12(pair_->cert.get(), pair_->key.get(), {}, "client", "legacy-pass",
                             Pkcs12Encryption::Legacy);
    ASSERT_TRUE(p12.ok()) << p12.message();
    auto b = parse_bundle(*p12, "legacy-pass");
    ASSERT_TRUE(b.ok()) << b.message();
    ASSERT_EQ(b->certificates.size(), 1u);
    ASSERT_EQ(b->private_keys.size(), 1u);
    EXPECT_FALSE(parse_bundle(*p12, "legacy-pas").ok());
}

TEST_F(BundleTest, Pkcs12NeedsEightCharacters) {
    auto p12 = export_pkcs12(pair_->cert.get(), pair_->key.get(), {}, "c", "1234567",
                             Pkcs12Encryption::Modern);
    ASSERT_FALSE(p12.ok());
    EXPECT_NE(p12.message().find("at least 8"), std::string::npos);
}

// Operators import files from anywhere: damaged input must give an error, never a crash or a
// read past the buffer (run under ASan/UBSan in CI). Deterministic mutations of valid files.
TEST_F(BundleTest, MutatedInputNeverCrashes) {
    std::vector<std::vector<uint8_t>> seeds;
    // Encrypted keys are left out: a mutated PBKDF2 iteration count makes one attempt take
    // seconds (a cost OpenSSL does not bound; acceptable for an operator's import).
    std::string pem = to_pem(pair_->cert.get()) + private_key_to_pem(pair_->key.get());
    seeds.emplace_back(pem.begin(), pem.end());
    seeds.push_back(to_der(pair_->cert.get()));
    seeds.push_back(export_pkcs12(pair_->cert.get(), pair_->key.get(), {}, "c", "12345678",
                                  Pkcs12Encryption::Legacy)
                        .value());
    std::mt19937 rng(12345);
    int parsed = 0;
    for (size_t s = 0; s < seeds.size(); ++s) {
        // PKCS#12 MACs and OpenSSL 3's key decoders (tried on DER) are slow per attempt.
        const int rounds = s == 0 ? 400 : s == 1 ? 150 : 20;
        for (int i = 0; i < rounds; ++i) {
            std::vector<uint8_t> data = seeds[s];
            if (rng() % 8 == 0) data.resize(rng() % data.size());
            int flips = 1 + static_cast<int>(rng() % 4);
            for (int f = 0; f < flips && !data.empty(); ++f)
                data[rng() % data.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
            auto b = parse_bundle(data, "12345678");
            if (b) {
                ++parsed;
                EXPECT_FALSE(b->certificates.empty() && b->private_keys.empty());
            } else {
                EXPECT_FALSE(b.message().empty());
            }
        }
    }
    EXPECT_GT(parsed, 0); // some mutations hit bytes that do not matter (PEM junk, padding)
}

TEST(Bundle, GarbageIsRefused) {
    EXPECT_FALSE(parse_bundle(bytes(""), "").ok());
    auto g = parse_bundle(bytes("hello world, not a certificate"), "");
    ASSERT_FALSE(g.ok());
    EXPECT_NE(g.message().find("not a PEM, DER or PKCS#12"), std::string::npos);
    EXPECT_FALSE(
        parse_bundle(bytes("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"), "")
            .ok());
    std::vector<uint8_t> der = {0x30, 0x03, 0x02, 0x01, 0x03};
    EXPECT_FALSE(parse_bundle(der, "").ok());
}

} // namespace
} // namespace vp::pki
