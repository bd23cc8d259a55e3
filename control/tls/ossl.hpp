// RAII handles for the OpenSSL objects the control plane owns, and the helper that turns
// OpenSSL's thread-local error queue into one line an operator can read.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace vp::tls {

struct OsslFree {
    void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
    void operator()(SSL* p) const { SSL_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_CRL* p) const { X509_CRL_free(p); }
    void operator()(X509_STORE* p) const { X509_STORE_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
    void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
    void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, OsslFree>;
using SslPtr = std::unique_ptr<SSL, OsslFree>;
using BioPtr = std::unique_ptr<BIO, OsslFree>;
using X509Ptr = std::unique_ptr<X509, OsslFree>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OsslFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslFree>;
using MacPtr = std::unique_ptr<EVP_MAC, OsslFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OsslFree>;

// Drains the calling thread's OpenSSL error queue into "reason; reason" ("" when empty).
std::string openssl_error_text();

} // namespace vp::tls
