// What a TLS endpoint proves and trusts: its certificate, private key and chain, and the CA
// store (with CRLs) it checks peer certificates against. This struct is the seam to the PKI
// store: the store hands over already-loaded X509 / EVP_PKEY objects; until then, and in tests,
// they come from PEM files or PEM text.
#pragma once

#include "base/result.hpp"
#include "control/tls/ossl.hpp"

#include <string>
#include <vector>

namespace vp::tls {

struct Credentials {
    X509Ptr certificate;          // may be null for a client without a certificate
    EvpPkeyPtr private_key;       // matches `certificate`
    std::vector<X509Ptr> chain;   // intermediates sent after the leaf
    std::vector<X509Ptr> trusted; // CAs that peer certificates must chain to
    std::vector<X509CrlPtr> crls; // checked against peer certificates when present
};

// PEM sources: every field is optional; a file may hold several PEM blocks (a certificate file
// may carry its chain after the leaf).
struct PemFiles {
    std::string certificate; // leaf first, then intermediates
    std::string private_key;
    std::string ca;  // trusted CAs
    std::string crl; // CRLs
};

Result<Credentials> load_pem_files(const PemFiles& files);
// The same from PEM text (as held by a config or a PKI store).
Result<Credentials> load_pem_text(const PemFiles& text);

} // namespace vp::tls
