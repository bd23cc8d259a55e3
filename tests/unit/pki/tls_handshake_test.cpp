// The server-facing API in a real TLS handshake (OpenSSL, memory BIO pair): an identity loaded
// from the store serves, the store's trust store verifies the client certificate, and a revoked
// client is refused through the CRL with no SSL verify callback of the server's own.
#include "pki/store.hpp"

#include "pki_test_util.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace vp::pki {
namespace {

using testing::TempDir;

using SslCtxPtr = OsslPtr<SSL_CTX>;
using SslPtr = OsslPtr<SSL>;

SslCtxPtr context(const SSL_METHOD* method, const Identity& id, X509_STORE* trust) {
    SslCtxPtr ctx(SSL_CTX_new(method));
    EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), id.certificate.get()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), id.private_key.get()), 1);
    for (X509* c : id.chain_without_root())
        EXPECT_EQ(SSL_CTX_add1_chain_cert(ctx.get(), c), 1);
    EXPECT_EQ(SSL_CTX_set1_verify_cert_store(ctx.get(), trust), 1);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    return ctx;
}

struct Outcome {
    bool ok;
    long server_verify;
    long client_verify;
};

Outcome handshake(Store& store, const std::string& server, const std::string& client) {
    const std::time_t now = std::time(nullptr);
    auto trust = store.trust_store(now);
    EXPECT_TRUE(trust.ok());
    auto sid = store.load_identity(server, now);
    EXPECT_TRUE(sid.ok()) << (sid ? "" : sid.message());
    // A revoked client can no longer be loaded as an identity; the raw files still can.
    Identity cid;
    cid.certificate = store.load_certificate(client).value();
    cid.private_key = store.load_private_key(client).value();
    cid.chain = store.chain_of(client).value();

    auto sctx = context(TLS_server_method(), *sid, trust->get());
    auto cctx = context(TLS_client_method(), cid, trust->get());
    SslPtr s(SSL_new(sctx.get()));
    SslPtr c(SSL_new(cctx.get()));
    SSL_set1_host(c.get(), "vpn.example.com");
    BIO *sb = nullptr, *cb = nullptr;
    BIO_new_bio_pair(&sb, 0, &cb, 0);
    SSL_set_bio(s.get(), sb, sb);
    SSL_set_bio(c.get(), cb, cb);
    SSL_set_accept_state(s.get());
    SSL_set_connect_state(c.get());
    bool s_done = false, c_done = false, failed = false;
    for (int i = 0; i < 50 && !(s_done && c_done) && !failed; ++i) {
        if (!c_done) {
            int r = SSL_do_handshake(c.get());
            c_done = r == 1;
            failed |= r <= 0 && SSL_get_error(c.get(), r) != SSL_ERROR_WANT_READ;
        }
        if (!s_done) {
            int r = SSL_do_handshake(s.get());
            s_done = r == 1;
            failed |= r <= 0 && SSL_get_error(s.get(), r) != SSL_ERROR_WANT_READ;
        }
    }
    ERR_clear_error();
    return {s_done && c_done && !failed, SSL_get_verify_result(s.get()),
            SSL_get_verify_result(c.get())};
}

TEST(TlsHandshake, StoreIdentityAndTrustStore) {
    TempDir tmp;
    auto store = Store::open_or_create(tmp / "s");
    ASSERT_TRUE(store.ok());
    // Root -> intermediate -> server, so the chain is sent; clients from the root.
    const std::time_t now = std::time(nullptr);
    testing::add_and_sign(
        *store, {"name=root", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"}, {}, now);
    testing::add_and_sign(*store,
                          {"name=sub", "key-size=prime256v1", "key-usage=key-cert-sign,crl-sign"},
                          {.ca = "root"}, now);
    testing::add_and_sign(*store,
                          {"name=server", "common-name=vpn.example.com", "key-usage=tls-server"},
                          {.ca = "sub"}, now); // RSA
    testing::add_and_sign(*store, {"name=alice", "key-size=prime256v1", "key-usage=tls-client"},
                          {.ca = "root"}, now);
    testing::add_and_sign(*store, {"name=bob", "key-size=prime256v1", "key-usage=tls-client"},
                          {.ca = "root"}, now);

    auto good = handshake(*store, "server", "alice");
    EXPECT_TRUE(good.ok);
    EXPECT_EQ(good.server_verify, X509_V_OK);
    EXPECT_EQ(good.client_verify, X509_V_OK);

    ASSERT_TRUE(store->revoke("bob", now).ok());
    auto revoked = handshake(*store, "server", "bob");
    EXPECT_FALSE(revoked.ok);
    EXPECT_EQ(revoked.server_verify, X509_V_ERR_CERT_REVOKED);
    // Alice still gets in after the CRL changed (the trust store was rebuilt, as on reload).
    EXPECT_TRUE(handshake(*store, "server", "alice").ok);
}

} // namespace
} // namespace vp::pki
