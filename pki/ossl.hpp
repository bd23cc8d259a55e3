// RAII owners for the OpenSSL objects pki/ handles, and the small conversions every pki file needs
// (PEM/DER in and out, fingerprints, ASN.1 times, the OpenSSL error queue as operator text).
#pragma once

#include "base/result.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vp::pki {

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
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    // ASN1_INTEGER and ASN1_TIME are both ASN1_STRING.
    void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); }
    void operator()(PKCS12* p) const { PKCS12_free(p); }
    void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
    void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

using X509Ptr = std::unique_ptr<X509, OsslFree>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OsslFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslFree>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslFree>;
using X509NamePtr = std::unique_ptr<X509_NAME, OsslFree>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OsslFree>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, OsslFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslFree>;
using BioPtr = std::unique_ptr<BIO, OsslFree>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslFree>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslFree>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OsslFree>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, OsslFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OsslFree>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), OsslFree>;

// Drains OpenSSL's thread-local error queue into one line ("" when it was empty). Every failure
// path that reports an OpenSSL error calls this, so a stale error never leaks into a later one.
std::string openssl_errors();
// `what` followed by OpenSSL's reason when it has one: "signing failed: <reason>".
Error openssl_error(std::string_view what);

// An extra reference to an object owned elsewhere.
X509Ptr up_ref(X509* cert);
EvpPkeyPtr up_ref(EVP_PKEY* key);

// PEM text out.
std::string to_pem(X509* cert);
std::string to_pem(X509_CRL* crl);
// The private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
std::string private_key_to_pem(EVP_PKEY* key);
// PKCS#8 PEM encrypted with AES-256-CBC under PBKDF2 (PBES2), as `openssl pkcs8 -topk8 -v2`.
Result<std::string> private_key_to_encrypted_pem(EVP_PKEY* key, std::string_view passphrase);

// Parsing. A PEM buffer may hold several certificates; these return all of them in order.
Result<std::vector<X509Ptr>> certificates_from_pem(std::string_view pem);
Result<X509Ptr> certificate_from_pem(std::string_view pem); // exactly the first one
Result<X509CrlPtr> crl_from_pem(std::string_view pem);
std::vector<uint8_t> to_der(X509* cert);

// Digests of the DER encoding, as lower-case hex without separators.
std::string fingerprint_sha1(X509* cert);
std::string fingerprint_sha256(X509* cert);
// The serial number as upper-case hex (as `openssl x509 -serial` prints it).
std::string serial_hex(const ASN1_INTEGER* serial);

// ASN.1 times <-> seconds since the epoch (UTC).
std::time_t to_time_t(const ASN1_TIME* t);
// "2025-01-31 12:00:00" (UTC), the way RouterOS v7 prints dates.
std::string format_time(std::time_t t);
// "1y2w3d4h5m6s"-style remaining time, or "expired".
std::string format_duration(std::int64_t seconds);

// X509_NAME as one line, RFC 2253 order reversed to read like RouterOS ("C=LV,O=MT,CN=x").
std::string name_to_string(const X509_NAME* name);
// The subject's commonName ("" when it has none).
std::string common_name(X509* cert);

bool is_self_signed(X509* cert);
// basicConstraints CA:TRUE.
bool is_ca(X509* cert);
bool public_keys_match(X509* cert, EVP_PKEY* key);

} // namespace vp::pki
