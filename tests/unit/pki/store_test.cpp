// The on-disk store: the RouterOS add -> sign -> export flow, name rules, file modes, revocation
// and CRLs, and what the servers load (identities and the trust store).
#include "pki/store.hpp"

#include "pki/atomic_file.hpp"
#include "pki_test_util.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace vp::pki {
namespace {

using testing::add_and_sign;
using testing::kNow;
using testing::make_basic_pki;
using testing::make_template;
using testing::TempDir;
using testing::verify_with;

mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto s = Store::open_or_create(tmp_ / "store");
        ASSERT_TRUE(s.ok()) << s.message();
        store_.emplace(std::move(*s));
    }
    Store& store() { return *store_; }
    TempDir tmp_;
    std::optional<Store> store_;
};

TEST(StoreOpen, MissingStoreIsAnErrorForReaders) {
    TempDir tmp;
    auto s = Store::open(tmp / "nope");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("does not exist"), std::string::npos);
}

TEST_F(StoreTest, RouterOsFlow) {
    make_basic_pki(store());
    EXPECT_EQ(store().certificate_names(), (std::vector<std::string>{"ca", "client", "server"}));
    // Templates are consumed by signing, as in RouterOS.
    EXPECT_TRUE(store().template_names().empty());
    EXPECT_TRUE(store().has_private_key("ca"));
    EXPECT_TRUE(store().has_crl("ca")); // a new CA starts with an empty CRL

    // Modes: store and private dir 0700, keys 0600, certificates 0644.
    EXPECT_EQ(mode_of(store().dir()), 0700u);
    EXPECT_EQ(mode_of(store().dir() + "/private"), 0700u);
    EXPECT_EQ(mode_of(store().private_key_path("server")), 0600u);
    EXPECT_EQ(mode_of(store().certificate_path("server")), 0644u);

    auto server = store().load_certificate("server");
    ASSERT_TRUE(server.ok());
    auto trust = store().trust_store(kNow);
    ASSERT_TRUE(trust.ok()) << trust.message();
    EXPECT_EQ(verify_with(trust->get(), server->get(), kNow, {}, X509_PURPOSE_SSL_SERVER),
              X509_V_OK);
    auto client = store().load_certificate("client");
    EXPECT_EQ(verify_with(trust->get(), client->get(), kNow, {}, X509_PURPOSE_SSL_CLIENT),
              X509_V_OK);
}

TEST_F(StoreTest, SeedSyntaxSelfSignWithCaEqualToTemplate) {
    // seeds/003: `sign ca-template ca=ca-template name=ca`.
    auto cert = add_and_sign(
        store(), {"name=ca-template", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
        {.name = "ca", .ca = "ca-template"});
    ASSERT_TRUE(cert);
    EXPECT_TRUE(is_self_signed(cert.get()));
    // seeds/001: `sign sstp-ca` keeps the template's name.
    auto same = add_and_sign(store(), {"name=sstp-ca", "key-size=prime256v1"}, {});
    ASSERT_TRUE(same);
    EXPECT_TRUE(store().has_certificate("sstp-ca"));
    EXPECT_TRUE(is_ca(same.get())); // self-signed without key-usage: a CA
}

TEST_F(StoreTest, NamesAreNeverReusedSilently) {
    make_basic_pki(store());
    auto t = make_template({"name=server"});
    auto r = store().add_template(t);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("name 'server' is in use"), std::string::npos) << r.message();

    auto t2 = make_template({"name=t2", "key-size=prime256v1"});
    ASSERT_TRUE(store().add_template(t2).ok());
    EXPECT_FALSE(store().add_template(t2).ok()); // a template too
    auto s = store().sign({.template_name = "t2", .name = "client", .ca = "ca"}, kNow);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("in use"), std::string::npos);
    EXPECT_TRUE(store().has_template("t2")); // nothing consumed on failure

    // Signing a certificate again, or an unknown template.
    EXPECT_NE(store().sign({.template_name = "server"}, kNow).message().find("already a signed"),
              std::string::npos);
    EXPECT_NE(store().sign({.template_name = "ghost"}, kNow).message().find("no template"),
              std::string::npos);
}

TEST_F(StoreTest, SignErrorsAnOperatorUnderstands) {
    make_basic_pki(store());
    auto t = make_template({"name=x", "key-size=prime256v1", "key-usage=tls-client"});
    ASSERT_TRUE(store().add_template(t).ok());
    // A leaf cannot sign.
    auto r1 = store().sign({.template_name = "x", .ca = "server"}, kNow);
    ASSERT_FALSE(r1.ok());
    EXPECT_NE(r1.message().find("is not a CA"), std::string::npos) << r1.message();
    // An expired CA.
    auto r2 = store().sign({.template_name = "x", .ca = "ca"}, kNow + 3651L * 86400);
    ASSERT_FALSE(r2.ok());
    EXPECT_NE(r2.message().find("CA 'ca' expired on"), std::string::npos) << r2.message();
    // A CA still a template.
    ASSERT_TRUE(store().add_template(make_template({"name=ca2"})).ok());
    auto r3 = store().sign({.template_name = "x", .ca = "ca2"}, kNow);
    EXPECT_NE(r3.message().find("still a template"), std::string::npos);
    // ca-crl-host belongs on the CA.
    auto r4 = store().sign({.template_name = "x", .ca = "ca", .ca_crl_host = "h"}, kNow);
    EXPECT_NE(r4.message().find("ca-crl-host"), std::string::npos);
}

TEST_F(StoreTest, CaCrlHostGoesIntoIssuedCertificates) {
    add_and_sign(store(), {"name=ca", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
                 {.ca_crl_host = "192.0.2.1"});
    auto leaf = add_and_sign(store(), {"name=srv", "key-size=prime256v1", "key-usage=tls-server"},
                             {.ca = "ca"});
    auto points = crl_distribution_points(leaf.get());
    ASSERT_EQ(points.size(), 1u);
    EXPECT_EQ(points[0], "http://192.0.2.1/crl/ca.crl");
    // Without ca-crl-host: no CDP (an unreachable CDP breaks Windows SSTP clients).
    add_and_sign(store(), {"name=ca2", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
                 {});
    auto plain = add_and_sign(store(), {"name=srv2", "key-size=prime256v1"}, {.ca = "ca2"});
    EXPECT_TRUE(crl_distribution_points(plain.get()).empty());
}

TEST_F(StoreTest, IdentityWithChain) {
    add_and_sign(store(), {"name=root", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
                 {});
    add_and_sign(store(), {"name=sub", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
                 {.ca = "root"});
    add_and_sign(store(), {"name=srv", "key-size=prime256v1", "key-usage=tls-server"},
                 {.ca = "sub"});
    auto id = store().load_identity("srv", kNow);
    ASSERT_TRUE(id.ok()) << id.message();
    ASSERT_EQ(id->chain.size(), 2u);
    EXPECT_EQ(common_name(id->chain[0].get()), "sub");
    EXPECT_EQ(common_name(id->chain[1].get()), "root");
    EXPECT_EQ(id->chain_without_root().size(), 1u);
    EXPECT_TRUE(public_keys_match(id->certificate.get(), id->private_key.get()));

    auto trust = store().trust_store(kNow);
    ASSERT_TRUE(trust.ok());
    EXPECT_EQ(verify_with(trust->get(), id->certificate.get(), kNow, id->chain_without_root()),
              X509_V_OK);

    auto ca_pem = store().ca_pem("srv");
    ASSERT_TRUE(ca_pem.ok());
    auto cas = certificates_from_pem(*ca_pem);
    ASSERT_TRUE(cas.ok());
    EXPECT_EQ(cas->size(), 2u);
    // A self-signed certificate is its own CA.
    EXPECT_TRUE(store().ca_pem("root").ok());
}

TEST_F(StoreTest, IdentityRefusals) {
    make_basic_pki(store());
    auto expired = store().load_identity("server", kNow + 366L * 86400);
    ASSERT_FALSE(expired.ok());
    EXPECT_NE(expired.message().find("expired on"), std::string::npos);
    EXPECT_NE(store().load_identity("nope", kNow).message().find("no certificate named"),
              std::string::npos);
    ASSERT_TRUE(remove_file(store().private_key_path("server")).ok());
    EXPECT_NE(store().load_identity("server", kNow).message().find("no private key"),
              std::string::npos);
    ASSERT_TRUE(store().revoke("client", kNow).ok());
    EXPECT_NE(store().load_identity("client", kNow).message().find("revoked"), std::string::npos);
}

TEST_F(StoreTest, RevokeAndCrl) {
    make_basic_pki(store());
    auto first = store().load_crl("ca");
    ASSERT_TRUE(first.ok());
    EXPECT_LE(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(first->get())), 0); // empty

    ASSERT_TRUE(store().revoke("client", kNow + 60).ok());
    auto when = store().revoked_at("client");
    ASSERT_TRUE(when);
    EXPECT_EQ(*when, kNow + 60);
    EXPECT_FALSE(store().revoked_at("server"));

    auto crl = store().load_crl("ca");
    ASSERT_TRUE(crl.ok());
    auto client = store().load_certificate("client");
    X509_REVOKED* entry = nullptr;
    EXPECT_EQ(X509_CRL_get0_by_serial(crl->get(), &entry, X509_get0_serialNumber(client->get())),
              1);
    // CRL numbers increase.
    auto* n1 = static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(first->get(), NID_crl_number, nullptr, nullptr));
    auto* n2 = static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(crl->get(), NID_crl_number, nullptr, nullptr));
    ASSERT_TRUE(n1 && n2);
    EXPECT_LT(ASN1_INTEGER_get(n1), ASN1_INTEGER_get(n2));
    ASN1_INTEGER_free(n1);
    ASN1_INTEGER_free(n2);

    // The trust store now refuses the revoked client and still accepts the server.
    auto trust = store().trust_store(kNow + 120);
    ASSERT_TRUE(trust.ok());
    EXPECT_EQ(verify_with(trust->get(), client->get(), kNow + 120), X509_V_ERR_CERT_REVOKED);
    auto server = store().load_certificate("server");
    EXPECT_EQ(verify_with(trust->get(), server->get(), kNow + 120), X509_V_OK);

    // Revoking twice, or a self-signed CA, is refused with a reason.
    EXPECT_NE(store().revoke("client", kNow).message().find("already revoked"), std::string::npos);
    EXPECT_NE(store().revoke("ca", kNow).message().find("self-signed"), std::string::npos);
}

TEST_F(StoreTest, ExpiredCrlStillListsRevocations) {
    make_basic_pki(store());
    ASSERT_TRUE(store().revoke("client", kNow).ok());
    // Far past nextUpdate (30 days): the revoked client stays refused, others still pass.
    const std::time_t later = kNow + 100L * 86400;
    auto trust = store().trust_store(later);
    ASSERT_TRUE(trust.ok());
    auto client = store().load_certificate("client");
    auto server = store().load_certificate("server");
    EXPECT_EQ(verify_with(trust->get(), client->get(), later), X509_V_ERR_CERT_REVOKED);
    EXPECT_EQ(verify_with(trust->get(), server->get(), later), X509_V_OK);
}

TEST_F(StoreTest, GenerateCrlUpdatesNextUpdate) {
    make_basic_pki(store());
    auto crl = store().generate_crl("ca", kNow, 7);
    ASSERT_TRUE(crl.ok()) << crl.message();
    EXPECT_EQ(to_time_t(X509_CRL_get0_nextUpdate(crl->get())), kNow + 7 * 86400);
    EXPECT_EQ(store().load_meta("ca")->crl_days, 7);
    // The next automatic CRL (on revoke) keeps the CA's crl-days.
    ASSERT_TRUE(store().revoke("client", kNow).ok());
    EXPECT_EQ(to_time_t(X509_CRL_get0_nextUpdate(store().load_crl("ca")->get())), kNow + 7 * 86400);
    EXPECT_NE(store().generate_crl("server", kNow).message().find("not a CA"), std::string::npos);
}

TEST_F(StoreTest, ImportedCaWithoutCrlIsStillUsable) {
    make_basic_pki(store());
    // Another store's CA, imported here without its key (hence no CRL), next to ours with one.
    TempDir other_dir;
    auto other = Store::open_or_create(other_dir / "s");
    ASSERT_TRUE(other.ok());
    add_and_sign(*other, {"name=oca", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
                 {});
    auto ocli = add_and_sign(*other, {"name=oc", "key-size=prime256v1", "key-usage=tls-client"},
                             {.ca = "oca"});
    Bundle b;
    b.certificates.push_back(other->load_certificate("oca").value());
    auto imported = store().import_bundle(b, {.file_name = "oca.crt"});
    ASSERT_TRUE(imported.ok()) << imported.message();
    ASSERT_TRUE(store().revoke("client", kNow).ok()); // our CA has a CRL with an entry

    auto trust = store().trust_store(kNow);
    ASSERT_TRUE(trust.ok());
    EXPECT_EQ(verify_with(trust->get(), ocli.get(), kNow), X509_V_OK);
    // The same through an SSL_CTX-style verify that uses the callback explicitly.
    EXPECT_EQ(verify_with(trust->get(), store().load_certificate("client")->get(), kNow),
              X509_V_ERR_CERT_REVOKED);

    // Untrusting the imported CA takes it out of the trust store.
    ASSERT_TRUE(store().set_trusted("oca_0", false).ok());
    auto trust2 = store().trust_store(kNow);
    EXPECT_NE(verify_with(trust2->get(), ocli.get(), kNow), X509_V_OK);
    EXPECT_EQ(store().trusted_cas().size(), 1u);
}

TEST_F(StoreTest, ImportCertificateThenKeyLikeRouterOs) {
    TempDir other_dir;
    auto other = Store::open_or_create(other_dir / "s");
    make_basic_pki(*other);
    auto key = other->load_private_key("client");
    Bundle certs;
    certs.certificates.push_back(other->load_certificate("client").value());
    certs.certificates.push_back(other->load_certificate("ca").value());
    auto r1 = store().import_bundle(certs, {.file_name = "/x/cert_export_client.crt"});
    ASSERT_TRUE(r1.ok()) << r1.message();
    EXPECT_EQ(store().certificate_names(),
              (std::vector<std::string>{"cert_export_client_0", "cert_export_client_1"}));
    EXPECT_FALSE(store().has_private_key("cert_export_client_0"));

    Bundle keys;
    keys.private_keys.push_back(std::move(*key));
    auto r2 = store().import_bundle(keys, {.file_name = "cert_export_client.key"});
    ASSERT_TRUE(r2.ok()) << r2.message();
    EXPECT_TRUE(store().has_private_key("cert_export_client_0"));
    EXPECT_EQ(mode_of(store().private_key_path("cert_export_client_0")), 0600u);
    EXPECT_TRUE(store().load_identity("cert_export_client_0", kNow).ok());

    // Importing the same again adds nothing; a key that matches nothing is refused.
    auto r3 = store().import_bundle(certs, {.file_name = "again.crt"});
    ASSERT_TRUE(r3.ok());
    EXPECT_EQ(store().certificate_names().size(), 2u);
    Bundle stray;
    stray.private_keys.push_back(generate_key({KeyType::Ec, 256}).value());
    auto r4 = store().import_bundle(stray, {.file_name = "stray.key"});
    ASSERT_FALSE(r4.ok());
    EXPECT_NE(r4.message().find("matches no certificate"), std::string::npos);
}

TEST_F(StoreTest, ImportWithNameAndNameInUse) {
    TempDir other_dir;
    auto other = Store::open_or_create(other_dir / "s");
    make_basic_pki(*other);
    Bundle b;
    b.certificates.push_back(other->load_certificate("server").value());
    b.private_keys.push_back(other->load_private_key("server").value());
    b.certificates.push_back(other->load_certificate("ca").value());
    ASSERT_TRUE(store().add_template(make_template({"name=taken"})).ok());
    auto r1 = store().import_bundle(b, {.file_name = "s.p12", .name = "taken"});
    ASSERT_FALSE(r1.ok());
    EXPECT_NE(r1.message().find("in use"), std::string::npos);
    EXPECT_TRUE(store().certificate_names().empty()); // checked before anything is written
    auto r2 = store().import_bundle(b, {.file_name = "s.p12", .name = "srv"});
    ASSERT_TRUE(r2.ok()) << r2.message();
    EXPECT_EQ(store().certificate_names(), (std::vector<std::string>{"srv", "srv_1"}));
    EXPECT_TRUE(store().has_private_key("srv"));
    EXPECT_TRUE(store().load_identity("srv", kNow).ok());
}

TEST_F(StoreTest, RemoveAndOverwriteRefusal) {
    make_basic_pki(store());
    ASSERT_TRUE(store().remove("client").ok());
    EXPECT_FALSE(store().has_certificate("client"));
    EXPECT_FALSE(path_exists(store().private_key_path("client")));
    EXPECT_FALSE(store().remove("client").ok());
    // The name is free again.
    EXPECT_TRUE(add_and_sign(store(), {"name=client", "key-size=prime256v1"}, {.ca = "ca"}));
}

TEST(AtomicFile, CreateNewRefusesAndReplaceReplaces) {
    TempDir tmp;
    const std::string path = tmp / "f";
    ASSERT_TRUE(write_file_atomic(path, "one", 0600, WriteMode::CreateNew).ok());
    auto again = write_file_atomic(path, "two", 0600, WriteMode::CreateNew);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.message().find("already exists"), std::string::npos);
    EXPECT_EQ(*read_whole_file(path), "one");
    EXPECT_EQ(mode_of(path), 0600u);
    ASSERT_TRUE(write_file_atomic(path, "three", 0644, WriteMode::Replace).ok());
    EXPECT_EQ(*read_whole_file(path), "three");
    EXPECT_EQ(mode_of(path), 0644u);
    // No temporary files are left behind.
    int entries = 0;
    for (auto& e : std::filesystem::directory_iterator(tmp.path())) {
        (void)e;
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

TEST(CrlIndex, RoundTripAndDamage) {
    std::vector<RevokedEntry> entries = {{"0A1B", 1700000000, "alice"}, {"FF", 1, "bob"}};
    auto parsed = parse_revocation_index(revocation_index_text(entries));
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[0].serial_hex, "0A1B");
    EXPECT_EQ((*parsed)[0].revoked_at, 1700000000);
    EXPECT_EQ((*parsed)[1].name, "bob");
    EXPECT_FALSE(parse_revocation_index("XYZ 1 a\n").ok());
    EXPECT_FALSE(parse_revocation_index("0A\n").ok());
}

} // namespace
} // namespace vp::pki
