// Certificate/key bundles in and out: reading a file an operator imports (PEM with any mix of
// certificates and keys, DER certificate or key, PKCS#12) and writing PKCS#12 for export.
// Pure functions over bytes, so they can be tested and fuzzed without a store.
#pragma once

#include "pki/ossl.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vp::pki {

enum class BundleFormat : uint8_t { Pem, Der, Pkcs12 };
std::string_view bundle_format_name(BundleFormat format);

struct Bundle {
    BundleFormat format = BundleFormat::Pem;
    std::vector<X509Ptr> certificates; // in file order; for PKCS#12 the leaf comes first
    std::vector<EvpPkeyPtr> private_keys;
};

// Reads a bundle. Encrypted keys and PKCS#12 files are opened with `passphrase`; a wrong one is
// reported as "wrong passphrase ...", a missing one as "... is encrypted: give passphrase=".
// Legacy PKCS#12 algorithms (RC2, RC4) load OpenSSL's legacy provider on first need.
Result<Bundle> parse_bundle(std::span<const uint8_t> data, std::string_view passphrase);

// The shortest passphrase export accepts for anything that carries a private key (RouterOS
// asks for 8 characters as well).
inline constexpr size_t kMinExportPassphrase = 8;

enum class Pkcs12Encryption : uint8_t {
    // AES-256-CBC with PBKDF2-HMAC-SHA256 for key and certificates, HMAC-SHA256 MAC: what
    // OpenSSL 3, Windows 10 1709+ and current macOS/iOS/Android read.
    Modern,
    // PBE-SHA1-3DES for key and certificates and an HMAC-SHA1 MAC: for importers that predate
    // PBES2 (Windows 7/8, Windows Server 2016, older Android and macOS keychains).
    Legacy,
};

// A PKCS#12 with the certificate, its private key and the chain (CA certificates), the
// certificate's friendlyName set to `friendly_name`.
Result<std::vector<uint8_t>> export_pkcs12(X509* cert, EVP_PKEY* key,
                                           const std::vector<X509Ptr>& chain,
                                           std::string_view friendly_name,
                                           std::string_view passphrase,
                                           Pkcs12Encryption encryption);

} // namespace vp::pki
