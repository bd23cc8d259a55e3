// control/tls: contexts from credentials, memory-BIO handshakes, client-certificate policy,
// keying-material export and PEM loading.
#include "control/tls/session.hpp"
#include "tests/unit/ovpn/test_pki.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>

using namespace vp;
using vp::test::TestPki;

namespace {

// Moves ciphertext between the two sessions until neither has anything to say.
void pump(tls::Session& client, tls::Session& server) {
    for (int round = 0; round < 20; ++round) {
        Bytes c2s = client.take_output();
        if (!c2s.empty()) (void)server.feed(c2s);
        Bytes s2c = server.take_output();
        if (!s2c.empty()) (void)client.feed(s2c);
        if (c2s.empty() && s2c.empty()) return;
    }
}

std::string pem(X509* cert) {
    tls::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}

} // namespace

TEST(Tls, HandshakeThroughMemoryBiosAndPlaintextBothWays) {
    tls::Session server(TestPki::get().server_context());
    tls::Session client(TestPki::get().client_context());
    (void)client.feed({}); // ClientHello
    pump(client, server);
    ASSERT_TRUE(client.handshake_done()) << client.failure();
    ASSERT_TRUE(server.handshake_done()) << server.failure();
    EXPECT_EQ(server.version(), "TLSv1.3");
    EXPECT_FALSE(server.cipher_suite().empty());

    ASSERT_TRUE(client.write(as_bytes("hello server")).ok());
    pump(client, server);
    Bytes got = server.read();
    EXPECT_EQ(std::string(got.begin(), got.end()), "hello server");
    ASSERT_TRUE(server.write(as_bytes("hello client")).ok());
    pump(client, server);
    got = client.read();
    EXPECT_EQ(std::string(got.begin(), got.end()), "hello client");
}

TEST(Tls, ExportedKeyingMaterialMatchesOnBothSides) {
    tls::Session server(TestPki::get().server_context());
    tls::Session client(TestPki::get().client_context());
    EXPECT_FALSE(server.export_keying_material("EXPORTER-OpenVPN-datakeys", 256).ok());
    (void)client.feed({});
    pump(client, server);
    auto a = server.export_keying_material("EXPORTER-OpenVPN-datakeys", 256);
    auto b = client.export_keying_material("EXPORTER-OpenVPN-datakeys", 256);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
    auto other = server.export_keying_material("EXPORTER-other", 256);
    EXPECT_NE(*a, *other);
}

TEST(Tls, RequiredClientCertificateIsVerifiedAndNamed) {
    tls::Session server(TestPki::get().server_context(true));
    tls::Session client(TestPki::get().client_context(TestPki::ClientCert::Good));
    (void)client.feed({});
    pump(client, server);
    ASSERT_TRUE(server.handshake_done()) << server.failure();
    auto peer = server.peer_certificate();
    EXPECT_TRUE(peer.present);
    EXPECT_EQ(peer.common_name, "alice");
    EXPECT_NE(peer.issuer.find("test-ca"), std::string::npos);
}

// CVE-2017-7522 (OpenVPN < 2.4.3 with mbed TLS: a client certificate with a NUL in a name field
// hit an ASSERT). The certificate is valid (signed by the CA), so the handshake completes; its
// CN is reported with the NUL and control bytes escaped, never cut short at the NUL and never
// raw into logs or AAA.
TEST(Tls, Cve2017_7522AClientCertificateWithANulInItsNameIsNamedSafely) {
    tls::Session server(TestPki::get().server_context(true));
    tls::Session client(TestPki::get().client_context(TestPki::ClientCert::NulInName));
    (void)client.feed({});
    pump(client, server);
    ASSERT_TRUE(server.handshake_done()) << server.failure();
    auto peer = server.peer_certificate();
    ASSERT_TRUE(peer.present);
    EXPECT_EQ(peer.common_name, "alice\\x00admin\\x0a\\x1b[2J");
    for (const std::string* text : {&peer.common_name, &peer.subject, &peer.issuer})
        for (char c : *text)
            EXPECT_GE(static_cast<unsigned char>(c), 0x20) << *text;
    EXPECT_NE(peer.subject.find("admin"), std::string::npos) << peer.subject;
}

TEST(Tls, MissingClientCertificateFailsWithAReason) {
    tls::Session server(TestPki::get().server_context(true));
    tls::Session client(TestPki::get().client_context(TestPki::ClientCert::None));
    (void)client.feed({});
    pump(client, server);
    EXPECT_TRUE(server.failed());
    EXPECT_NE(server.failure().find("peer did not return a certificate"), std::string::npos)
        << server.failure();
}

TEST(Tls, ForeignClientCertificateFailsVerification) {
    tls::Session server(TestPki::get().server_context(true));
    tls::Session client(TestPki::get().client_context(TestPki::ClientCert::Foreign));
    (void)client.feed({});
    pump(client, server);
    EXPECT_TRUE(server.failed());
    EXPECT_NE(server.failure().find("certificate verify failed"), std::string::npos)
        << server.failure();
    EXPECT_NE(server.failure().find("unable to get local issuer certificate"), std::string::npos);
}

TEST(Tls, RevokedClientCertificateIsRefusedWhenACrlIsConfigured) {
    for (bool revoked : {false, true}) {
        auto creds = TestPki::get().server();
        creds.crls.push_back(TestPki::get().crl(revoked));
        tls::Policy p;
        p.require_peer_certificate = true;
        auto ctx = tls::Context::server(creds, p);
        ASSERT_TRUE(ctx.ok()) << ctx.message();
        tls::Session server(*ctx);
        tls::Session client(TestPki::get().client_context(TestPki::ClientCert::Good));
        (void)client.feed({});
        pump(client, server);
        if (revoked) {
            EXPECT_TRUE(server.failed());
            EXPECT_NE(server.failure().find("certificate revoked"), std::string::npos)
                << server.failure();
        } else {
            EXPECT_TRUE(server.handshake_done()) << server.failure();
        }
    }
}

TEST(Tls, GarbageFromThePeerFailsTheHandshake) {
    tls::Session server(TestPki::get().server_context());
    Bytes junk(64, 0x42);
    EXPECT_FALSE(server.feed(junk).ok());
    EXPECT_TRUE(server.failed());
    EXPECT_FALSE(server.write(as_bytes("x")).ok());
}

TEST(Tls, Tls13CanBeRequiredAndTls12Negotiated) {
    tls::Policy only12;
    only12.max_version = tls::Version::Tls12;
    auto client_ctx = tls::Context::client(TestPki::get().client(), only12);
    ASSERT_TRUE(client_ctx.ok());
    tls::Session server(TestPki::get().server_context());
    tls::Session client(*client_ctx);
    (void)client.feed({});
    pump(client, server);
    ASSERT_TRUE(server.handshake_done());
    EXPECT_EQ(server.version(), "TLSv1.2"); // what RouterOS clients speak

    tls::Policy only13;
    only13.min_version = tls::Version::Tls13;
    auto strict = tls::Context::server(TestPki::get().server(), only13);
    ASSERT_TRUE(strict.ok());
    tls::Session server13(*strict);
    tls::Session client12(*client_ctx);
    (void)client12.feed({});
    pump(client12, server13);
    EXPECT_TRUE(server13.failed());
}

TEST(Tls, CredentialsLoadFromPemTextAndRejectMismatches) {
    auto creds = TestPki::get().server();
    tls::PemFiles text;
    text.certificate = pem(creds.certificate.get());
    text.ca = pem(creds.trusted[0].get());
    tls::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), creds.private_key.get(), nullptr, nullptr, 0, nullptr,
                             nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    text.private_key.assign(data, static_cast<size_t>(len));
    auto loaded = tls::load_pem_text(text);
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    EXPECT_TRUE(tls::Context::server(*loaded, {}).ok());

    tls::PemFiles mismatched = text;
    auto client = TestPki::get().client(TestPki::ClientCert::Good);
    mismatched.certificate = pem(client.certificate.get());
    auto bad = tls::load_pem_text(mismatched);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.message().find("does not match"), std::string::npos);

    tls::PemFiles garbage;
    garbage.certificate = "not a certificate";
    EXPECT_FALSE(tls::load_pem_text(garbage).ok());
    auto missing = tls::load_pem_files({"/nonexistent/cert.pem", "", "", ""});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message().find("/nonexistent/cert.pem"), std::string::npos);
}

TEST(Tls, ServerWithoutCertificateOrRequiringClientsWithoutCaIsRefused) {
    EXPECT_FALSE(tls::Context::server(tls::Credentials{}, {}).ok());
    auto creds = TestPki::get().server();
    creds.trusted.clear();
    tls::Policy p;
    p.require_peer_certificate = true;
    auto ctx = tls::Context::server(creds, p);
    ASSERT_FALSE(ctx.ok());
    EXPECT_NE(ctx.message().find("CA"), std::string::npos);
}
