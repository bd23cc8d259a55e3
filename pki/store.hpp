// The certificate store: RouterOS's `/certificate` list kept in a directory. Templates and
// certificates share one name space; `sign` turns a template into a certificate (as RouterOS
// does, the template is consumed). The servers read identities and trust from it; vpnctl edits it.
//
// Layout (docs/pki.md has the details):
//   DIR/templates/NAME.template   template properties, `key=value` lines
//   DIR/certs/NAME.crt            certificate, PEM
//   DIR/certs/NAME.meta           store properties of the certificate (trusted, ca-crl-host, ...)
//   DIR/private/NAME.key          private key, unencrypted PKCS#8 PEM, mode 0600 (dir 0700)
//   DIR/crl/CA.crl                the CA's current CRL, PEM
//   DIR/crl/CA.revoked            the CA's revocation index: "SERIAL UNIXTIME NAME" lines
//   DIR/crl/CA.crlnumber          the last CRL number issued
//   DIR/.lock                     flock()ed by every change, so concurrent vpnctl runs serialise
// Every file is written by write_file_atomic(): readers (a reloading server) see whole files.
#pragma once

#include "pki/atomic_file.hpp"
#include "pki/bundle.hpp"
#include "pki/crl.hpp"
#include "pki/issue.hpp"
#include "pki/ossl.hpp"
#include "pki/template.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace vp::pki {

inline constexpr const char* kDefaultStoreDir = "/var/lib/vpnplane/certificates";

// Store-side properties of a certificate (not in the certificate itself).
struct CertificateMeta {
    bool trusted = true;
    std::string ca_crl_host;        // for a CA: CRL distribution point of what it issues
    int crl_days = kDefaultCrlDays; // for a CA: the nextUpdate distance of its CRLs
};

// A certificate with its private key and the issuers above it, as a server presents it.
struct Identity {
    std::string name;
    X509Ptr certificate;
    EvpPkeyPtr private_key;
    // Issuers found in the store, nearest first; the last is the self-signed root when the
    // store has it. A TLS server sends `chain` without the root (see chain_without_root()).
    std::vector<X509Ptr> chain;
    std::vector<X509*> chain_without_root() const;
};

struct SignRequest {
    std::string template_name;
    std::string name;        // the certificate's name; empty: the template's name
    std::string ca;          // the signing CA's name; empty or the template itself: self-signed
    std::string ca_crl_host; // self-signed CAs only: host (or full URL) of the published CRL
};

struct ImportRequest {
    std::string file_name; // for messages and default names
    std::string name;      // name for the first new certificate; empty: <file stem>_N
    std::string passphrase;
    bool trusted = true; // RouterOS marks imported certificates trusted
};

struct ImportReport {
    std::vector<std::string> lines; // one per certificate or key: what happened
};

class Store {
public:
    // An existing store (the servers' view). Fails when the directory does not exist.
    static Result<Store> open(const std::string& dir);
    // Creates the directory tree (mode 0700) when missing (vpnctl's view).
    static Result<Store> open_or_create(const std::string& dir);

    const std::string& dir() const { return dir_; }

    // --- names ------------------------------------------------------------------------------
    std::vector<std::string> template_names() const;
    std::vector<std::string> certificate_names() const;
    bool has_template(const std::string& name) const;
    bool has_certificate(const std::string& name) const;
    bool has_private_key(const std::string& name) const;

    // --- templates and signing -----------------------------------------------------------
    Status add_template(const CertificateTemplate& tmpl);
    Result<CertificateTemplate> load_template(const std::string& name) const;
    // Generates the key, issues the certificate, stores both and removes the template. For a
    // self-signed CA also writes its first (empty) CRL. Returns the certificate.
    Result<X509Ptr> sign(const SignRequest& request, std::time_t now);

    // --- certificates --------------------------------------------------------------------
    Result<X509Ptr> load_certificate(const std::string& name) const;
    Result<EvpPkeyPtr> load_private_key(const std::string& name) const;
    Result<CertificateMeta> load_meta(const std::string& name) const;
    Status set_trusted(const std::string& name, bool trusted);
    // Removes a template, or a certificate with its key and metadata (and, for a CA, its CRL
    // files).
    Status remove(const std::string& name);

    // The store name of the certificate that issued `cert` (signature checked); nullopt when
    // the issuer is not in the store. A self-signed certificate is its own issuer.
    std::optional<std::string> find_issuer(X509* cert) const;
    // Issuers of `name` up the chain, nearest first (see Identity::chain).
    Result<std::vector<X509Ptr>> chain_of(const std::string& name) const;

    // --- revocation ----------------------------------------------------------------------
    // Adds the certificate's serial to its issuer's index and re-signs the issuer's CRL.
    Status revoke(const std::string& name, std::time_t now);
    // When revoked: the time it was revoked.
    std::optional<std::time_t> revoked_at(const std::string& name) const;
    // The CA's revocation index (empty when it has revoked nothing).
    Result<std::vector<RevokedEntry>> revoked_entries(const std::string& ca_name) const {
        return load_revoked(ca_name);
    }
    // Re-signs the CA's CRL (lastUpdate now, nextUpdate now + days; days 0: the CA's crl-days,
    // which a non-zero `days` also updates). Returns the CRL written to crl/CA.crl.
    Result<X509CrlPtr> generate_crl(const std::string& ca_name, std::time_t now, int days = 0);
    Result<X509CrlPtr> load_crl(const std::string& ca_name) const;
    bool has_crl(const std::string& ca_name) const;

    // --- import / export material ------------------------------------------------------
    Result<ImportReport> import_bundle(const Bundle& bundle, const ImportRequest& request);
    Result<std::string> certificate_pem(const std::string& name) const;
    // Unencrypted PKCS#8 PEM, for inline use in client profiles.
    Result<std::string> private_key_pem(const std::string& name) const;
    // The PEM of the issuers of `name` (the CA certificates a client must trust), nearest first.
    Result<std::string> ca_pem(const std::string& name) const;

    // --- what the servers use ------------------------------------------------------------
    // Certificate, matching private key and chain. Refuses a missing or mismatched key, an
    // expired or not-yet-valid certificate and a revoked one, each with a message that names it.
    Result<Identity> load_identity(const std::string& name, std::time_t now) const;
    // The trusted CA certificates (trusted=yes and basicConstraints CA:TRUE).
    std::vector<X509Ptr> trusted_cas() const;
    // An X509_STORE with the trusted CAs and their CRLs. When at least one CRL exists, CRL
    // checking is on for the whole chain (X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL) and the
    // store's verify callback is crl_tolerant_verify_callback(). Built fresh on every call:
    // a server calls it again on `vpnctl reload` to pick up new CAs and CRLs.
    Result<X509StorePtr> trust_store(std::time_t now) const;

    // File paths (for messages and tests).
    std::string certificate_path(const std::string& name) const;
    std::string private_key_path(const std::string& name) const;
    std::string template_path(const std::string& name) const;
    std::string meta_path(const std::string& name) const;
    std::string crl_path(const std::string& ca_name) const;
    std::string revoked_index_path(const std::string& ca_name) const;
    std::string crl_number_path(const std::string& ca_name) const;

private:
    explicit Store(std::string dir) : dir_(std::move(dir)) {}
    Status check_name_free(const std::string& name) const;
    Result<std::vector<RevokedEntry>> load_revoked(const std::string& ca_name) const;
    Status write_meta(const std::string& name, const CertificateMeta& meta, WriteMode mode);
    Result<X509CrlPtr> write_crl(const std::string& ca_name, std::time_t now, int days);

    std::string dir_;
};

// The verify callback trust_store() installs. With CRL checking on, OpenSSL fails a chain whose
// CA has no CRL in the store ("unable to get certificate CRL") and one whose CRL's nextUpdate has
// passed. The store's CRLs are complete by construction (every revoke re-signs them), so:
// - a CA without a CRL (an imported CA) is checked without one;
// - a CRL past nextUpdate still lists every revocation, so it is used rather than refusing every
//   client; nextUpdate matters to consumers of the published copy (ca-crl-host), and
//   trust_store() logs a warning when it has passed.
// A server that installs its own SSL verify callback (SSL_CTX_set_verify) replaces this one and
// must call it first: `ok = pki::crl_tolerant_verify_callback(ok, ctx);`.
int crl_tolerant_verify_callback(int ok, X509_STORE_CTX* ctx);

} // namespace vp::pki
