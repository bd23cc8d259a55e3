// In-memory test PKI.
#include "tests/unit/ovpn/test_pki.hpp"

#include <openssl/x509v3.h>

#include <stdexcept>

namespace vp::test {

namespace {

tls::EvpPkeyPtr make_key() {
    return tls::EvpPkeyPtr(EVP_EC_gen("P-256"));
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) throw std::runtime_error("bad extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

tls::X509Ptr make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                       const char* eku, int cn_len = -1) {
    static long serial = 1;
    tls::X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               cn_len, -1, 0);
    X509* signer = issuer ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    if (ca) {
        add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyAgreement");
        add_ext(cert.get(), signer, NID_ext_key_usage, eku);
    }
    X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256());
    return cert;
}

tls::X509Ptr dup(const tls::X509Ptr& c) {
    X509_up_ref(c.get());
    return tls::X509Ptr(c.get());
}

tls::EvpPkeyPtr dup(const tls::EvpPkeyPtr& k) {
    EVP_PKEY_up_ref(k.get());
    return tls::EvpPkeyPtr(k.get());
}

} // namespace

TestPki::TestPki() {
    ca_key_ = make_key();
    ca_ = make_cert("test-ca", ca_key_.get(), nullptr, nullptr, true, nullptr);
    server_key_ = make_key();
    server_ =
        make_cert("test-server", server_key_.get(), ca_.get(), ca_key_.get(), false, "serverAuth");
    client_key_ = make_key();
    client_ = make_cert("alice", client_key_.get(), ca_.get(), ca_key_.get(), false, "clientAuth");
    foreign_ca_key_ = make_key();
    foreign_ca_ = make_cert("foreign-ca", foreign_ca_key_.get(), nullptr, nullptr, true, nullptr);
    foreign_key_ = make_key();
    foreign_ = make_cert("alice", foreign_key_.get(), foreign_ca_.get(), foreign_ca_key_.get(),
                         false, "clientAuth");
    static const char nul_cn[] = "alice\0admin\n\x1b[2J";
    nul_ = make_cert(nul_cn, client_key_.get(), ca_.get(), ca_key_.get(), false, "clientAuth",
                     static_cast<int>(sizeof nul_cn - 1));
}

const TestPki& TestPki::get() {
    static const TestPki pki;
    return pki;
}

tls::Credentials TestPki::server() const {
    tls::Credentials c;
    c.certificate = dup(server_);
    c.private_key = dup(server_key_);
    c.trusted.push_back(dup(ca_));
    return c;
}

tls::Credentials TestPki::client(ClientCert cert) const {
    tls::Credentials c;
    c.trusted.push_back(dup(ca_));
    if (cert == ClientCert::Good) {
        c.certificate = dup(client_);
        c.private_key = dup(client_key_);
    } else if (cert == ClientCert::NulInName) {
        c.certificate = dup(nul_);
        c.private_key = dup(client_key_);
    } else if (cert == ClientCert::Foreign) {
        c.certificate = dup(foreign_);
        c.private_key = dup(foreign_key_);
    }
    return c;
}

tls::X509CrlPtr TestPki::crl(bool revoke_client) const {
    tls::X509CrlPtr crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_.get()));
    ASN1_TIME* now = ASN1_TIME_adj(nullptr, time(nullptr), 0, -60);
    ASN1_TIME* next = ASN1_TIME_adj(nullptr, time(nullptr), 1, 0);
    X509_CRL_set1_lastUpdate(crl.get(), now);
    X509_CRL_set1_nextUpdate(crl.get(), next);
    if (revoke_client) {
        X509_REVOKED* r = X509_REVOKED_new();
        X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(client_.get()));
        X509_REVOKED_set_revocationDate(r, now);
        X509_CRL_add0_revoked(crl.get(), r);
    }
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    X509_CRL_sort(crl.get());
    X509_CRL_sign(crl.get(), ca_key_.get(), EVP_sha256());
    return crl;
}

std::shared_ptr<const tls::Context> TestPki::server_context(bool require_client_cert) const {
    tls::Policy p;
    p.require_peer_certificate = require_client_cert;
    auto ctx = tls::Context::server(server(), p);
    if (!ctx) throw std::runtime_error(ctx.message());
    return *ctx;
}

std::shared_ptr<const tls::Context> TestPki::client_context(ClientCert cert) const {
    auto ctx = tls::Context::client(client(cert), tls::Policy{});
    if (!ctx) throw std::runtime_error(ctx.message());
    return *ctx;
}

} // namespace vp::test
