// Key generation and certificate issuance: a template plus a fresh key becomes an X.509 v3
// certificate, self-signed or signed by a CA. Pure functions over OpenSSL objects; the store
// decides names and files.
#pragma once

#include "pki/ossl.hpp"
#include "pki/template.hpp"

#include <ctime>
#include <string>

namespace vp::pki {

Result<EvpPkeyPtr> generate_key(KeySpec spec);
// RSA bits or EC curve of an existing key (for `print`); nullopt for other key kinds.
std::optional<KeySpec> key_spec_of(EVP_PKEY* key);

// The CA that signs, as the store found it. `name` is its name in the store (for messages).
struct Issuer {
    std::string name;
    X509* certificate = nullptr;
    EVP_PKEY* private_key = nullptr;
    // When set, certificates it issues carry a CRL distribution point with this URL.
    std::string crl_url;
};

// notBefore is `now` minus this, so clients whose clocks lag a little accept a new certificate.
inline constexpr std::time_t kBackdateSeconds = 3600;

// Issues a certificate for `subject_key` from `tmpl`: random 159-bit serial, subject from the
// template's fields, SAN, keyUsage (critical), extendedKeyUsage, basicConstraints (critical),
// subject and authority key identifiers, and a CRL distribution point when the issuer has one.
// `issuer` null means self-signed. Refuses an issuer that is not a CA, whose key usage lacks
// key-cert-sign, that has expired or is not yet valid, or whose key does not match.
Result<X509Ptr> issue_certificate(const CertificateTemplate& tmpl, EVP_PKEY* subject_key,
                                  const Issuer* issuer, std::time_t now);

// Checks that `issuer` may sign now; the same checks issue_certificate() makes.
Status check_can_sign(const Issuer& issuer, std::time_t now);

// The URIs of a certificate's CRL distribution points (empty when it has none).
std::vector<std::string> crl_distribution_points(X509* cert);

// keyUsage and extendedKeyUsage of a certificate, as RouterOS key-usage bits.
uint32_t key_usage_of(X509* cert);
// The subjectAltName entries of a certificate (DNS, IP, email; other kinds are skipped).
std::vector<SubjectAltName> subject_alt_names_of(X509* cert);

} // namespace vp::pki
