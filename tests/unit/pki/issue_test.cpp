// Issuance: the certificates signing produces, checked with OpenSSL's own verifier and parsers,
// and the checks that refuse an issuer that cannot sign.
#include "pki/issue.hpp"

#include "pki_test_util.hpp"

#include <gtest/gtest.h>

#include <set>

namespace vp::pki {
namespace {

using testing::kNow;
using testing::make_template;
using testing::verify_with;

struct Ca {
    EvpPkeyPtr key;
    X509Ptr cert;
};

Ca make_ca(KeySpec spec = {KeyType::Ec, 256}, std::vector<std::string> args = {}) {
    if (args.empty()) args = {"name=ca", "common-name=Test CA", "key-usage=key-cert-sign,crl-sign"};
    auto t = make_template(args);
    t.key = spec;
    auto key = generate_key(spec);
    EXPECT_TRUE(key.ok());
    auto cert = issue_certificate(t, key->get(), nullptr, kNow);
    EXPECT_TRUE(cert.ok()) << (cert ? "" : cert.message());
    return {std::move(*key), std::move(*cert)};
}

X509StorePtr store_with(X509* ca) {
    X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca);
    return store;
}

TEST(Issue, SelfSignedCa) {
    Ca ca = make_ca({KeyType::Rsa, 2048});
    X509* c = ca.cert.get();
    EXPECT_TRUE(is_self_signed(c));
    EXPECT_TRUE(is_ca(c));
    EXPECT_EQ(X509_get_version(c), X509_VERSION_3);
    EXPECT_EQ(key_usage_of(c), uint32_t(KuKeyCertSign | KuCrlSign));
    EXPECT_EQ(common_name(c), "Test CA");
    auto spec = key_spec_of(X509_get0_pubkey(c));
    ASSERT_TRUE(spec);
    EXPECT_EQ(spec->type, KeyType::Rsa);
    EXPECT_EQ(spec->bits, 2048);
    EXPECT_NE(X509_get0_subject_key_id(c), nullptr);
    EXPECT_NE(X509_get0_authority_key_id(c), nullptr);
    auto store = store_with(c);
    EXPECT_EQ(verify_with(store.get(), c, kNow), X509_V_OK);
}

TEST(Issue, ServerCertificate) {
    Ca ca = make_ca();
    auto t = make_template({"name=server", "common-name=vpn.example.com",
                            "subject-alt-name=DNS:vpn.example.com,IP:192.0.2.1",
                            "key-usage=tls-server", "days-valid=30"});
    auto key = generate_key(t.key);
    ASSERT_TRUE(key.ok());
    Issuer issuer{"ca", ca.cert.get(), ca.key.get(), ""};
    auto cert = issue_certificate(t, key->get(), &issuer, kNow);
    ASSERT_TRUE(cert.ok()) << cert.message();
    X509* c = cert->get();
    EXPECT_FALSE(is_ca(c));
    EXPECT_EQ(key_usage_of(c), uint32_t(KuDigitalSignature | KuKeyEncipherment | EkuTlsServer));
    auto sans = subject_alt_names_of(c);
    ASSERT_EQ(sans.size(), 2u);
    EXPECT_EQ(sans[0].value, "vpn.example.com");
    EXPECT_EQ(sans[1].kind, SubjectAltName::Kind::Ip);
    EXPECT_EQ(sans[1].value, "192.0.2.1");
    // Validity: backdated by an hour, days-valid after now.
    EXPECT_EQ(to_time_t(X509_get0_notBefore(c)), kNow - kBackdateSeconds);
    EXPECT_EQ(to_time_t(X509_get0_notAfter(c)), kNow + 30 * 86400);
    EXPECT_TRUE(crl_distribution_points(c).empty());
    auto store = store_with(ca.cert.get());
    EXPECT_EQ(verify_with(store.get(), c, kNow, {}, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    // A server certificate is not a client certificate.
    EXPECT_EQ(verify_with(store.get(), c, kNow, {}, X509_PURPOSE_SSL_CLIENT),
              X509_V_ERR_INVALID_PURPOSE);
    EXPECT_EQ(X509_check_host(c, "vpn.example.com", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(c, "192.0.2.1", 0), 1);
    // Expired after days-valid.
    EXPECT_EQ(verify_with(store.get(), c, kNow + 31 * 86400), X509_V_ERR_CERT_HAS_EXPIRED);
}

TEST(Issue, ServerWithoutSanGetsOneFromItsHostName) {
    Ca ca = make_ca();
    Issuer issuer{"ca", ca.cert.get(), ca.key.get(), ""};
    auto t = make_template({"name=s", "common-name=vpn.example.com", "key-usage=tls-server"});
    t.key = {KeyType::Ec, 256};
    auto key = generate_key(t.key);
    auto cert = issue_certificate(t, key->get(), &issuer, kNow);
    ASSERT_TRUE(cert.ok());
    auto sans = subject_alt_names_of(cert->get());
    ASSERT_EQ(sans.size(), 1u);
    EXPECT_EQ(sans[0].value, "vpn.example.com");
    // A client certificate's CN is a user name, not a host: no SAN.
    auto c = make_template({"name=c", "common-name=alice", "key-usage=tls-client"});
    c.key = {KeyType::Ec, 256};
    auto ckey = generate_key(c.key);
    auto client = issue_certificate(c, ckey->get(), &issuer, kNow);
    ASSERT_TRUE(client.ok());
    EXPECT_TRUE(subject_alt_names_of(client->get()).empty());
    EXPECT_EQ(key_usage_of(client->get()), uint32_t(KuDigitalSignature | EkuTlsClient));
}

TEST(Issue, SerialsAreRandomAndPositive) {
    Ca ca = make_ca();
    Issuer issuer{"ca", ca.cert.get(), ca.key.get(), ""};
    auto t = make_template({"name=c", "key-usage=tls-client"});
    t.key = {KeyType::Ec, 256};
    auto key = generate_key(t.key);
    std::set<std::string> serials;
    for (int i = 0; i < 16; ++i) {
        auto cert = issue_certificate(t, key->get(), &issuer, kNow);
        ASSERT_TRUE(cert.ok());
        const ASN1_INTEGER* serial = X509_get0_serialNumber(cert->get());
        EXPECT_NE(ASN1_STRING_type(serial), V_ASN1_NEG_INTEGER);
        EXPECT_LE(ASN1_STRING_length(serial), 20);
        serials.insert(serial_hex(serial));
    }
    EXPECT_EQ(serials.size(), 16u);
}

TEST(Issue, CrlDistributionPointWhenTheIssuerHasOne) {
    Ca ca = make_ca();
    Issuer issuer{"ca", ca.cert.get(), ca.key.get(), "http://crl.example.com/crl/ca.crl"};
    auto t = make_template({"name=s", "key-usage=tls-server"});
    t.key = {KeyType::Ec, 256};
    auto key = generate_key(t.key);
    auto cert = issue_certificate(t, key->get(), &issuer, kNow);
    ASSERT_TRUE(cert.ok()) << cert.message();
    auto points = crl_distribution_points(cert->get());
    ASSERT_EQ(points.size(), 1u);
    EXPECT_EQ(points[0], "http://crl.example.com/crl/ca.crl");
}

TEST(Issue, RefusesIssuersThatCannotSign) {
    Ca ca = make_ca();
    auto t = make_template({"name=leaf", "key-usage=tls-client"});
    t.key = {KeyType::Ec, 256};
    auto key = generate_key(t.key);

    // A leaf is not a CA.
    Issuer ca_issuer{"ca", ca.cert.get(), ca.key.get(), ""};
    auto leaf = issue_certificate(t, key->get(), &ca_issuer, kNow);
    ASSERT_TRUE(leaf.ok());
    Issuer leaf_issuer{"leaf", leaf->get(), key->get(), ""};
    auto r1 = issue_certificate(t, key->get(), &leaf_issuer, kNow);
    ASSERT_FALSE(r1.ok());
    EXPECT_NE(r1.message().find("is not a CA"), std::string::npos);

    // A CA whose key usage lacks key-cert-sign: build one by hand (resolve_key_usage would make
    // key-cert-sign a CA; this one is CA:TRUE with only crl-sign).
    Ca odd = make_ca({KeyType::Ec, 256}, {"name=odd", "key-usage=crl-sign"});
    X509_EXTENSION* bc =
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
    X509_EXTENSION_free(X509_delete_ext(
        odd.cert.get(), X509_get_ext_by_NID(odd.cert.get(), NID_basic_constraints, -1)));
    X509_add_ext(odd.cert.get(), bc, -1);
    X509_EXTENSION_free(bc);
    X509_sign(odd.cert.get(), odd.key.get(), EVP_sha256());
    odd.cert = certificate_from_pem(to_pem(odd.cert.get())).value(); // drop cached flags
    Issuer odd_issuer{"odd", odd.cert.get(), odd.key.get(), ""};
    auto r2 = issue_certificate(t, key->get(), &odd_issuer, kNow);
    ASSERT_FALSE(r2.ok());
    EXPECT_NE(r2.message().find("lacks key-cert-sign"), std::string::npos) << r2.message();

    // An expired CA.
    auto r3 = issue_certificate(t, key->get(), &ca_issuer, kNow + 366 * 86400);
    ASSERT_FALSE(r3.ok());
    EXPECT_NE(r3.message().find("expired on"), std::string::npos) << r3.message();

    // No private key, or the wrong one.
    Issuer no_key{"ca", ca.cert.get(), nullptr, ""};
    EXPECT_NE(issue_certificate(t, key->get(), &no_key, kNow).message().find("no private key"),
              std::string::npos);
    Issuer wrong_key{"ca", ca.cert.get(), key->get(), ""};
    EXPECT_NE(issue_certificate(t, key->get(), &wrong_key, kNow).message().find("does not match"),
              std::string::npos);
}

TEST(Issue, Rsa3072AndP384) {
    for (KeySpec spec : {KeySpec{KeyType::Rsa, 3072}, KeySpec{KeyType::Ec, 384}}) {
        auto key = generate_key(spec);
        ASSERT_TRUE(key.ok());
        auto got = key_spec_of(key->get());
        ASSERT_TRUE(got);
        EXPECT_EQ(got->type, spec.type);
        EXPECT_EQ(got->bits, spec.bits);
    }
}

} // namespace
} // namespace vp::pki
