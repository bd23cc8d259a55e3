// Certificate revocation lists: a CA's list of revoked serials (the store keeps it as an index
// file) signed into an X.509 v2 CRL with a CRL number and a nextUpdate.
#pragma once

#include "pki/ossl.hpp"

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace vp::pki {

struct RevokedEntry {
    std::string serial_hex; // upper-case hex, as serial_hex() writes it
    std::time_t revoked_at = 0;
    std::string name; // the certificate's name in the store (informational)
};

// The index file: one "SERIAL UNIXTIME NAME" line per revoked certificate.
Result<std::vector<RevokedEntry>> parse_revocation_index(std::string_view text);
std::string revocation_index_text(const std::vector<RevokedEntry>& entries);

inline constexpr int kDefaultCrlDays = 30;

// Signs a CRL: issuer = the CA's subject, lastUpdate = now, nextUpdate = now + next_update_days,
// crlNumber and authorityKeyIdentifier extensions, one entry per revoked serial.
Result<X509CrlPtr> build_crl(X509* ca, EVP_PKEY* ca_key, const std::vector<RevokedEntry>& revoked,
                             uint64_t crl_number, std::time_t now, int next_update_days);

} // namespace vp::pki
