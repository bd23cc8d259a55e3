// A certificate template, RouterOS's `/certificate add`: what a certificate will say (subject,
// subject-alt-name, key type and size, validity, key usage) before `sign` turns it into one.
// Key usage is spelled with RouterOS's names; resolve_key_usage() turns them into the X.509
// keyUsage / extendedKeyUsage / basicConstraints that signing writes, with sound defaults.
#pragma once

#include "base/result.hpp"
#include "pki/properties.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vp::pki {

enum class KeyType : uint8_t { Rsa, Ec };

// A key size: RSA modulus bits (2048, 3072, 4096) or an EC curve (256 = P-256, 384 = P-384).
struct KeySpec {
    KeyType type = KeyType::Rsa;
    int bits = 2048;
};
// "rsa"/"ec", and RouterOS's spelling of the size ("2048", "prime256v1", "secp384r1").
std::string_view key_type_name(KeyType type);
std::string key_size_name(KeySpec spec);

// RouterOS key-usage names. The first group are X.509 keyUsage bits, the second extended key
// usages.
enum KeyUsageBit : uint32_t {
    KuDigitalSignature = 1u << 0,
    KuContentCommitment = 1u << 1,
    KuKeyEncipherment = 1u << 2,
    KuDataEncipherment = 1u << 3,
    KuKeyAgreement = 1u << 4,
    KuKeyCertSign = 1u << 5,
    KuCrlSign = 1u << 6,
    KuEncipherOnly = 1u << 7,
    KuDecipherOnly = 1u << 8,
    EkuTlsServer = 1u << 16,
    EkuTlsClient = 1u << 17,
    EkuCodeSign = 1u << 18,
    EkuEmailProtect = 1u << 19,
    EkuTimestamp = 1u << 20,
    EkuOcspSign = 1u << 21,
};
inline constexpr uint32_t kKeyUsageMask = 0xffffu;
inline constexpr uint32_t kExtendedKeyUsageMask = 0xffff0000u;

// "key-cert-sign,crl-sign" <-> bits. Parsing names the first unknown word and lists the choices.
Result<uint32_t> parse_key_usage(std::string_view text);
std::string key_usage_names(uint32_t bits);

struct SubjectAltName {
    enum class Kind : uint8_t { Dns, Ip, Email };
    Kind kind;
    std::string value;
    bool operator==(const SubjectAltName&) const = default;
};
// RouterOS syntax: "DNS:vpn.example.com,IP:203.0.113.1,email:ops@example.com".
Result<std::vector<SubjectAltName>> parse_subject_alt_names(std::string_view text);
std::string subject_alt_names_text(const std::vector<SubjectAltName>& names);

struct CertificateTemplate {
    std::string name;
    // Subject fields (RouterOS: common-name, country, state, locality, organization, unit).
    std::string common_name; // defaults to the template's name
    std::string country;     // two letters
    std::string state;
    std::string locality;
    std::string organization;
    std::string unit;
    std::vector<SubjectAltName> subject_alt_names;
    KeySpec key;
    int days_valid = 365;
    uint32_t key_usage = 0; // 0: not given, defaults chosen at signing
    std::string digest = "sha256";
};

// Certificate and template names become file names in the store: 1-64 characters of
// [A-Za-z0-9_.-], not starting with '.' or '-'.
bool valid_object_name(std::string_view name);

// From `add` properties (and from a stored template file, which uses the same syntax). Unknown
// properties are errors.
Result<CertificateTemplate> template_from_properties(Properties props);
Properties template_to_properties(const CertificateTemplate& tmpl);

// What signing writes, decided from the template's key-usage and how it is signed:
// - no key-usage given: a self-signed certificate becomes a CA (key-cert-sign, crl-sign); one
//   signed by a CA becomes a TLS server and client certificate (digital-signature, plus
//   key-encipherment for RSA, tls-server, tls-client) - RouterOS's "all purposes" made sound;
// - only extended usages given (tls-server, tls-client, ...): keyUsage gets digital-signature,
//   plus key-encipherment for RSA server/e-mail certificates (RSA key exchange);
// - keyUsage names given: exactly those.
// A certificate is a CA (basicConstraints CA:TRUE) exactly when it has key-cert-sign.
struct ResolvedKeyUsage {
    uint32_t bits = 0; // both groups
    bool is_ca = false;
};
Result<ResolvedKeyUsage> resolve_key_usage(const CertificateTemplate& tmpl, bool self_signed);

} // namespace vp::pki
