// SSL_CTX construction. Session tickets and renegotiation are off: OpenVPN runs a fresh TLS
// handshake for every data-channel key, and nothing should be written after a handshake that
// the peer does not expect.
#include "control/tls/context.hpp"

namespace vp::tls {

namespace {

int openssl_version(Version v) {
    return v == Version::Tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

Result<SslCtxPtr> build(const Credentials& creds, const Policy& policy, bool server) {
    SslCtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
    if (!ctx) return make_error("cannot create a TLS context: " + openssl_error_text());
    SSL_CTX* c = ctx.get();

    SSL_CTX_set_min_proto_version(c, openssl_version(policy.min_version));
    if (policy.max_version) SSL_CTX_set_max_proto_version(c, openssl_version(*policy.max_version));
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_num_tickets(c, 0);
    // An idle session keeps no record buffers (about 34 KiB each): OpenSSL frees them when they
    // are empty and takes them again for the next record (renegotiations, control messages).
    SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);

    if (!policy.cipher_list.empty() && SSL_CTX_set_cipher_list(c, policy.cipher_list.c_str()) != 1)
        return make_error("cipher list '" + policy.cipher_list + "' matches no cipher");
    if (!policy.ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(c, policy.ciphersuites.c_str()) != 1)
        return make_error("TLS 1.3 suites '" + policy.ciphersuites + "' are not valid");

    if (creds.certificate) {
        if (SSL_CTX_use_certificate(c, creds.certificate.get()) != 1)
            return make_error("certificate rejected: " + openssl_error_text());
        for (auto& extra : creds.chain) {
            if (SSL_CTX_add1_chain_cert(c, extra.get()) != 1) // takes its own reference
                return make_error("chain certificate rejected: " + openssl_error_text());
        }
        if (!creds.private_key) return make_error("a certificate needs its private key");
        if (SSL_CTX_use_PrivateKey(c, creds.private_key.get()) != 1 ||
            SSL_CTX_check_private_key(c) != 1)
            return make_error("private key rejected: " + openssl_error_text());
    } else if (server) {
        return make_error("a TLS server needs a certificate");
    }

    X509_STORE* store = SSL_CTX_get_cert_store(c);
    for (auto& ca : creds.trusted)
        if (X509_STORE_add_cert(store, ca.get()) != 1)
            return make_error("CA certificate rejected: " + openssl_error_text());
    for (auto& crl : creds.crls)
        if (X509_STORE_add_crl(store, crl.get()) != 1)
            return make_error("CRL rejected: " + openssl_error_text());
    if (!creds.crls.empty())
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);

    if (server) {
        if (policy.require_peer_certificate) {
            if (creds.trusted.empty())
                return make_error("require-client-certificate needs a CA to check against");
            SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        } else {
            SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
        }
    } else {
        SSL_CTX_set_verify(c, policy.verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    }
    return ctx;
}

} // namespace

Result<std::shared_ptr<const Context>> Context::server(const Credentials& credentials,
                                                       const Policy& policy) {
    auto ctx = build(credentials, policy, true);
    if (!ctx) return ctx.error();
    return std::shared_ptr<const Context>(new Context(std::move(*ctx), true, policy));
}

Result<std::shared_ptr<const Context>> Context::client(const Credentials& credentials,
                                                       const Policy& policy) {
    auto ctx = build(credentials, policy, false);
    if (!ctx) return ctx.error();
    return std::shared_ptr<const Context>(new Context(std::move(*ctx), false, policy));
}

} // namespace vp::tls
