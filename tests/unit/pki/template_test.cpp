// Templates: RouterOS property parsing, key-usage names and the defaults signing applies.
#include "pki/template.hpp"

#include "pki_test_util.hpp"

#include <gtest/gtest.h>

namespace vp::pki {
namespace {

Result<CertificateTemplate> parse(const std::vector<std::string>& args) {
    auto props = Properties::from_args(args);
    if (!props) return props.error();
    return template_from_properties(std::move(*props));
}

TEST(Template, SeedCaTemplate) {
    auto t = parse({"name=ca-template", "common-name=myCa", "days-valid=3650", "key-size=2048",
                    "key-usage=key-cert-sign,crl-sign"});
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_EQ(t->name, "ca-template");
    EXPECT_EQ(t->common_name, "myCa");
    EXPECT_EQ(t->days_valid, 3650);
    EXPECT_EQ(t->key.type, KeyType::Rsa);
    EXPECT_EQ(t->key.bits, 2048);
    EXPECT_EQ(t->key_usage, uint32_t(KuKeyCertSign | KuCrlSign));
}

TEST(Template, Defaults) {
    auto t = parse({"name=client-template"});
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_EQ(t->common_name, "client-template"); // the name when no common-name is given
    EXPECT_EQ(t->days_valid, 365);
    EXPECT_EQ(t->key.type, KeyType::Rsa);
    EXPECT_EQ(t->key.bits, 2048);
    EXPECT_EQ(t->key_usage, 0u);
    EXPECT_EQ(t->digest, "sha256");
}

TEST(Template, KeySizes) {
    EXPECT_EQ(parse({"name=a", "key-size=4096"})->key.bits, 4096);
    EXPECT_EQ(parse({"name=a", "key-size=3072"})->key.bits, 3072);
    auto ec = parse({"name=a", "key-size=prime256v1"});
    ASSERT_TRUE(ec.ok());
    EXPECT_EQ(ec->key.type, KeyType::Ec);
    EXPECT_EQ(ec->key.bits, 256);
    auto p384 = parse({"name=a", "key-type=ec", "key-size=secp384r1"});
    ASSERT_TRUE(p384.ok());
    EXPECT_EQ(p384->key.bits, 384);
    EXPECT_EQ(parse({"name=a", "key-type=ec"})->key.bits, 256);

    EXPECT_NE(parse({"name=a", "key-size=1024"}).message().find("shorter than 2048"),
              std::string::npos);
    EXPECT_FALSE(parse({"name=a", "key-size=1000"}).ok());
    EXPECT_NE(parse({"name=a", "key-type=ec", "key-size=2048"}).message().find("does not go with"),
              std::string::npos);
    EXPECT_FALSE(parse({"name=a", "key-type=dsa"}).ok());
}

TEST(Template, SubjectAltNames) {
    auto t = parse({"name=s", "subject-alt-name=DNS:vpn.example.com,IP:203.0.113.1,"
                              "IP:2001:db8::1,email:ops@example.com,DNS:*.example.com"});
    ASSERT_TRUE(t.ok()) << t.message();
    ASSERT_EQ(t->subject_alt_names.size(), 5u);
    EXPECT_EQ(t->subject_alt_names[1].kind, SubjectAltName::Kind::Ip);
    EXPECT_EQ(t->subject_alt_names[2].value, "2001:db8::1");
    EXPECT_EQ(subject_alt_names_text(t->subject_alt_names),
              "DNS:vpn.example.com,IP:203.0.113.1,IP:2001:db8::1,email:ops@example.com,"
              "DNS:*.example.com");
    EXPECT_FALSE(parse({"name=s", "subject-alt-name=vpn.example.com"}).ok()); // no prefix
    EXPECT_FALSE(parse({"name=s", "subject-alt-name=IP:300.1.1.1"}).ok());
    EXPECT_FALSE(parse({"name=s", "subject-alt-name=DNS:bad name"}).ok());
    EXPECT_FALSE(parse({"name=s", "subject-alt-name=URI:http://x"}).ok());
}

TEST(Template, KeyUsageNamesRoundTrip) {
    auto bits = parse_key_usage("digital-signature,key-encipherment,tls-server,tls-client");
    ASSERT_TRUE(bits.ok());
    EXPECT_EQ(key_usage_names(*bits), "digital-signature,key-encipherment,tls-server,tls-client");
    auto bad = parse_key_usage("key-cert-sign,server");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("'server' is not one of"), std::string::npos);
}

TEST(Template, RejectsWhatCannotWork) {
    // An unknown property is an error, never silently ignored.
    auto typo = parse({"name=a", "days-vaild=10"});
    ASSERT_FALSE(typo.ok());
    EXPECT_NE(typo.message().find("days-vaild"), std::string::npos);
    EXPECT_FALSE(parse({"name=a", "name=b"}).ok());
    EXPECT_FALSE(parse({"common-name=x"}).ok()); // name is required
    EXPECT_FALSE(parse({"name=../etc"}).ok());   // names become file names
    EXPECT_FALSE(parse({"name=a", "days-valid=0"}).ok());
    EXPECT_FALSE(parse({"name=a", "country=LVA"}).ok());
    EXPECT_TRUE(parse({"name=a", "country=LV"}).ok());
    EXPECT_FALSE(parse({"name=a", "digest-algorithm=md5"}).ok());
    auto ec_enc = parse({"name=a", "key-size=prime256v1", "key-usage=key-encipherment"});
    ASSERT_FALSE(ec_enc.ok());
    EXPECT_NE(ec_enc.message().find("RSA"), std::string::npos);
}

TEST(Template, PropertiesRoundTrip) {
    auto t = parse({"name=srv", "common-name=vpn.example.com", "country=LV",
                    "organization=Example Org", "subject-alt-name=DNS:vpn.example.com",
                    "key-size=secp384r1", "days-valid=90", "key-usage=tls-server"});
    ASSERT_TRUE(t.ok()) << t.message();
    auto text = template_to_properties(*t).to_text();
    auto props = Properties::from_text(text);
    ASSERT_TRUE(props.ok());
    auto again = template_from_properties(std::move(*props));
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again->organization, "Example Org");
    EXPECT_EQ(again->subject_alt_names, t->subject_alt_names);
    EXPECT_EQ(again->key.bits, 384);
    EXPECT_EQ(again->key_usage, t->key_usage);
    EXPECT_EQ(again->days_valid, 90);
}

TEST(KeyUsageDefaults, SelfSignedWithoutUsageIsCa) {
    auto t = parse({"name=ca"});
    auto r = resolve_key_usage(*t, true);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->is_ca);
    EXPECT_EQ(r->bits, uint32_t(KuKeyCertSign | KuCrlSign));
}

TEST(KeyUsageDefaults, IssuedWithoutUsageIsTlsServerAndClient) {
    auto rsa = resolve_key_usage(*parse({"name=a"}), false);
    ASSERT_TRUE(rsa.ok());
    EXPECT_FALSE(rsa->is_ca);
    EXPECT_EQ(rsa->bits,
              uint32_t(KuDigitalSignature | KuKeyEncipherment | EkuTlsServer | EkuTlsClient));
    auto ec = resolve_key_usage(*parse({"name=a", "key-type=ec"}), false);
    EXPECT_EQ(ec->bits, uint32_t(KuDigitalSignature | EkuTlsServer | EkuTlsClient));
}

TEST(KeyUsageDefaults, ExtendedOnlyGetsSoundKeyUsage) {
    // Server: serverAuth with digitalSignature + keyEncipherment (RSA key exchange).
    auto server = resolve_key_usage(*parse({"name=a", "key-usage=tls-server"}), false);
    EXPECT_EQ(server->bits, uint32_t(EkuTlsServer | KuDigitalSignature | KuKeyEncipherment));
    // Client: clientAuth with digitalSignature.
    auto client = resolve_key_usage(*parse({"name=a", "key-usage=tls-client"}), false);
    EXPECT_EQ(client->bits, uint32_t(EkuTlsClient | KuDigitalSignature));
    // EC server: no keyEncipherment (an EC key cannot encrypt).
    auto ec = resolve_key_usage(*parse({"name=a", "key-type=ec", "key-usage=tls-server"}), false);
    EXPECT_EQ(ec->bits, uint32_t(EkuTlsServer | KuDigitalSignature));
    // Explicit keyUsage names are taken as they are.
    auto exact =
        resolve_key_usage(*parse({"name=a", "key-usage=digital-signature,tls-server"}), false);
    EXPECT_EQ(exact->bits, uint32_t(EkuTlsServer | KuDigitalSignature));
}

TEST(Properties, TextFormat) {
    auto p = Properties::from_text("# comment\nname=x\n\ncommon-name=a b=c\n");
    ASSERT_TRUE(p.ok()) << p.message();
    EXPECT_EQ(p->take("common-name"), "a b=c");
    EXPECT_FALSE(p->finish("t").ok()); // name not taken
    EXPECT_FALSE(Properties::from_text("novalue\n").ok());
    EXPECT_FALSE(Properties::from_args({"key=line\nbreak"}).ok());
    auto b = Properties::from_args({"trusted=maybe"});
    EXPECT_FALSE(b->take_bool("trusted").ok());
}

} // namespace
} // namespace vp::pki
