// RAII ownership of OpenSSL objects: one deleter for every OpenSSL type the project frees, and
// OsslPtr<T>, a unique_ptr that calls it. pki/, crypto/ and control/tls/ name their handles as
// aliases of OsslPtr (X509Ptr, SslCtxPtr...), so a type gains its free function here, once.
// Header-only: only code that already links OpenSSL includes it.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace vp {

struct OsslFree {
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_CRL* p) const { X509_CRL_free(p); }
    void operator()(X509_STORE* p) const { X509_STORE_free(p); }
    void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
    void operator()(X509_NAME* p) const { X509_NAME_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(X509_REVOKED* p) const { X509_REVOKED_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
    void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
    void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
    void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
    void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    // ASN1_INTEGER and ASN1_TIME are both ASN1_STRING.
    void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); }
    void operator()(PKCS12* p) const { PKCS12_free(p); }
    void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
    void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
    void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
    void operator()(SSL* p) const { SSL_free(p); }
};

template <class T>
using OsslPtr = std::unique_ptr<T, OsslFree>;

} // namespace vp
