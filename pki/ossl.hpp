// RAII owners for the OpenSSL objects pki/ handles, and the small conversions every pki file needs
// (PEM/DER in and out, fingerprints, ASN.1 times, the OpenSSL error queue as operator text).
#pragma once

#include "base/ossl_ptr.hpp"
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

// The handles pki/ has always named; the deleters live in base/ossl_ptr.hpp.
using X509Ptr = OsslPtr<X509>;
using X509CrlPtr = OsslPtr<X509_CRL>;
using X509StorePtr = OsslPtr<X509_STORE>;
using X509StoreCtxPtr = OsslPtr<X509_STORE_CTX>;
using X509NamePtr = OsslPtr<X509_NAME>;
using X509ExtensionPtr = OsslPtr<X509_EXTENSION>;
using X509RevokedPtr = OsslPtr<X509_REVOKED>;
using EvpPkeyPtr = OsslPtr<EVP_PKEY>;
using EvpPkeyCtxPtr = OsslPtr<EVP_PKEY_CTX>;
using BioPtr = OsslPtr<BIO>;
using BignumPtr = OsslPtr<BIGNUM>;
using Asn1IntegerPtr = OsslPtr<ASN1_INTEGER>;
using Asn1TimePtr = OsslPtr<ASN1_TIME>;
using Pkcs12Ptr = OsslPtr<PKCS12>;
using GeneralNamesPtr = OsslPtr<GENERAL_NAMES>;
using X509StackPtr = OsslPtr<STACK_OF(X509)>;

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
